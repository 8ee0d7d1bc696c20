"""What people do to an episode with its buttons: acknowledge it, mute it for a week, resolve it.

Pure decisions like bot.alerts.episodes', stored the same way (bot.alerts.runner.act): the
message is then edited and its thread told who did what.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.alerts.episodes import advanced
from bot.store.episodes import RESOLVED, Episode, Revision

MUTE = timedelta(days=7)


def acknowledge(current: Episode, user: str, now: datetime) -> Revision | None:
    """Someone is on it: its thread hears no more moves, only that it resolved or came back.
    A second press changes nothing (None)."""
    if current.acknowledged_by:
        return None
    done = advanced(current, now, current.days, acknowledged_by=user, acknowledged_at=now)
    return Revision(done, "acknowledged", f"by {user}")


def mute(current: Episode, user: str, now: datetime) -> Revision:
    """A week of quiet from now (pressed again: from then): edits stay silent, nothing new
    is posted, and a new episode of the same journey and cause within the week is muted."""
    done = advanced(current, now, current.days, muted_until=now + MUTE, muted_by=user)
    return Revision(done, "muted", f"by {user} until {(now + MUTE).date().isoformat()}")


def resolve(current: Episode, user: str, now: datetime) -> Revision | None:
    """Closed by a person: the days it covered will not open it again, later days would.
    An episode already resolved stays as it is (None)."""
    if not current.is_open:
        return None
    done = advanced(current, now, current.days, status=RESOLVED, resolved_at=now, resolved_by=user)
    return Revision(done, "resolved", f"by {user}")
