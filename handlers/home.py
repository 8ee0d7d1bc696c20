"""App Home: what is stored and how fresh, the last answers, quick questions."""

from __future__ import annotations

from bot.slack import buttons, present
from bot.slack.replies import Target


def publish_home(services, user: str) -> None:
    status = services.parity.ask("status", flavour="mrkdwn")
    view = present.home_view(status, services.store.recent_answers(5))
    services.replier.client.views_publish(user_id=user, view=view)


def ask_from_home(services, body: dict) -> None:
    user = body["user"]["id"]
    dm = services.replier.client.conversations_open(users=user)["channel"]["id"]
    services.replier.ask(Target(dm, user), body["actions"][0]["value"])


def register(app, services) -> None:
    @app.event("app_home_opened")
    def home_opened(event):
        if event.get("tab", "home") == "home":
            services.later(publish_home, services, event["user"])

    @app.action(buttons.HOME_ASK)
    def home_question(ack, body):
        ack()
        services.later(ask_from_home, services, body)
