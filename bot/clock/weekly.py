"""Weekly schedules: `mon 09:00 Europe/Berlin` read, checked, and turned into fire times.

Slack-free, so `/parity digest set` and `python -m bot digest set` read schedules the same
way. Fire times come from APScheduler's CronTrigger, the very object the clock runs, so the
"next run" people are shown is the one the clock will keep, across daylight-saving changes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from apscheduler.triggers.cron import CronTrigger

from bot.errors import BadInput

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_WORDS = {
    **{day: i for i, day in enumerate(DAYS)},
    **{name.lower(): i for i, name in enumerate(DAY_NAMES)},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# IANA's geographic areas; names outside them are legacy aliases or abbreviations.
_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
# Abbreviations people type, and a zone name that means what they probably meant.
_ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "est5edt": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "mst": "America/Denver",
    "mdt": "America/Denver", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "cet": "Europe/Berlin", "cest": "Europe/Berlin", "met": "Europe/Berlin",
    "eet": "Europe/Helsinki", "wet": "Europe/Lisbon", "bst": "Europe/London",
    "gmt": "Europe/London", "ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "hst": "Pacific/Honolulu",
    "aest": "Australia/Sydney",
}  # fmt: skip
_EXAMPLES = "Europe/Berlin, America/New_York or Asia/Tokyo"


@cache
def _zones() -> dict[str, str]:
    """Accepted zone names by their lower-case form: Area/Location names, and UTC."""
    names = [
        name for name in available_timezones() if name.split("/", 1)[0] in _AREAS and "/" in name
    ]
    return {name.lower(): name for name in [*names, "UTC", "Etc/UTC"]}


def parse_timezone(text: str) -> str:
    """The canonical IANA name for `text`; anything else is refused, saying why.

    Offsets (+02:00) and abbreviations (EST) are refused because they do not follow daylight
    saving time: a digest set to "09:00 CET" would arrive at 10:00 all summer.
    """
    name = text.strip()
    found = _zones().get(name.lower())
    if found:
        return found
    if re.fullmatch(r"(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?", name, re.IGNORECASE):
        raise BadInput(
            f"'{name}' is an offset, not a time zone: offsets ignore daylight saving time. "
            f"Use a time zone name such as {_EXAMPLES}."
        )
    if name.lower() in _ABBREVIATIONS:
        raise BadInput(
            f"'{name}' is an abbreviation, not a time zone name (abbreviations are ambiguous "
            f"and ignore daylight saving time). Use a name such as "
            f"{_ABBREVIATIONS[name.lower()]}."
        )
    if name.lower() in {zone.lower() for zone in available_timezones()}:
        raise BadInput(
            f"'{name}' is a legacy alias or a fixed offset, not an Area/City time zone name. "
            f"Use a name such as {_EXAMPLES}."
        )
    close = difflib.get_close_matches(name.lower(), list(_zones()), n=1, cutoff=0.8)
    hint = f" Did you mean {_zones()[close[0]]}?" if close else ""
    raise BadInput(
        f"'{name}' is not an IANA time zone name.{hint} Use a name such as {_EXAMPLES} "
        "(the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)."
    )


def parse_day(text: str) -> int:
    """Monday is 0."""
    word = text.strip().lower().rstrip(".")
    day = _DAY_WORDS.get(word, _DAY_WORDS.get(word.removesuffix("s")))  # "mondays" too
    if day is None:
        raise BadInput(f"'{text}' is not a day of the week: use mon, tue, wed, thu, fri, sat, sun.")
    return day


def parse_time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip())
    if not match:
        raise BadInput(f"'{text}' is not a time of day: use 24-hour HH:MM, such as 09:00 or 17:30.")
    return int(match[1]), int(match[2])


@dataclass(frozen=True)
class Weekly:
    """Once a week, at a wall-clock time in a time zone."""

    weekday: int  # 0 = Monday
    hour: int
    minute: int
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            day_of_week=DAYS[self.weekday], hour=self.hour, minute=self.minute, timezone=self.zone
        )

    def describe(self) -> str:
        """ "Mondays 09:00 Europe/Berlin"."""
        return f"{DAY_NAMES[self.weekday]}s {self.hour:02d}:{self.minute:02d} {self.timezone}"

    def next_run(self, now: datetime) -> datetime:
        return next_fire(self.trigger(), now)

    def last_run(self, now: datetime, not_before: datetime | None = None) -> datetime | None:
        return last_fire(self.trigger(), now, not_before, lookback=timedelta(days=8))

    def period(self, fire_time: datetime) -> str:
        """The ISO week of a fire time in this schedule's zone: at most one digest per week."""
        year, week, _ = fire_time.astimezone(self.zone).isocalendar()
        return f"{year}-W{week:02d}"


def parse_weekly(words: Sequence[str]) -> Weekly:
    """`mon 09:00 Europe/Berlin` (the three words, in this order)."""
    if len(words) != 3:
        raise BadInput(
            "a schedule is a day, a time and a time zone, such as: mon 09:00 Europe/Berlin"
        )
    day, at, zone = words
    hour, minute = parse_time(at)
    return Weekly(parse_day(day), hour, minute, parse_timezone(zone))


def next_fire(trigger: CronTrigger, now: datetime) -> datetime:
    """The first fire time at or after `now`."""
    return trigger.get_next_fire_time(None, now)


def last_fire(
    trigger: CronTrigger,
    now: datetime,
    not_before: datetime | None = None,
    lookback: timedelta = timedelta(days=2),
) -> datetime | None:
    """The latest fire time at or before `now` (and not before `not_before`), if any.

    Walks forward from `now - lookback` with the trigger itself, so a skipped or doubled
    wall-clock hour on a daylight-saving day is handled exactly as the scheduler handles it.
    """
    start = now - lookback
    if not_before is not None:
        start = max(start, not_before)
    found = None
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= now:
        found = fire
        fire = trigger.get_next_fire_time(fire, fire)
    return found
