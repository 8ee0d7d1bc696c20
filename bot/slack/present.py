"""Answers as Slack messages: sections from the answer's objects, buttons, App Home."""

from __future__ import annotations

from bot.answers.render import render
from bot.answers.service import Answer
from bot.formatting import format_span
from bot.metrics import DISPLAY_NAMES
from bot.slack.blocks import (
    Button,
    Message,
    actions,
    build_messages,
    header,
    section,
    section_messages,
)
from bot.slack.buttons import (
    HOME_ASK,
    HOME_QUESTIONS,
    OFFER,
    answer_block_id,
    answer_buttons,
)
from bot.slack.digest import digest_messages
from bot.store import StoredAnswer


def answer_messages(
    answer: Answer,
    answer_id: int | None,
    *,
    can_post: bool,
    pick_channel: bool = False,
    offers: tuple[tuple[int, str], ...] = (),
    refresh: bool = False,
) -> list[Message]:
    """The answer (rendered for Slack) with buttons: drill-downs on a reconciliation (and
    Refresh where pulls are configured), "Did you mean…?" offers (stored query ids and
    labels) on a question asked back."""
    if answer.digest is not None and not answer.error:  # a message and its thread
        parts = (answer.headline, answer.sections[0], answer.thread)
        return digest_messages(answer.digest, answer_id, can_post=can_post, parts=parts)
    *body, reading = answer.sections if _has_reading(answer) else (*answer.sections, None)
    buttons = None
    if offers:
        buttons = [Button(label, OFFER, str(offer_id)) for offer_id, label in offers]
    elif answer_id:
        buttons = answer_buttons(
            answer_id,
            can_post=can_post,
            pick_channel=pick_channel,
            refresh=refresh,
            sources=bool(answer.snapshots),
        )
    return section_messages(
        body,
        verdict=answer.headline,
        buttons=buttons,
        actions_id=answer_block_id(answer_id) if answer_id and not offers else None,
        context=reading,
    )


def _has_reading(answer: Answer) -> bool:
    return bool(answer.sections) and answer.sections[-1].startswith("Read as:")


def breakdown_messages(answer: Answer, by: str) -> list[Message]:
    text = render("breakdown.j2", "mrkdwn", answer=answer, by=by)
    first, *more = [DISPLAY_NAMES[r.metric] for r in answer.metrics] or ["No numbers"]
    span = format_span(answer.query.start, answer.query.end)
    extra = f" (and {len(more)} more)" if more else ""
    return section_messages([text], verdict=f"*{first} by {by}* · {span}{extra}")


def sources_messages(answer: Answer) -> list[Message]:
    """The snapshots an answer's numbers come from, with their provenance."""
    text = render("sources.j2", "mrkdwn", query=answer.query, snapshots=answer.snapshots)
    return build_messages(text)


def text_messages(mrkdwn: str) -> list[Message]:
    return build_messages(mrkdwn)


def home_view(status: Answer, recent: list[StoredAnswer]) -> dict:
    now = status.now.replace(tzinfo=None)
    blocks = [
        header("Parity · AJO vs CJA"),
        *(section(text) for text in status.sections),
        {"type": "divider"},
        section(render("home.j2", "mrkdwn", recent=recent, now=now)),
        actions([Button(label, HOME_ASK, key) for key, label in HOME_QUESTIONS]),
    ]
    return {"type": "home", "blocks": blocks}
