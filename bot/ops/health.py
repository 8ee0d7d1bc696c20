"""/healthz: whether this web process can answer, in a form a load balancer understands.

The database is the one thing a web process cannot answer without: 200 when it answers,
503 when it does not. The clock's heartbeat age is reported (and exported as a metric) but
never fails the check: a web process is healthy while the clock is down, and taking it out
of rotation would only silence Slack too. Alert on the heartbeat instead (docs/operations.md).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from bot.config import Settings
from bot.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    database_ok: bool
    database_error: str | None
    # Seconds since the clock's last heartbeat; None when no clock ever beat.
    beat_age_seconds: float | None
    stale_after_seconds: int
    clock_exited: bool

    @property
    def status(self) -> int:
        return 200 if self.database_ok else 503

    @property
    def clock_stale(self) -> bool:
        age = self.beat_age_seconds
        return age is None or age > self.stale_after_seconds

    def to_dict(self) -> dict:
        return {
            "ok": self.database_ok,
            "database": "ok" if self.database_ok else f"unavailable: {self.database_error}",
            "clock": {
                "heartbeat_age_seconds": None
                if self.beat_age_seconds is None
                else round(self.beat_age_seconds, 1),
                "stale": self.clock_stale,
                "exited": self.clock_exited,
                "stale_after_seconds": self.stale_after_seconds,
            },
        }

    def metrics(self) -> list[GaugeMetricFamily]:
        """Read at scrape time, so they are never older than the scrape."""
        up = GaugeMetricFamily("parity_database_up", "1 when the database answered")
        up.add_metric([], 1 if self.database_ok else 0)
        age = GaugeMetricFamily(
            "parity_clock_heartbeat_age_seconds",
            "Seconds since the clock process's last heartbeat (absent: it never beat)",
        )
        if self.beat_age_seconds is not None:
            age.add_metric([], self.beat_age_seconds)
        return [up, age]


def check(store: Store, settings: Settings, now: datetime) -> Health:
    """Ask the database a trivial question and read the clock's heartbeat."""
    stale_after = 3 * settings.clock_sync_seconds
    try:
        with store.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        beat = store.scheduling.heartbeat()
    except Exception as error:  # any driver error means the same: no answers from here
        log.warning("health check: the database did not answer (%s)", type(error).__name__)
        return Health(False, type(error).__name__, None, stale_after, False)
    if beat is None:
        return Health(True, None, None, stale_after, False)
    age = (now.astimezone(UTC) - beat.beat_at.replace(tzinfo=UTC)).total_seconds()
    return Health(True, None, max(age, 0.0), stale_after, beat.exited)
