"""/parity: ack at once, answer ephemerally through the response_url."""

from __future__ import annotations

from bot.alerts import commands as watching
from bot.answers.commands import direct_query, parse_command
from bot.clock.alerting import deliver
from bot.clock.digest_commands import apply_digest_command, parse_digest_command, refusal
from bot.errors import BadInput
from bot.slack.members import refusal as membership_refusal
from bot.slack.refresh import refresh_in_slack
from bot.slack.replies import Target
from handlers.common import question_text, signed_once, slack_words
from handlers.snapshots import snapshots_command


def command_target(command: dict) -> Target:
    """A slash command is answered ephemerally, through its response_url."""
    return Target(
        channel=command["channel_id"],
        user=command["user_id"],
        response_url=command["response_url"],
    )


def run_command(services, command: dict) -> None:
    parsed = parse_command(command.get("text", ""))
    target = command_target(command)
    if parsed.kind == "digest":
        digest_command(services, target, parsed.question)
        return
    if parsed.kind in ("watch", "unwatch"):
        watch_command(services, target, parsed.kind, parsed.question)
        return
    if parsed.kind == "refresh":
        refresh_command(services, target, parsed.question)
        return
    if parsed.kind == "snapshots":
        snapshots_command(services, target)
        return
    if parsed.kind == "query":
        query = direct_query(parsed.query_intent, services.parity.today())
        services.replier.rerun(target, query, f"/parity {parsed.query_intent}")
        return
    # With escaping on (needed to receive channel ids), Slack sends & < > as entities.
    services.replier.ask(
        target,
        question_text(parsed.question),
        conversation=f"command:{target.channel}:{target.user}",
        intent=parsed.intent,
    )


def digest_command(services, target: Target, text: str) -> None:
    """`/parity digest [set|off|preview …]`: schedules for a channel, or this week's digest."""
    try:
        order = parse_digest_command(text.split(), here=target.channel)
    except BadInput as error:
        services.replier.say(target, refusal(error))
        return
    if order.action == "preview":
        query = direct_query("digest", services.parity.today())
        services.replier.rerun(target, query, "/parity digest preview")
        return
    # A digest goes only where Parity and its asker both are; only members turn it off.
    doing = {"set": "schedule its digest", "off": "turn its digest off"}.get(order.action)
    if doing and (
        refused := membership_refusal(services.replier.client, order.channel, target.user, doing)
    ):
        services.replier.say(target, refused)
        return
    now = services.clock.now()
    reply = apply_digest_command(services.store, services.settings, order, target.user, now)
    services.replier.say(target, reply)


def watch_command(services, target: Target, action: str, text: str) -> None:
    """`/parity watch|unwatch …`: only a channel's members change what it is alerted about."""
    journeys = sorted(set(services.store.journey_names().values()))
    try:
        order = watching.parse_watch_command(
            action, slack_words(text), journeys=journeys, today=services.parity.today(),
            here=target.channel,
        )  # fmt: skip
    except BadInput as error:
        services.replier.say(target, watching.refusal(error))
        return
    client = services.replier.client
    if order.action != "list" and (
        refused := membership_refusal(client, order.channel, target.user, "change its alerts")
    ):
        services.replier.say(target, refused)
        return
    reply = watching.apply_watch_command(services.store, order, target.user, services.clock.now())
    services.replier.say(target, reply.text)
    for revision in reply.closed:  # their messages say they are resolved
        deliver(services.runtime, revision)


def refresh_command(services, target: Target, text: str) -> None:
    """`/parity refresh [cja|ajo]`: run the configured pulls now."""
    source = text.strip().casefold() or None
    if source not in (None, "cja", "ajo"):
        services.replier.say(target, "⚠️ Usage: `/parity refresh` (every pull), or `cja` or `ajo`.")
        return
    refresh_in_slack(services.runtime, services.replier, target, source)


def register(app, services) -> None:
    @app.command("/parity")
    def parity_command(ack, command, request):
        ack()
        signed_once(
            services, request, command_target(command), lambda: run_command(services, command)
        )
