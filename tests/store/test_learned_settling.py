"""What history teaches about settling, kept at ingest (bot.store.learned), equals the fold
of every stored capture after any sequence of captures, drops and undos, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from bot.store import Store, learned, reader
from bot.store.schema import all_observations, settling_moves
from tests.builders import frame

HORIZON = learned.HORIZON_DAYS
FIRST_CAPTURE = datetime(2026, 11, 22, 6, tzinfo=UTC)  # days 20-22 are 0-2 days old
TABLES = ("daily_comparison", "snapshot_counts", "snapshot_day_counts", "current_values",
          "superseded_values", "settling_moves", "snapshot_drops", "snapshots")  # fmt: skip


def recomputed(store: Store, since: datetime, metrics=()) -> pd.DataFrame:
    """The history folded from every stored capture in the window, as the store did before
    it kept it."""
    with store.engine.connect() as conn:
        naive = since.astimezone(UTC).replace(tzinfo=None)
        return reader.folded(conn, all_observations(), naive, HORIZON, metrics)


def kept(store: Store, since: datetime, metrics=()) -> pd.DataFrame:
    return store.settling_history(since, HORIZON, metrics)


def assert_same(store: Store) -> None:
    for days in (0, 3, 9, 20, 40):
        since = FIRST_CAPTURE + timedelta(days=days)
        pd.testing.assert_frame_equal(kept(store, since), recomputed(store, since))
    pd.testing.assert_frame_equal(
        kept(store, FIRST_CAPTURE, ("sent",)), recomputed(store, FIRST_CAPTURE, ("sent",))
    )


# Few numbers, so that the same one is captured many times: two series (an email and a
# push action) of one journey over three days and two metrics.
rows = st.lists(
    st.tuples(
        st.sampled_from([("Email 1", "email"), ("Push 1", "push")]),
        st.integers(20, 22),  # day of November
        st.sampled_from(["sent", "delivered"]),
        st.integers(0, 500),
    ),
    min_size=1,
    max_size=8,
)
steps = st.lists(
    st.one_of(
        # a capture: source, days after the first capture (ages beyond the horizon too),
        # hour (ties and captures older than some stored), its numbers
        st.tuples(
            st.just("save"),
            st.sampled_from(["cja", "cja", "ajo"]),
            st.integers(0, 6) | st.integers(28, 36),
            st.integers(0, 2),
            rows,
        ),
        # a drop or an undo of the n-th stored snapshot
        st.tuples(st.sampled_from(["drop", "undo"]), st.integers(0, 6)),
    ),
    min_size=1,
    max_size=10,
)


def _empty(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


def _save(store: Store, source: str, days: int, hour: int, drawn: list) -> int:
    unique = {(j, a, c, d, m): v for j, a, c, d, m, v in drawn}
    captured = FIRST_CAPTURE + timedelta(days=days, hours=hour)
    saved = frame(
        *(
            {
                "source": source,
                "journey": j,
                "action": a,
                "channel": c,
                "day": f"2026-11-{d}",
                "metric": m,
                "value": v,
                "captured_at": captured.isoformat(),
            }
            for (j, a, c, d, m), v in unique.items()
        )
    )
    (report,) = store.save(saved, f"{source}-{days}-{hour}.csv")
    return report.snapshot_id


@given(steps)
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_kept_settling_equals_the_fold_of_every_capture(database_url, drawn):
    store = Store.open(database_url)
    try:
        _empty(store)
        stored: list[int] = []
        for step in drawn:
            if step[0] == "save":
                source, days, hour, numbers = step[1:]
                numbers = [("A", a, c, d, m, v) for (a, c), d, m, v in numbers]
                stored.append(_save(store, source, days, hour, numbers))
            elif stored:
                snapshot_id = stored[step[1] % len(stored)]
                dropped = store.snapshot(snapshot_id).dropped
                if step[0] == "drop" and not dropped:
                    store.drop_snapshot(snapshot_id, "U1")
                elif step[0] == "undo" and dropped:
                    store.undo_drop(snapshot_id, "U1")
            assert_same(store)
    finally:
        store.close()


def test_a_recapture_teaches_per_channel_and_a_drop_takes_it_back(store):
    first = _save(store, "cja", 0, 0, [("A", "Email 1", "email", 19, "sent", 90),
                                       ("A", "Push 1", "push", 19, "sent", 10)])  # fmt: skip
    second = _save(store, "cja", 2, 0, [("A", "Email 1", "email", 19, "sent", 100),
                                        ("A", "Push 1", "push", 19, "sent", 10)])  # fmt: skip
    history = kept(store, FIRST_CAPTURE)
    assert [tuple(r) for r in history.itertuples(index=False)] == [
        ("cja", "sent", "email", 3, 1, 90, 10, 10, 13),
        ("cja", "sent", "push", 3, 1, 10, 0, 0, 13),
    ]
    store.drop_snapshot(second, "U1")
    assert kept(store, FIRST_CAPTURE).empty
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(settling_moves)) == 0
    store.undo_drop(second, "U1")
    pd.testing.assert_frame_equal(kept(store, FIRST_CAPTURE), history)
    assert first < second


def test_a_store_from_version_6_learns_its_history_once(database_url):
    store = Store.open(database_url)
    _save(store, "cja", 0, 0, [("A", "Email 1", "email", 19, "sent", 90)])
    _save(store, "cja", 1, 0, [("A", "Email 1", "email", 19, "sent", 95)])
    expected = recomputed(store, FIRST_CAPTURE)
    assert len(expected) == 1
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE settling_moves"))
        conn.execute(text("UPDATE schema_info SET version = 6"))
    store.close()
    store = Store.open(database_url)
    try:
        pd.testing.assert_frame_equal(kept(store, FIRST_CAPTURE), expected)
    finally:
        store.close()


def test_a_first_capture_teaches_nothing_and_writes_nothing(store):
    _save(store, "ajo", 0, 0, [("A", "Email 1", "email", d, "sent", d) for d in range(10, 20)])
    with store.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(settling_moves)) == 0
