"""Block Kit messages from rendered mrkdwn, within Slack's limits.

The one place that knows Slack's limits: 50 blocks a message, 3,000 characters a section,
10 fields a section, 150 characters a header. Whatever does not fit in the first message
spills into follow-up messages (posted in the thread), so nothing is cut. The top-level
`text` carries the verdict: it is what notifications and screen readers show.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_FIELDS = 10
MAX_HEADER_CHARS = 150
MAX_TEXT_CHARS = 3000


@dataclass(frozen=True)
class Button:
    text: str
    action_id: str
    value: str
    style: str | None = None  # "primary" | "danger" | None

    def to_block_element(self) -> dict:
        element = {
            "type": "button",
            "text": {"type": "plain_text", "text": self.text[:75], "emoji": True},
            "action_id": self.action_id,
            "value": self.value[:2000],
        }
        if self.style:
            element["style"] = self.style
        return element


@dataclass(frozen=True)
class ChannelPicker:
    """A conversations menu: the chosen channel arrives as the action's selected_conversation."""

    placeholder: str
    action_id: str

    def to_block_element(self) -> dict:
        return {
            "type": "conversations_select",
            "action_id": self.action_id,
            "placeholder": {"type": "plain_text", "text": self.placeholder[:150]},
            "filter": {"include": ["public", "private"], "exclude_bot_users": True},
        }


@dataclass(frozen=True)
class Message:
    text: str
    blocks: list[dict] = field(default_factory=list)

    def to_kwargs(self) -> dict:
        return {"text": self.text, "blocks": self.blocks}


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chunks(paragraph: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split a paragraph at line ends (or, for one huge line, anywhere) into <= limit."""
    chunks: list[str] = []
    current = ""
    for line in paragraph.split("\n"):
        while len(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def mrkdwn(text: str) -> dict:
    """A mrkdwn text object. Verbatim: Slack links only what Parity marked up itself
    (<#C1>, <@U1>), never a channel name, URL or @word that stored text happens to hold."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(text)}


def fields_section(fields: list[str]) -> list[dict]:
    """Sections of at most 10 mrkdwn fields each."""
    return [
        {
            "type": "section",
            "fields": [mrkdwn(_truncate(f, 2000)) for f in fields[i : i + MAX_FIELDS]],
        }
        for i in range(0, len(fields), MAX_FIELDS)
    ]


def header(text: str) -> dict:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _truncate(text, MAX_HEADER_CHARS), "emoji": True},
    }


def actions(elements: list[Button | ChannelPicker], block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": [e.to_block_element() for e in elements[:25]]}
    if block_id:
        block["block_id"] = block_id[:255]
    return block


def section_messages(
    sections: list[str] | tuple[str, ...],
    *,
    verdict: str,
    buttons: list[Button | ChannelPicker] | None = None,
    title: str | None = None,
    actions_id: str | None = None,
    context: str | None = None,
) -> list[Message]:
    """Messages whose sections are given (one per object a reply shows), each within
    Slack's limits: an over-long section is cut at line ends, the overflow spills into
    follow-ups, and `context` (how the question was read) ends the first message."""
    blocks = [section(chunk) for text in sections if text.strip() for chunk in _chunks(text)]
    lead = [header(title)] if title else []
    tail = [actions(buttons, actions_id)] if buttons else []
    if context:
        tail.insert(0, context_block(context))
    return _split(lead, blocks, tail, _truncate(verdict, MAX_TEXT_CHARS))


def context_block(text: str) -> dict:
    return {"type": "context", "elements": [mrkdwn(_truncate(text, 3000))]}


def _split(lead: list[dict], sections: list[dict], tail: list[dict], verdict: str) -> list[Message]:
    room = MAX_BLOCKS - len(lead) - len(tail)
    messages = [Message(verdict, [*lead, *sections[:room], *tail])]
    rest = sections[room:]
    part = 2
    while rest:
        messages.append(Message(f"{verdict} (continued, part {part})", rest[:MAX_BLOCKS]))
        rest = rest[MAX_BLOCKS:]
        part += 1
    return messages


def build_messages(
    mrkdwn: str,
    *,
    buttons: list[Button | ChannelPicker] | None = None,
    title: str | None = None,
    verdict: str | None = None,
    actions_id: str | None = None,
) -> list[Message]:
    """A plain mrkdwn message (a notice, an ingest report) and its overflow, each within
    Slack's limits. Paragraphs (separated by blank lines) become sections; buttons go on the
    first message. Answers use `section_messages`: their sections come from their objects.
    """
    paragraphs = [p.strip("\n") for p in mrkdwn.split("\n\n") if p.strip()]
    sections = [section(chunk) for p in paragraphs for chunk in _chunks(p)]
    lead = [header(title)] if title else []
    tail = [actions(buttons, actions_id)] if buttons else []
    verdict = _truncate(
        verdict or (paragraphs[0].split("\n")[0] if paragraphs else ""), MAX_TEXT_CHARS
    )

    return _split(lead, sections, tail, verdict)
