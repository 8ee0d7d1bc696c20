"""The weekly digest in Slack: its messages, and posting them so that nothing goes out twice.

A digest is several steps: the message (verdict, metrics, the five largest unexplained
journeys, buttons), follow-ups in its thread (the other journeys, any overflow), and a chart.
Each step is recorded in the run's row as soon as Slack accepted it, so a retry after a
failure or a crash picks up at the first step not yet done instead of posting again.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.answers.charts import chart_png
from bot.answers.digest import Digest
from bot.answers.render import digest_parts
from bot.formatting import format_span
from bot.metrics import DISPLAY_NAMES
from bot.slack.blocks import Message, build_messages, section_messages
from bot.slack.buttons import answer_block_id, answer_buttons
from bot.store.runs import Run
from bot.store.scheduling import ClockRecords

log = logging.getLogger(__name__)


def digest_messages(
    digest: Digest,
    answer_id: int | None,
    *,
    can_post: bool,
    parts: tuple[str, str, str] | None = None,
) -> list[Message]:
    """The digest with the answer buttons first; what follows goes into its thread.

    `parts` are its headline, message and thread as already rendered (bot.answers.render.
    digest_parts); the digest is rendered here only when they are not given.
    """
    scope = format_span(digest.query.start, digest.query.end)
    headline, message, thread = parts or digest_parts(digest)
    buttons = answer_buttons(answer_id, can_post=can_post) if answer_id else None
    block_id = answer_block_id(answer_id) if answer_id else None
    first = section_messages(
        [message],
        verdict=headline,
        title=f"Parity weekly digest · {scope}",
        buttons=buttons,
        actions_id=block_id,
    )
    return first + (build_messages(thread) if thread.strip() else [])


def post_digest(
    client: WebClient,
    records: ClockRecords,
    run: Run,
    channel: str,
    messages: list[Message],
    chart: tuple[bytes, str] | None = None,
) -> str | None:
    """Post what `run` has not posted yet; returns a note when the chart could not go out.

    The first message goes to the channel, everything after it into its thread; the chart
    (PNG bytes and a title) is the last step. A chart Slack refuses is noted, not fatal: the
    digest stands without its picture.
    """
    ts = run.message_ts
    for step, message in enumerate(messages):
        if step < run.steps_done:
            continue
        response = client.chat_postMessage(
            channel=channel, thread_ts=ts if step else None, **message.to_kwargs()
        )
        ts = ts or response["ts"]
        records.step_done(run.id, step + 1, ts)
    if chart is None or run.steps_done > len(messages):
        return None
    png, title = chart
    note = None
    try:
        client.files_upload_v2(
            channel=channel, thread_ts=ts, content=png, filename="parity-digest.png", title=title
        )
    except SlackApiError as error:
        reason = error.response.get("error", "unknown_error")
        log.warning("digest chart not attached in %s: %s", channel, reason)
        note = f"chart not attached: {reason}"
    records.step_done(run.id, len(messages) + 1, ts)
    return note


def digest_chart(digest: Digest) -> tuple[bytes, str] | None:
    """One small chart: the metric with the largest unexplained gap (else the largest gap)."""
    result = digest.chart_metric
    if result is None:
        return None
    scope = format_span(digest.query.start, digest.query.end)
    return chart_png(result, scope), f"{DISPLAY_NAMES[result.metric]}: AJO vs CJA, {scope}"
