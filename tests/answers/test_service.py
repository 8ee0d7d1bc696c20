"""Parity.reconcile end to end on a real store: margins for the time-zone fit, and the lag
learned from snapshot history, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.answers.service import Parity
from tests.builders import frame
from tests.conftest import TODAY

SHARE_AT_AGE = {0: 0.5, 1: 0.9, 2: 0.99}  # CJA's share of a day's opens, by age in days


def final(day_index: int) -> int:
    return 1000 + 10 * day_index


def _store_history(store) -> None:
    """AJO's final opens for 40 days; CJA captured every morning for 12 days, the last three
    days of each capture still filling in."""
    days = [TODAY - timedelta(days=39 - i) for i in range(40)]
    store.save(
        frame(*[{"source": "ajo", "day": d.isoformat(), "value": final(i), "metric": "opens"}
                for i, d in enumerate(days)]),
        "ajo.csv",
    )  # fmt: skip
    for back in range(11, -1, -1):
        captured = TODAY - timedelta(days=back)
        rows = []
        for i, day in enumerate(days):
            age = (captured - day).days
            if 0 <= age <= 30:
                value = round(final(i) * SHARE_AT_AGE.get(age, 1.0))
                at = f"{captured}T06:00:00Z"
                rows.append({"source": "cja", "day": day.isoformat(), "value": value,
                             "metric": "opens", "captured_at": at})  # fmt: skip
        store.save(frame(*rows), f"cja {captured}")


def test_days_still_moving_in_history_are_lag_and_end_the_safe_range(store, settings):
    _store_history(store)
    answer = Parity(store, settings).ask("why don't opens match?", today=TODAY)
    opens = answer.to_dict()["metrics"][0]
    expected_lag = round(final(39) * 0.5) + round(final(38) * 0.1) + round(final(37) * 0.01)
    assert opens["causes"]["processing_lag"] == expected_lag
    assert opens["causes"]["unexplained"] == 0
    assert [d["day"] for d in opens["by_day"] if d["causes"]] == [
        "2026-11-27", "2026-11-28", "2026-11-29"
    ]  # fmt: skip
    assert opens["safe_range"] == {
        "start": "2026-10-31",
        "end": "2026-11-26",
        "reason": (
            "ends 3 days back: in past snapshots CJA's values for email journeys kept moving "
            "until 2 days old"
        ),
        "sure": True,
    }
    lag = opens["causes_detail"][0]
    assert lag["cause"] == "processing_lag"
    moving = "in past snapshots CJA's Opens for email journeys kept moving until 2 days old"
    assert moving in lag["evidence"]
    assert moving in answer.text


def test_one_snapshot_each_falls_back_to_the_documented_rules_and_says_so(store, settings):
    store.save(
        frame({"source": "ajo", "day": "2026-11-20", "value": 100, "metric": "opens"},
              {"source": "cja", "day": "2026-11-20", "value": 99, "metric": "opens"}),
        "both.csv",
    )  # fmt: skip
    answer = Parity(store, settings).ask("opens", today=TODAY)
    safe = answer.to_dict()["metrics"][0]["safe_range"]
    assert safe["reason"] == (
        "ends Nov 27: the latest days are still being processed, and yesterday may still get "
        "records too (CJA ingests events that reach it after the end of their day as "
        "backfill, at lower priority); documented rules: too little snapshot history yet to "
        "learn when values settle"
    )
    # Not sure: the reply says so instead of stating the range with a check mark.
    assert safe["sure"] is False
    assert "❔ Safe range for Opens, not sure yet: Oct 31 – Nov 27, 2026" in answer.text
    assert "✅ Safe range" not in answer.text


def test_the_day_before_the_range_is_read_for_the_time_zone_fit(store, settings):
    # CJA 6 h ahead: each day gets a quarter of the day before's events.
    volumes = [4000, 2400, 5200, 3600, 1600, 4400, 3000] * 6
    days = [TODAY - timedelta(days=45 - i) for i in range(42)]
    rows = []
    for i, day in enumerate(days):
        cja = volumes[i] - volumes[i] // 4 + (volumes[i - 1] // 4 if i else 0)
        rows.append({"source": "ajo", "day": day.isoformat(), "value": volumes[i]})
        rows.append({"source": "cja", "day": day.isoformat(), "value": cja})
    store.save(frame(*rows), "both.csv")
    start = days[12]  # AJO 4,400 after 1,600: CJA has 4,400 - 1,100 + 400
    answer = Parity(store, settings).ask(
        f"sent from {start.isoformat()} to {days[-3].isoformat()}", today=TODAY
    )
    sent = answer.to_dict()["metrics"][0]
    assert sent["causes"]["unexplained"] == 0
    assert sent["causes"]["timezone"] == sent["delta"]
    assert sent["by_day"][0] == {
        "day": start.isoformat(), "ajo": 4400, "cja": 3700, "delta": 700,
        "causes": {"timezone": 700},
    }  # fmt: skip


def test_a_follow_up_keeps_the_conversation_for_a_day_and_no_longer(store, settings):
    from bot.timing import Clock

    _store_history(store)
    start = Clock.fixed(datetime(2026, 11, 29, 9, tzinfo=UTC)).pinned(TODAY)
    store.clock = start  # what stamps the conversation
    first = Parity(store, settings, start).ask("opens last week", conversation="t1")
    follow = Parity(store, settings, start).ask("and the week before?", conversation="t1")
    assert (first.query.start, follow.query.start) == (date(2026, 11, 16), date(2026, 11, 9))
    other = Parity(store, settings, start).ask("and the week before?", conversation="t2")
    assert [p.kind for p in other.query.unclear] == ["date"]  # before what? asked back
    store.clock = Clock.fixed(datetime(2026, 11, 30, 10, tzinfo=UTC))
    later = Parity(store, settings, store.clock.pinned(TODAY)).ask(
        "and the week before?", conversation="t1"
    )
    assert [p.kind for p in later.query.unclear] == ["date"]


def test_a_question_that_has_the_products_backwards_is_told_so_first(store, settings):
    _store_history(store)  # AJO is higher: CJA's youngest days are still filling in
    app = Parity(store, settings)
    backwards = app.ask("why are opens higher in cja?", today=TODAY)
    first_line = backwards.text.splitlines()[0]
    opens = backwards.to_dict()["metrics"][0]
    assert first_line == (
        "⚠️ The question reads as if CJA were higher, but for Opens CJA is lower here: "
        f"AJO {opens['ajo']:,} · CJA {opens['cja']:,}."
    )
    assert backwards.to_dict()["premise"] == {"said": "cja_higher", "contradicted": ["opens"]}
    right = app.ask("why is cja lower for opens?", today=TODAY)
    assert "reads as if" not in right.text
    assert right.to_dict()["premise"] == {"said": "ajo_higher", "contradicted": []}
    assert "premise" not in app.ask("why don't opens match?", today=TODAY).to_dict()
