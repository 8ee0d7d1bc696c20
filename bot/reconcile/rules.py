"""The windows and tolerance one metric is judged by, apart from the attribution that uses
them, so that detectors, evidence sentences and the safe range can all read them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.reconcile.arrival import Arrival
from bot.reconcile.queue import RetryQueue
from bot.reconcile.settling import Settling
from bot.store.calendars import Calendars
from bot.store.hourly import AjoHours


@dataclass(frozen=True)
class Rules:
    """The windows and tolerance one metric is judged by."""

    today: date
    lag_days: int
    retry_window_days: int
    tolerance_pct: float
    # What snapshot history says about this metric; None when no history was consulted.
    settling: Settling | None = None
    # The time zones the compared days are in (a CJA data view's, read by a pull): a known
    # fact for the time-zone diagnosis. None when the caller did not look.
    calendars: Calendars | None = None
    # The zone Parity reports days in (PARITY_TIMEZONE): what a data view's zone is
    # compared with when no pull recorded the calendars.
    reporting: str = "UTC"
    # Journey key -> its channels (bot.reconcile.channels: '' when unknown): which journeys
    # wait for email's retries. None when the caller did not look (the metric's documented
    # windows apply to every journey, as before channels were known).
    channels: Mapping[int, tuple[str, ...]] | None = None
    # What each channel's own series' snapshot history says about this metric, and what all
    # of it together says (bot.reconcile.settling; bot.reconcile.settled reads them).
    by_channel: Mapping[str, Settling] = field(default_factory=dict)
    safe_settling: Settling | None = None
    # The share of a day's records still to arrive at each age, per channel (None: every
    # channel's together), learned from history (bot.reconcile.arrival); empty: not looked.
    arrivals: Mapping[str | None, Arrival | None] = field(default_factory=dict)
    # The settling threshold (PARITY_SETTLE_CHANGE_PCT): a day is final when what is still
    # to come moves it by no more than this share.
    change_pct: float = 0.5
    # AJO's retry queue per journey and day (its Retries metric), when its export carried
    # it: a day none of whose messages is queued waits for no retry (bot.reconcile.queue).
    queue: RetryQueue | None = None
    # AJO's hourly counts (Query Service pulls), when stored: the time-zone shift is then
    # computed from them rather than fitted (bot.reconcile.hourly). None: not stored.
    hours: AjoHours | None = None
    # When CJA's latest numbers were captured (timezone-aware), when known: how long after
    # yesterday's end its numbers were read. None: not known (the caller did not say).
    captured_at: datetime | None = None

    def today_unfinished(self) -> bool:
        """The latest capture was taken before today ended in the reporting zone: today's
        numbers are a part of the day, however many events it already holds. False when
        unknown."""
        zone = self._reporting_zone()
        if zone is None:
            return False
        ended = datetime.combine(self.today + timedelta(days=1), datetime.min.time(), zone)
        return self.captured_at < ended

    def _reporting_zone(self) -> ZoneInfo | None:
        """The zone the days are cut in, when the capture time is known: the calendars'
        when a pull recorded them (as the time-zone diagnosis reads it), else
        PARITY_TIMEZONE. None when the capture time or the zone is not known."""
        if self.captured_at is None or self.captured_at.tzinfo is None:
            return None
        reporting = self.calendars.reporting if self.calendars is not None else self.reporting
        try:
            return ZoneInfo(reporting)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def yesterday_fresh(self) -> bool:
        """The latest capture was taken less than FRESH_HOURS after yesterday ended in the
        reporting zone (or before): yesterday's last hours were only just sent, and how far
        each journey got in CJA still depends on the hour it sent at. False when unknown."""
        zone = self._reporting_zone()
        if zone is None:
            return False
        ended = datetime.combine(self.today, datetime.min.time(), zone)
        return self.captured_at - ended < timedelta(hours=FRESH_HOURS)

    def today_elapsed(self) -> float:
        """The share of today gone at the latest capture in the reporting zone (0 to 1); 1
        when unknown (the capture taken as late as it can be, as before its time was kept)."""
        zone = self._reporting_zone()
        if zone is None:
            return 1.0
        began = datetime.combine(self.today, datetime.min.time(), zone)
        return min(max((self.captured_at - began) / timedelta(days=1), 0.0), 1.0)


# How long after yesterday's end a capture still sees yesterday as fresh: a quarter of a day
# (CJA processes most events within hours, but a journey that sent in yesterday's last hours
# is then still far behind one that sent in the morning). 3 and 12 hours were also tried on
# the event tuning seeds (docs/evaluation.md).
FRESH_HOURS = 6
