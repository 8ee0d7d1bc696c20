"""Delivering answers to Slack: threads, ephemeral replies, "working on it", charts.

Listeners ack first and call into here afterwards. A slow answer gets a "working on it"
message that is then updated in place; whatever does not fit in one message goes into the
thread; a chart that cannot be attached leaves the answer in place and says why.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.charts import chart_png
from bot.answers.service import APOLOGY, Answer, Parity
from bot.config import Settings
from bot.formatting import format_scope
from bot.metrics import DISPLAY_NAMES
from bot.query import Query
from bot.slack import present
from bot.slack.blocks import Message, section
from bot.slack.client import webhook

log = logging.getLogger(__name__)

# Buttons on a question asked back (Slack allows 25 in an actions block; fewer read better).
MAX_OFFERS = 6

WORKING = Message("⏳ Working on it…", [section("⏳ Working on it…")])


@dataclass(frozen=True)
class Target:
    """Where a reply goes: a channel (and thread), or a response_url for ephemeral replies."""

    channel: str
    user: str
    thread_ts: str | None = None
    response_url: str | None = None

    @property
    def ephemeral(self) -> bool:
        return self.response_url is not None

    @property
    def is_dm(self) -> bool:
        return self.channel.startswith("D") and not self.ephemeral


@dataclass(frozen=True)
class EarlierReply:
    """Parity's reply to a question, found in Slack: its ts, and whether it apologised."""

    ts: str
    apology: bool


