"""/parity: ack at once, answer ephemerally through the response_url."""

from __future__ import annotations

from bot.answers.commands import parse_command
from bot.clock.digest_commands import apply_digest_command, parse_digest_command, refusal
from bot.errors import BadInput
from bot.slack.replies import Target
from handlers.common import question_text


def run_command(services, command: dict) -> None:
    parsed = parse_command(command.get("text", ""))
    target = Target(
        channel=command["channel_id"],
        user=command["user_id"],
        response_url=command["response_url"],
    )
    if parsed.kind == "digest":
        digest_command(services, target, parsed.question)
        return
    # With escaping on (needed to receive channel ids), Slack sends & < > as entities.
    services.replier.ask(target, question_text(parsed.question))


def digest_command(services, target: Target, text: str) -> None:
    """`/parity digest [set|off|preview …]`: schedules for a channel, or this week's digest."""
    try:
        order = parse_digest_command(text.split(), here=target.channel)
    except BadInput as error:
        services.replier.say(target, refusal(error))
        return
    if order.action == "preview":
        services.replier.ask(target, "digest")
        return
    now = services.clock.now()
    reply = apply_digest_command(services.store, services.settings, order, target.user, now)
    services.replier.say(target, reply)


def register(app, services) -> None:
    @app.command("/parity")
    def parity_command(ack, command):
        ack()
        services.later(run_command, services, command)
