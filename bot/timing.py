"""The one place Parity reads the time: `Clock.now()` and `Clock.today()`.

Every part that needs the time (answers, jobs, the digest, ingest's default capture time,
the store's timestamps, charts) is handed a Clock instead of reading the wall clock, so a
test, a replay (`--today`, `PARITY_TODAY`) or a `--now` sees one consistent moment, and
the suite behaves the same on any date. Nothing else in bot/ or handlers/ may call
`datetime.now()` or `date.today()` (tests/test_architecture.py greps for them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def _system_time() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    """Now (aware, UTC) and today (in the reporting time zone), from one source.

    `pinned_today` fixes the reporting day alone (questions, replays: the records still
    carry real times); `source` is what `now()` reads, the system time unless a test or
    `--now` hands another.
    """

    timezone: str = "UTC"
    pinned_today: date | None = None
    source: Callable[[], datetime] = field(default=_system_time, repr=False, compare=False)

    @classmethod
    def fixed(cls, moment: datetime, timezone: str = "UTC") -> Clock:
        """A clock stopped at `moment` (naive means UTC)."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return cls(timezone, source=lambda: aware)

    def now(self) -> datetime:
        return self.source().astimezone(UTC)

    def today(self) -> date:
        """Today in the reporting time zone, unless pinned."""
        if self.pinned_today is not None:
            return self.pinned_today
        return self.day_of(self.now())

    def day_of(self, moment: datetime) -> date:
        """The reporting calendar's date of `moment`."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def pinned(self, today: date | None) -> Clock:
        """The same clock with the reporting day pinned (None keeps it as it is)."""
        return self if today is None else replace(self, pinned_today=today)

    def at(self, moment: datetime | None) -> Clock:
        """The same clock stopped at `moment` (None keeps it running)."""
        if moment is None:
            return self
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return replace(self, source=lambda: aware)