@dataclass
class Replier:
    client: WebClient
    parity: Parity
    settings: Settings
    pool: ThreadPoolExecutor
    _bot_user: str | None = field(default=None, init=False, repr=False)

    # --- answering -------------------------------------------------------------

    def ask(
        self,
        target: Target,
        question: str,
        *,
        conversation: str | None = None,
        intent: str | None = None,
        replacing: str | None = None,
    ) -> Answer:
        """Answer a free-text question at `target`; in a `conversation` (a thread, a DM) a
        follow-up keeps what it does not change. `replacing` is the ts of an earlier reply
        (an apology) the answer takes the place of. Returns what was delivered (an apology
        carries an error id)."""
        return self._answer(
            target,
            question,
            lambda: self.parity.ask(
                question, flavour="mrkdwn", conversation=conversation, intent=intent
            ),
            replacing,
        )

    def rerun(self, target: Target, query: Query, question: str) -> Answer:
        """Answer a stored query (a button's, an offer's, a command's) as of today."""
        return self._answer(
            target,
            question,
            lambda: self.parity.answer(query, self.parity.today(), "mrkdwn"),
        )

    def _answer(
        self,
        target: Target,
        question: str,
        compute: Callable[[], Answer],
        replacing: str | None = None,
    ) -> Answer:
        answer, placeholder = self._with_notice(target, compute, replacing)
        store = self.parity.store
        answer_id = None
        if answer.metrics and not answer.error:
            answer_id = store.save_answer(
                user_id=target.user,
                channel_id=target.channel,
                question=question,
                query=answer.query,
                headline=answer.headline,
            )
        # "Did you mean…?": each corrected query is stored; its button re-runs it as is.
        offers = tuple(
            (store.save_offer(offer.label, offer.query), offer.label)
            for problem in answer.query.unclear
            for offer in problem.offers
        )[:MAX_OFFERS]
        # An ephemeral answer only its asker sees can be shared with the channel.
        messages = present.answer_messages(
            answer,
            answer_id,
            can_post=target.ephemeral,
            pick_channel=target.is_dm,
            refresh=bool(self.settings.pulls),
            offers=offers,
        )
        self.deliver(target, messages, placeholder)
        if answer.query.chart and answer.metrics and not answer.error:
            self.chart(self._thread_of(target, placeholder), answer)
        return answer

    def apologise(self, target: Target, error_id: str) -> None:
        """The apology an answer that failed gets, for work that failed around it."""
        answer = self.parity.apology(error_id)
        self.deliver(target, present.answer_messages(answer, None, can_post=False))

    def _thread_of(self, target: Target, placeholder: str | None) -> Target:
        if target.ephemeral:  # a chart of a private answer goes to the asker's DM
            dm = self.client.conversations_open(users=target.user)["channel"]["id"]
            return Target(dm, target.user)
        return target

    def _with_notice(
        self, target: Target, compute: Callable[[], Answer], existing: str | None = None
    ):
        """The answer, and the "working on it" message if one was posted while it ran (or
        `existing`, the reply the answer replaces, showing it).

        The placeholder is the message's ts, or "" for an ephemeral reply (replaced
        through the response_url rather than by ts).
        """
        # In the request's context: the answer's log lines carry the request's id.
        future = self.pool.submit(contextvars.copy_context().run, compute)
        try:
            return future.result(timeout=self.settings.working_notice_seconds), existing
        except FutureTimeout:
            if existing:
                self.client.chat_update(channel=target.channel, ts=existing, **WORKING.to_kwargs())
                return future.result(), existing
            placeholder = self.post(target, WORKING) or ""
            return future.result(), placeholder

    def earlier_reply(self, target: Target, asked_ts: str) -> EarlierReply | None:
        """Parity's reply to the question asked at `asked_ts` in `target`'s thread, if an
        earlier delivery of it gave one. Slack is what every process shares, and it keeps
        answering while the database does not; None when it cannot tell."""
        try:
            if self._bot_user is None:
                self._bot_user = self.client.auth_test()["user_id"]
            page = self.client.conversations_replies(
                channel=target.channel, ts=target.thread_ts or asked_ts, limit=200
            )
        except SlackApiError as error:
            log.info("earlier replies unknown: %s", error.response.get("error"))
            return None
        for message in page.get("messages", []):
            if float(message.get("ts", 0)) <= float(asked_ts):
                continue
            if message.get("user") == self._bot_user:
                return EarlierReply(message["ts"], APOLOGY in message.get("text", ""))
            if not message.get("bot_id"):  # someone spoke since: replies after are not its
                return None
        return None

    # --- sending ---------------------------------------------------------------

    def post(self, target: Target, message: Message, *, replace: bool = False) -> str | None:
        """Send one message; returns its ts (None for ephemeral replies)."""
        if target.ephemeral:
            response = webhook(target.response_url).send(
                **message.to_kwargs(), response_type="ephemeral", replace_original=replace
            )
            if response.status_code != 200:
                log.warning("response_url answered %s", response.status_code)
            return None
        result = self.client.chat_postMessage(
            channel=target.channel, thread_ts=target.thread_ts, **message.to_kwargs()
        )
        return result["ts"]

    def deliver(self, target: Target, messages: list[Message], placeholder: str | None = None):
        """The first message (in place of the placeholder, if any), then the overflow."""
        first, *rest = messages
        if target.ephemeral:
            self.post(target, first, replace=placeholder is not None)
            for message in rest:
                self.post(target, message)
            return
        if placeholder:
            self.client.chat_update(channel=target.channel, ts=placeholder, **first.to_kwargs())
            ts = placeholder
        else:
            ts = self.post(target, first)
        thread = Target(target.channel, target.user, thread_ts=target.thread_ts or ts)
        for message in rest:
            self.post(thread, message)

    def share(self, origin: Target, channel: str, messages: list[Message]) -> None:
        """Post an answer publicly in `channel`; tell the asker if Slack refuses."""
        try:
            self.deliver(Target(channel, origin.user), messages)
        except SlackApiError as error:
            reason = error.response.get("error", "unknown_error")
            self.say(
                origin,
                f"⚠️ I could not post in <#{channel}> ({reason}). "
                "Invite me there (/invite @Parity) and try again.",
            )

    def say(self, target: Target, mrkdwn: str) -> None:
        self.deliver(target, present.text_messages(mrkdwn))

    # --- charts ----------------------------------------------------------------

    def chart(self, target: Target, answer: Answer) -> None:
        """Attach one chart per metric to the thread; say so when Slack refuses."""
        query = answer.query
        scope = format_scope(query.start, query.end, query.journeys)
        for result in answer.metrics[:3]:
            png = chart_png(result, scope)
            try:
                self.client.files_upload_v2(
                    channel=target.channel,
                    thread_ts=target.thread_ts,
                    content=png,
                    filename=f"parity-{result.metric}.png",
                    title=f"{DISPLAY_NAMES[result.metric]}: AJO vs CJA, {scope}",
                )
            except SlackApiError as error:
                reason = error.response.get("error", "unknown_error")
                log.warning("chart upload failed: %s", reason)
                self.say(
                    target,
                    f"⚠️ I could not attach the chart ({reason}). "
                    + _CHART_HINTS.get(reason, "The answer above still stands."),
                )
                return


_CHART_HINTS = {
    "not_in_channel": "Invite me to this channel (/invite @Parity) and press Chart again.",
    "missing_scope": "My Slack app needs the files:write scope; an admin can add it.",
    "channel_not_found": "I cannot see this conversation; invite me and press Chart again.",
}
