"""/parity subcommands -> what to do. Slack-free, so the CLI and tests share it."""

from __future__ import annotations

from dataclasses import dataclass

USAGE = (
    "/parity why <question> · /parity safe <metric> [journey] · "
    "/parity reconcile <journey> <dates> · /parity digest [preview|set|off] · /parity status · "
    "/parity watch [journey|all …] · /parity unwatch … · /parity refresh [cja|ajo] · "
    "/parity help"
)


@dataclass(frozen=True)
class Command:
    kind: str  # "ask" | "digest" | "watch" | "unwatch" | "refresh" | "help"
    question: str  # the rest of the text (the question, or the subcommand's words)


def parse_command(text: str) -> Command:
    """Read the text after /parity. Anything that is not a subcommand is a question."""
    text = " ".join(text.split())
    first, _, rest = text.partition(" ")
    match first.casefold():
        case "" | "help":
            return Command("help", "help")
        case "safe":
            return Command("ask", f"safe range for {rest}".strip())
        case "reconcile" | "why":
            return Command("ask", text)
        case "status":
            return Command("ask", "status")
        case "digest" | "watch" | "unwatch" | "refresh":
            return Command(first.casefold(), rest)
        case _:
            # An unknown subcommand is read as a question; one that makes no sense gets
            # the help as its answer, never an error.
            return Command("ask", text)
