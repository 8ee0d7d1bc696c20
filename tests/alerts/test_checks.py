"""Checks judge only the days a change touched that both products captured after they settled."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.alerts.checks import Change, check
from bot.answers.service import Parity
from bot.config import Settings
from bot.store import Store
from bot.timing import Clock
from tests.builders import frame

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def _days(first: int, last: int) -> list[str]:
    return [f"2026-11-{d:02d}" for d in range(first, last + 1)]


def _save(store: Store, source: str, captured: str, days: list[str], value: int = 1000):
    rows = [
        {"source": source, "captured_at": captured, "day": day, "metric": metric, "value": value}
        for day in days
        for metric in ("delivered", "opens")
    ]
    return store.save(frame(*rows), f"{source} {captured}")


def _check(store: Store, reports, today: date = TODAY):
    parity = Parity(store, Settings(database_url="sqlite://"), Clock.fixed(NOW).pinned(today))
    return check(parity, [Change.of(r) for r in reports], today)


def test_days_cja_lacks_after_covering_them_are_missing_data(store):
    _save(store, "ajo", "2026-11-20T14:00:00Z", _days(1, 19))
    cja = _save(store, "cja", "2026-11-20T14:00:00Z", _days(1, 9) + _days(13, 19))
    (journey,) = _check(store, cja)
    assert journey.journey == "Welcome Series"
    assert {d for m, d in journey.checked if m == "delivered"} == {
        date(2026, 11, d) for d in range(1, 20)
    }
    missing = journey.gaps_of("missing_data")
    assert sorted({g.day.day for g in missing}) == [10, 11, 12]
    assert {g.metric for g in missing} == {"delivered", "opens"}
    assert all(g.ajo == 1000 and g.cja == 0 for g in missing)
    assert not journey.gaps_of("unexplained")


def test_days_no_cja_snapshot_covered_yet_are_not_judged(store):
    _save(store, "cja", "2026-11-13T06:00:00Z", _days(1, 12))
    ajo = _save(store, "ajo", "2026-11-20T14:00:00Z", _days(1, 19))
    (journey,) = _check(store, ajo)
    judged = sorted({d.day for m, d in journey.checked})
    assert judged == list(range(1, 13))  # Nov 13-19: CJA has not been asked about them
    assert not journey.gaps_of("missing_data")


def test_a_capture_taken_before_the_day_settled_is_not_judged_however_old_the_day(store):
    # CJA captured Nov 19 that same afternoon: 60 % of it. AJO captured it a day later.
    _save(store, "cja", "2026-11-19T14:00:00Z", _days(19, 19), value=600)
    _save(store, "ajo", "2026-11-20T14:00:00Z", _days(1, 19))
    cja = _save(store, "cja", "2026-11-20T14:00:00Z", _days(1, 18))
    (journey,) = _check(store, cja, today=date(2026, 11, 25))
    assert date(2026, 11, 19) not in {d for _, d in journey.checked}
    assert date(2026, 11, 18) in {d for _, d in journey.checked}
    assert not journey.gaps


def test_only_the_days_the_change_touched_are_judged(store):
    _save(store, "ajo", "2026-11-20T14:00:00Z", _days(1, 19))
    _save(store, "cja", "2026-11-20T14:00:00Z", _days(1, 19), value=900)
    recent = Change("cja", ("welcome series",), date(2026, 11, 15), date(2026, 11, 19))
    parity = Parity(store, Settings(database_url="sqlite://"), Clock.fixed(NOW).pinned(TODAY))
    (journey,) = check(parity, [recent], TODAY)  # named as the file spelled it
    assert {d.day for _, d in journey.checked} == {15, 16, 17, 18, 19}
    assert {g.day.day for g in journey.gaps_of("unexplained")} == {15, 16, 17, 18, 19}


def test_a_change_outside_the_window_or_of_no_stored_journey_checks_nothing(store):
    _save(store, "ajo", "2026-11-20T14:00:00Z", _days(1, 19))
    parity = Parity(store, Settings(database_url="sqlite://"), Clock.fixed(NOW).pinned(TODAY))
    old = Change("cja", ("Welcome Series",), date(2026, 9, 1), date(2026, 9, 30))
    unknown = Change("cja", ("Nobody",), date(2026, 11, 1), date(2026, 11, 19))
    assert check(parity, [old, unknown], TODAY) == []
    assert check(parity, [unknown], TODAY - timedelta(days=400)) == []
