"""One Jinja2 environment for every reply; results in, text out.

Templates compute nothing: they receive result objects and format them. The same template
renders plain text (CLI) and Slack mrkdwn; the `flavour` variable decides bold marks and
escaping. In mrkdwn every value from data or people goes through `esc`, which escapes
&, < and > (HTML autoescape would show &#39; in Slack) and the formatting marks.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context

from bot.formatting import (
    LOOKALIKES,
    format_day,
    format_days,
    format_number,
    format_pct,
    format_signed,
    format_span,
)
from bot.metrics import DISPLAY_NAMES
from bot.reconcile.registry import cause_named

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


# Slack's mrkdwn has no escape for its formatting marks, so a mark that could open or close
# bold, italic, strike or code is shown as its look-alike. One between two letters or
# digits never formats (snake_case, 2*3, an env variable's name) and is kept as it is.
_LOOKALIKES = str.maketrans(LOOKALIKES)
_MARK = re.compile(r"`|(?<![^\W_])[*_~]|[*_~](?![^\W_])")


def escape_mrkdwn(text: object) -> str:
    """Text from data or people as mrkdwn that shows it as it is: & < > as Slack's
    entities (so no mention, link or command can be smuggled in) and formatting marks as
    look-alikes (so a journey named *_x_* is not shown bold and italic)."""
    escaped = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARK.sub(lambda mark: mark[0].translate(_LOOKALIKES), escaped)


def format_age(hours: float | None) -> str:
    """ "40 min ago", "5 h ago", "3 days ago"."""
    if hours is None:
        return "never"
    if hours < 1:
        return f"{max(round(hours * 60), 0)} min ago"
    if hours < 48:
        return f"{round(hours)} h ago"
    return f"{round(hours / 24)} days ago"


def format_age_from(then: datetime, now: datetime) -> str:
    return format_age((now - then).total_seconds() / 3600)


def format_duration(hours: float) -> str:
    """ "40 min", "5 h", "3 days": how long until something happens."""
    if hours < 1:
        return f"{max(round(hours * 60), 1)} min"
    if hours < 48:
        return f"{round(hours)} h"
    return f"{round(hours / 24)} days"


def format_when(moment: datetime) -> str:
    """ "Mon Nov 30, 09:00", in the moment's own time zone."""
    return f"{moment:%a %b} {moment.day}, {moment:%H:%M}"


@pass_context
def _esc(context, value: object) -> str:
    return escape_mrkdwn(value) if context.get("flavour") == "mrkdwn" else str(value)


@pass_context
def _channel(context, channel_id: str) -> str:
    """A link to a channel in mrkdwn (<#C123>), the bare id elsewhere or when it is not one."""
    if context.get("flavour") == "mrkdwn" and _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return f"#{_esc(context, channel_id)}"


@pass_context
def _user(context, user_id: str) -> str:
    """A mention of a Slack user in mrkdwn (<@U123>); the id as it is elsewhere."""
    if context.get("flavour") == "mrkdwn" and _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return _esc(context, user_id)


@pass_context
def _bold(context, value: object) -> str:
    return f"*{value}*" if context.get("flavour") == "mrkdwn" else str(value)


@cache
def environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The shared environment, built once."""
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        keep_trailing_newline=False,
    )
    env.filters.update(
        num=format_number,
        signed=format_signed,
        pct=format_pct,
        day=format_day,
        days=format_days,
        esc=_esc,
        bold=_bold,
        cause_label=lambda cause: cause_named(cause).label,
        alert_kind=lambda cause: cause_named(cause).alert,
        metric_name=DISPLAY_NAMES.__getitem__,
        ago=format_age,
        ago_from=format_age_from,
        duration=format_duration,
        when=format_when,
        channel=_channel,
        user=_user,
    )
    env.globals.update(span=format_span)
    return env


def render(template: str, flavour: str = "plain", **context) -> str:
    """Render `template` (a file in templates/) as plain text or Slack mrkdwn."""
    text = environment().get_template(template).render(flavour=flavour, **context)
    return text.strip() + "\n"


def digest_parts(digest, flavour: str = "mrkdwn") -> tuple[str, str, str]:
    """A digest's verdict line, its message and its thread part, each rendered once. In
    plain text (the CLI, the JSON) there is no thread: the message is the whole digest."""
    parts = ("headline", "message", "thread") if flavour == "mrkdwn" else ("headline", "all")
    rendered = [
        render("digest.j2", flavour, digest=digest, part=part).strip("\n") for part in parts
    ]
    return (*rendered, "") if len(rendered) == 2 else tuple(rendered)
