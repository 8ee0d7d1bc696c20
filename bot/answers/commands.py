"""/parity subcommands and App Home's quick questions -> what to do. Slack-free, so the CLI
and tests share it.

A subcommand that already says what it wants builds its Query directly ("/parity status" is
the status; "/parity safe sent" reads "sent" with the intent set), never a sentence written
for the parser to read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.answers.digest import past_full_week
from bot.language import DEFAULT_DAYS
from bot.query import Query

USAGE = (
    "/parity why <question> · /parity safe <metric> [journey] · "
    "/parity reconcile <journey> <dates> · /parity digest [preview|set|off] · /parity status · "
    "/parity watch [journey|all …] · /parity unwatch … · /parity refresh [cja|ajo] · "
    "/parity snapshots · "
    "/parity help"
)

# Subcommands and the intent they set for the rest of the line.
INTENTS = {"safe": "safe_range", "reconcile": "reconcile", "why": None}


@dataclass(frozen=True)
class Command:
    kind: str  # "ask" | "query" | "digest" | "watch" | "unwatch" | "refresh" | "snapshots"
    question: str = ""  # the rest of the text (the question, or the subcommand's words)
    intent: str | None = None  # set by the subcommand ("safe" -> safe_range)
    query_intent: str | None = None  # kind "query": a Query of this intent, built directly


def parse_command(text: str) -> Command:
    """Read the text after /parity. Anything that is not a subcommand is a question."""
    text = " ".join(text.split())
    first, _, rest = text.partition(" ")
    match first.casefold():
        case "" | "help":
            return Command("query", query_intent="help")
        case "status":
            return Command("query", query_intent="status")
        case "safe" | "reconcile" | "why":
            return Command("ask", rest, intent=INTENTS[first.casefold()])
        case "digest" | "watch" | "unwatch" | "refresh" | "snapshots":
            return Command(first.casefold(), rest)
        case _:
            # An unknown subcommand is read as a question; one that makes no sense gets
            # "I did not understand" with examples, never an error.
            return Command("ask", text)


def direct_query(intent: str, today: date) -> Query:
    """The Query of a subcommand without words to read (status, help, digest)."""
    if intent == "digest":
        return Query("digest", *past_full_week(today))
    return Query(intent, today - timedelta(days=DEFAULT_DAYS - 1), today, default_dates=True)


def home_query(key: str, today: date) -> Query | None:
    """App Home's quick questions, as the queries they stand for."""
    last_30 = (today - timedelta(days=DEFAULT_DAYS - 1), today)
    queries = {
        "sent_gap": Query("reconcile", *last_30, ("sent",), default_dates=True),
        "sent_safe": Query("safe_range", *last_30, ("sent",), default_dates=True),
        "last_week": Query("reconcile", *past_full_week(today)),
    }
    return queries.get(key)
