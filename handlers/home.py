"""App Home: what is stored and how fresh, the last answers, quick questions."""

from __future__ import annotations

from bot.answers.commands import direct_query, home_query
from bot.slack import buttons, present
from bot.slack.replies import Target
from handlers.common import signed_once


def publish_home(services, user: str) -> None:
    today = services.parity.today()
    status = services.parity.answer(direct_query("status", today), today, "mrkdwn")
    view = present.home_view(status, services.store.recent_answers(5))
    services.replier.client.views_publish(user_id=user, view=view)


def ask_from_home(services, body: dict) -> None:
    user = body["user"]["id"]
    action = body["actions"][0]
    query = home_query(action.get("value", ""), services.parity.today())
    dm = services.replier.client.conversations_open(users=user)["channel"]["id"]
    if query is None:  # a button from an older App Home
        services.replier.say(Target(dm, user), "That button is out of date: please ask again.")
        return
    label = (action.get("text") or {}).get("text", action.get("value", ""))
    services.replier.rerun(Target(dm, user), query, label)


def register(app, services) -> None:
    @app.event("app_home_opened")
    def home_opened(event):
        if event.get("tab", "home") == "home":
            services.later(publish_home, services, event["user"])

    @app.action(buttons.HOME_ASK)
    def home_question(ack, body, request):
        ack()
        # Should it fail, the apology goes to the asker's DM with Parity (a user id names it).
        user = body["user"]["id"]
        signed_once(services, request, Target(user, user), lambda: ask_from_home(services, body))
