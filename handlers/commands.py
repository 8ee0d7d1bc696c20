"""/parity: ack at once, answer ephemerally through the response_url."""

from __future__ import annotations

from bot.commands import parse_command
from bot.slack.replies import Target


def run_command(services, command: dict) -> None:
    parsed = parse_command(command.get("text", ""))
    target = Target(
        channel=command["channel_id"],
        user=command["user_id"],
        response_url=command["response_url"],
    )
    question = "digest " + parsed.question if parsed.kind == "digest" else parsed.question
    services.replier.ask(target, question.strip())


def register(app, services) -> None:
    @app.command("/parity")
    def parity_command(ack, command):
        ack()
        run_command(services, command)
