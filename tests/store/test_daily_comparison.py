"""The daily comparison table equals current_values summed per cell after any ingest, and
the questions' reads use it along an index, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.store import Store, comparison, provenance, reader, recapture
from bot.store.reader import comparison_frame
from bot.store.schema import all_observations, current_values
from tests.builders import frame

GROUPED = """
    SELECT metric, CAST(day AS VARCHAR(10)) AS day, journey_key,
           SUM(CASE WHEN source = 'ajo' THEN value ELSE 0 END) AS ajo,
           SUM(CASE WHEN source = 'cja' THEN value ELSE 0 END) AS cja,
           SUM(CASE WHEN source = 'ajo' THEN 1 ELSE 0 END) AS ajo_rows,
           SUM(CASE WHEN source = 'cja' THEN 1 ELSE 0 END) AS cja_rows
    FROM current_values GROUP BY metric, day, journey_key
"""
KEPT = """
    SELECT metric, CAST(day AS VARCHAR(10)) AS day, journey_key, ajo, cja, ajo_rows, cja_rows
    FROM daily_comparison
"""


def _table(store: Store, sql: str) -> pd.DataFrame:
    with store.engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    columns = ["metric", "day", "journey_key", "ajo", "cja", "ajo_rows", "cja_rows"]
    result = pd.DataFrame(rows, columns=columns).astype(dict.fromkeys(columns[2:], "int64"))
    return result.sort_values(columns[:3]).reset_index(drop=True)


COUNTED = """
    SELECT metric, CAST(day AS VARCHAR(10)) AS day, journey_key, snapshot_id, {numbers}
    FROM {table} {group}
"""


def _counts(store: Store, table: str) -> list[tuple]:
    numbers, group = ("numbers", "") if table == "snapshot_counts" else (
        "COUNT(*)", "GROUP BY metric, day, journey_key, snapshot_id"
    )  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(text(COUNTED.format(numbers=numbers, table=table, group=group)))
        return sorted(tuple(r) for r in rows)


DAY_COUNTED = """
    SELECT metric, CAST(day AS VARCHAR(10)) AS day, snapshot_id, {numbers}
    FROM {table} {group}
"""


def _day_counts(store: Store, table: str) -> list[tuple]:
    numbers, group = ("numbers", "") if table == "snapshot_day_counts" else (
        "COUNT(*)", "GROUP BY metric, day, snapshot_id"
    )  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(text(DAY_COUNTED.format(numbers=numbers, table=table, group=group)))
        return sorted(tuple(r) for r in rows)


def assert_kept(store: Store) -> None:
    pd.testing.assert_frame_equal(_table(store, KEPT), _table(store, GROUPED))
    assert _counts(store, "snapshot_counts") == _counts(store, "current_values")
    assert _day_counts(store, "snapshot_day_counts") == _day_counts(store, "current_values")


captures = st.lists(
    st.tuples(
        st.sampled_from(["ajo", "cja"]),
        st.integers(0, 3),  # capture hour offset: later, earlier or tied captures
        st.lists(
            st.tuples(
                st.sampled_from(["A", "B"]),  # journey
                st.sampled_from(["Email 1", "Email 2"]),  # action
                st.integers(20, 26),  # day of November
                st.sampled_from(["sent", "delivered"]),
                st.integers(0, 500),
            ),
            min_size=1,
            max_size=12,
        ),
    ),
    min_size=1,
    max_size=6,
)


@given(captures)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_kept_equal_to_current_values_summed_after_any_captures(database_url, drawn):
    store = Store.open(database_url)
    try:
        with store.engine.begin() as conn:
            for table in ("daily_comparison", "snapshot_counts", "snapshot_day_counts",
                          "current_values",
                          "superseded_values", "snapshots"):  # fmt: skip
                conn.execute(text(f"DELETE FROM {table}"))
        for index, (source, hour, rows) in enumerate(drawn):
            unique = {(j, a, d, m): v for j, a, d, m, v in rows}
            captured = f"2026-11-27T{10 + hour:02d}:00:00Z"
            store.save(
                frame(
                    *(
                        {
                            "source": source,
                            "journey": j,
                            "action": a,
                            "day": f"2026-11-{d}",
                            "metric": m,
                            "value": v,
                            "captured_at": captured,
                        }
                        for (j, a, d, m), v in unique.items()
                    )
                ),
                f"capture-{index}.csv",
            )
            assert_kept(store)
    finally:
        store.close()


def test_a_store_from_version_5_is_filled_from_its_current_values(database_url):
    store = Store.open(database_url)
    store.save(
        frame(
            {"source": "ajo", "day": "2026-11-20", "value": 10},
            {"source": "ajo", "day": "2026-11-20", "value": 5, "action": "Email 2"},
            {"source": "cja", "day": "2026-11-20", "value": 12},
        ),
        "a.csv",
    )
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM daily_comparison"))
        conn.execute(text("DELETE FROM snapshot_counts"))
        conn.execute(text("UPDATE schema_info SET version = 5"))
    store.close()
    store = Store.open(database_url)
    try:
        kept = _table(store, KEPT)
        assert kept[["ajo", "cja", "ajo_rows", "cja_rows"]].values.tolist() == [[15, 12, 2, 1]]
        assert_kept(store)
    finally:
        store.close()


def test_a_store_from_version_8_gains_the_day_counts_of_its_snapshots(database_url):
    store = Store.open(database_url)
    store.save(
        frame(
            {"source": "ajo", "day": "2026-11-20", "value": 10},
            {"source": "ajo", "day": "2026-11-20", "value": 5, "journey": "Other"},
            {"source": "cja", "day": "2026-11-21", "value": 12},
        ),
        "a.csv",
    )
    with store.engine.begin() as conn:
        conn.execute(text("DROP TABLE snapshot_day_counts"))
        conn.execute(text("UPDATE schema_info SET version = 8"))
    store.close()
    store = Store.open(database_url)
    try:
        assert [n for *_, n in _day_counts(store, "snapshot_day_counts")] == [2, 1]
        assert_kept(store)
    finally:
        store.close()


def test_recompute_restores_a_range_from_the_current_values(store):
    store.save(
        frame(
            {"source": "ajo", "day": "2026-11-20", "value": 10},
            {"source": "cja", "day": "2026-11-21", "value": 12},
        ),
        "a.csv",
    )
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE daily_comparison SET ajo = 99"))
        conn.execute(text("UPDATE snapshot_day_counts SET numbers = 99"))
        conn.execute(text("DELETE FROM current_values WHERE source = 'cja'"))
        comparison.recompute(conn, date(2026, 11, 20), date(2026, 11, 21))
    assert_kept(store)
    assert _table(store, KEPT)["ajo"].tolist() == [10]


def test_cells_sum_sorted_rows_per_metric_day_and_journey():
    metric = np.array([0, 0, 0, 0, 1])
    day = np.array([0, 0, 1, 1, 1])
    journey = np.array([3, 3, 3, 4, 4])
    starts, sums, rows = comparison.cells(metric, day, journey, np.array([1, 2, 4, 8, 16]))
    assert starts.tolist() == [0, 2, 3, 4]
    assert sums.tolist() == [3, 4, 8, 16]
    assert rows.tolist() == [2, 1, 1, 1]


def _plan(store: Store, statement) -> str:
    """The database's plan for a statement, as text (index scans forced on PostgreSQL, whose
    planner rightly prefers a sequential scan of a table this small)."""
    with store.engine.begin() as conn:
        compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            return "\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}")))
        rows = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(str(r[-1]) for r in rows)


# A journey's question about every metric names none (metrics ()).
@pytest.mark.parametrize(("journeys", "metrics"), [((), ("sent",)), ((1,), ("sent",)), ((1,), ())])
def test_questions_read_the_comparison_along_an_index(store, journeys, metrics, monkeypatch):
    store.save(frame({"source": "ajo", "day": "2026-11-20", "value": 1}), "a.csv")
    seen = []
    monkeypatch.setattr(
        "bot.store.reader._raw_chunks", lambda conn, s, size=0: seen.append(s) or []
    )
    with store.engine.connect() as conn:
        comparison_frame(conn, date(2026, 10, 1), date(2026, 11, 29), metrics, journeys)
    plan = _plan(store, seen[0])
    assert "current_values" not in plan
    assert "daily_comparison" in plan
    if store.engine.dialect.name == "sqlite":
        # SEARCH with the key's columns: a range, not a SCAN of every row.
        index = "ix_daily_comparison_journey" if journeys else "PRIMARY KEY"
        assert "SEARCH" in plan, plan
        assert index in plan, plan
        # Grouped per (metric, day) along the key, in its order: no sort (the cells come
        # in the order the tuples' read gives them).
        assert "TEMP B-TREE" not in plan, plan
        if journeys:  # by the index's whole key: the journey's other days not read
            assert "(journey_key=? AND metric=? AND day>" in plan, plan
    else:
        assert "Seq Scan" not in plan, plan
        assert "Index" in plan, plan
        if journeys:
            assert "ix_daily_comparison_journey" in plan, plan


@pytest.mark.parametrize("journeys", [(), (1,)])
def test_sources_read_the_kept_counts_along_an_index(store, journeys):
    store.save(frame({"source": "ajo", "day": "2026-11-20", "value": 1}), "a.csv")
    statement = provenance.counted_per_snapshot(
        date(2025, 10, 1),
        date(2026, 11, 29),
        ("sent", "delivered"),
        journeys,
    )
    plan = _plan(store, statement)
    assert "current_values" not in plan
    # Every journey: the counts summed per day, never a row per cell.
    table = "snapshot_counts" if journeys else "snapshot_day_counts"
    assert table in plan, plan
    if not journeys:
        assert "snapshot_counts" not in plan.replace("snapshot_day_counts", ""), plan
    if store.engine.dialect.name == "sqlite":
        assert "SEARCH" in plan, plan
        if journeys:
            # The index searched by its whole key, not every day of the journey's metrics.
            assert "ix_snapshot_counts_journey (journey_key=? AND metric=? AND day>" in plan
    else:
        assert "Seq Scan" not in plan, plan


def test_emptied_counts_are_looked_up_by_key(store):
    store.save(frame({"source": "ajo", "day": "2026-11-20", "value": 1}), "a.csv")
    with store.engine.begin() as conn:
        comparison.count_staging.create(conn)
        postgres = conn.dialect.name == "postgresql"
        if postgres:  # as analysed by the writer: a few rows to look up
            conn.execute(text("INSERT INTO staging_counts VALUES ('sent', '2026-11-20', 1, 1, -1)"))
            conn.execute(text("ANALYZE staging_counts"))
        for statement in comparison.emptied_counts():
            compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
            explain = "EXPLAIN" if postgres else "EXPLAIN QUERY PLAN"
            plan = "\n".join(str(r[-1]) for r in conn.execute(text(f"{explain} {compiled}")))
            table = statement.table.name
            if postgres:
                assert f"Seq Scan on {table}" not in plan, plan
            else:
                assert f"SEARCH {table} USING PRIMARY KEY" in plan, plan
                assert f"SCAN {table}" not in plan, plan


def _history_and_a_staged_recapture(store: Store, conn, day: str = "2026-11-20") -> None:
    """Two captures of one number (the first now in the history), and a third staged in
    `replacing` as the writer stages it, inside `conn`'s transaction."""
    for captured, value in (("2026-11-21T06:00:00Z", 1), ("2026-11-21T18:00:00Z", 2)):
        store.save(frame({"source": "ajo", "day": day, "value": value,
                          "captured_at": captured}), captured)  # fmt: skip
    recapture.replacing.create(conn)
    cv = current_values.c
    staged = select(
        cv.metric, cv.day, cv.journey_key, cv.series_id, cv.value + 1, cv.snapshot_id, cv.value,
        cv.captured_at, text("'email'"), text("2"), text("1"),
    )  # fmt: skip
    names = [c.name for c in recapture.replacing.columns]
    conn.execute(recapture.replacing.insert().from_select(names, staged))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ANALYZE replacing_values"))


def test_a_recapture_looks_its_numbers_earlier_captures_up_by_key(store, monkeypatch):
    """Settling's re-comparison reads each staged number's history by the whole key, not
    every history row of the snapshots holding the days (SQLite: the staged side outside)."""
    seen = []
    monkeypatch.setattr("bot.store.learned.add", lambda conn, moves: seen.append(moves))
    with store.engine.begin() as conn:
        _history_and_a_staged_recapture(store, conn)
        captured = datetime(2026, 11, 22, 6)
        recapture.learn_settling(conn, "ajo", captured, date(2026, 11, 16), date(2026, 11, 29))
        compiled = seen[-1].compile(conn, compile_kwargs={"literal_binds": True})
        if conn.dialect.name != "sqlite":
            return  # PostgreSQL: see the next test
        plan = "\n".join(str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    key = "SEARCH superseded_values USING PRIMARY KEY (snapshot_id=? AND metric=? AND day=?"
    assert key in plan, plan
    assert "AUTOMATIC" not in plan, plan


def test_postgresql_joins_a_recaptures_history_by_hashing(store, monkeypatch):
    """Without statistics PostgreSQL chose a nested loop reading every history row of the
    days for each staged number (minutes per chunk at 1,000 journeys): settling's
    re-comparison is planned with hash joins."""
    if store.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    plans = []

    def explained(conn, moves):
        compiled = moves.compile(conn, compile_kwargs={"literal_binds": True})
        plans.append("\n".join(r[0] for r in conn.execute(text(f"EXPLAIN {compiled}"))))

    monkeypatch.setattr("bot.store.learned.add", explained)
    with store.engine.begin() as conn:
        _history_and_a_staged_recapture(store, conn)
        captured = datetime(2026, 11, 22, 6)
        recapture.learn_settling(conn, "ajo", captured, date(2026, 11, 16), date(2026, 11, 29))
        assert conn.scalar(text("SHOW enable_nestloop")) == "on"  # for what follows
        assert conn.scalar(text("SHOW jit")) == "on"
        assert conn.scalar(text("SHOW enable_sort")) == "on"
    assert "superseded_values" in plans[-1], plans[-1]
    # Grouped by hashing: estimating one row, PostgreSQL sorted a million on disk.
    assert "HashAggregate" in plans[-1], plans[-1]
    assert "Sort" not in plans[-1], plans[-1]
    # Not compiled: a join kind switched off makes the plan's cost huge, over JIT's bound.
    assert "JIT" not in plans[-1], plans[-1]
    # (A nested loop over the one listed snapshot's row is no harm: its id is a constant.)
    assert _join_reading(plans[-1], "on superseded_values") in ("Hash Join", "Merge Join")


def _join_reading(plan: str, scan: str) -> str:
    """The kind of join whose side reads `scan` in an EXPLAIN's text."""
    lines = plan.splitlines()
    at = next(i for i, line in enumerate(lines) if scan in line)
    indent = len(lines[at]) - len(lines[at].lstrip())
    for line in reversed(lines[:at]):
        if len(line) - len(line.lstrip()) < indent and ("Join" in line or "Loop" in line):
            return next(k for k in ("Hash Join", "Merge Join", "Nested Loop") if k in line)
    raise AssertionError(plan)


def test_a_recapture_probes_only_snapshots_with_history_of_its_numbers(store, monkeypatch):
    """A snapshot whose history holds none of the staged numbers' metrics, days or series
    (a first ingest re-captured once, a re-capture's own snapshot, a file's earlier chunks of
    other journeys) is not probed for each staged number; with none left, the history is not
    read at all."""
    seen = []
    monkeypatch.setattr("bot.store.learned.add", lambda conn, moves: seen.append(moves))
    captured = datetime(2026, 11, 22, 6)
    with store.engine.begin() as conn:
        _history_and_a_staged_recapture(store, conn)
        first, _current = conn.scalars(text("SELECT id FROM snapshots ORDER BY id")).all()
        days = (date(2026, 11, 16), date(2026, 11, 29))
        # The first capture's value is history; the second's is the current value.
        assert recapture._history_holders(conn, "ajo", *days) == [first]
        # Other days, another metric, other series: no history of the staged numbers.
        assert recapture._history_holders(conn, "ajo", date(2026, 11, 21), days[1]) == []
        conn.execute(text("UPDATE replacing_values SET metric = 'clicks'"))
        assert recapture._history_holders(conn, "ajo", *days) == []
        conn.execute(text("UPDATE replacing_values SET metric = 'sent', series_id = series_id + 1"))
        assert recapture._history_holders(conn, "ajo", *days) == []
        # The series (a chunk's first, which the chunk before gave too), another of its days.
        conn.execute(
            text("UPDATE replacing_values SET series_id = series_id - 1, day = '2026-11-21'")
        )
        assert recapture._history_holders(conn, "ajo", *days) == []
        recapture.learn_settling(conn, "ajo", captured, *days)
        compiled = str(seen[-1].compile(conn, compile_kwargs={"literal_binds": True}))
    assert "superseded_values" not in compiled, compiled


def test_a_chunks_edge_numbers_are_looked_up_by_the_historys_whole_key(store):
    """Whether a snapshot's history holds a chunk's first or last series' staged numbers is
    a search of the history's whole key per number: SQLite searched a row-value `IN` list
    by the snapshot alone, reading every history row of the snapshot when none was there."""
    from sqlalchemy import event

    probes = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "superseded_values" in statement and "listed" in statement:
            probes.append((statement, parameters))

    with store.engine.begin() as conn:
        _history_and_a_staged_recapture(store, conn)
        first = conn.scalar(text("SELECT min(id) FROM snapshots"))
        days = (date(2026, 11, 16), date(2026, 11, 29))
        event.listen(store.engine, "before_cursor_execute", seen)
        try:
            # The staged series is the chunk's only one: its first and last.
            assert recapture._history_holders(conn, "ajo", *days) == [first]
            conn.execute(text("UPDATE replacing_values SET day = '2026-11-21'"))
            assert recapture._history_holders(conn, "ajo", *days) == []
        finally:
            event.remove(store.engine, "before_cursor_execute", seen)
        assert probes
        if conn.dialect.name != "sqlite":
            return  # PostgreSQL plans by its statistics; the lookup is the same join
        statement, parameters = probes[-1]
        cursor = conn.connection.driver_connection.cursor()
        plan = "\n".join(str(r[-1]) for r in cursor.execute(f"EXPLAIN QUERY PLAN {statement}",
                                                             parameters))  # fmt: skip
    assert "(snapshot_id=? AND metric=? AND day=? AND series_id=?)" in plan, plan


def test_a_recapture_reads_the_values_it_replaces_once(store):
    """A re-capture reads the current values it replaces once (the staged numbers joined
    with current_values, three columns read back) and sums the daily comparison's, the
    counts' and settling's moves and its history rows from them in numpy: grouping the
    staged numbers in SQL (`replacing_values`, then `replacing_cells`, the counts, settling
    and the history, each a pass over every staged number) was about half of a 14-day
    re-ingest's SQL. Without history of its numbers nothing else reads them."""
    from sqlalchemy import event

    store.save(frame({"source": "ajo", "day": "2026-11-20", "value": 1}), "a.csv")
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    store.save(
        frame({"source": "ajo", "day": "2026-11-20", "value": 2,
               "captured_at": "2026-11-29T20:00:00Z"}), "b.csv"
    )  # fmt: skip
    joined = [
        s for s in statements
        if s.lstrip().startswith("SELECT") and "FROM staging_values" in s
        and "JOIN current_values" in s
    ]  # fmt: skip
    assert len(joined) == 1, joined
    assert not [s for s in statements if "replacing_" in s]
    with store.engine.connect() as conn:
        moves = conn.execute(text("SELECT series, volume, change FROM settling_moves")).all()
        kept = conn.execute(text("SELECT ajo, ajo_rows FROM daily_comparison")).all()
        history = conn.execute(text("SELECT value FROM superseded_values")).all()
    assert moves == [(1, 1, 1)]
    assert kept == [(2, 1)]
    assert history == [(1,)]


@given(captures)
@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_settling_reads_the_numbers_seen_again_with_the_same_result(database_url, drawn):
    """The settling history from the re-captured numbers alone equals the one folded over
    every stored observation."""
    store = Store.open(database_url)
    since = datetime(2026, 11, 22, tzinfo=UTC)
    try:
        with store.engine.begin() as conn:
            for table in ("daily_comparison", "snapshot_counts", "snapshot_day_counts",
                          "current_values",
                          "superseded_values", "snapshots"):  # fmt: skip
                conn.execute(text(f"DELETE FROM {table}"))
        for index, (source, hour, rows) in enumerate(drawn):
            unique = {(j, a, d, m): v for j, a, d, m, v in rows}
            captured = f"2026-11-{20 + hour:02d}T10:00:00Z"
            store.save(
                frame(
                    *(
                        {
                            "source": source,
                            "journey": j,
                            "action": a,
                            "day": f"2026-11-{d}",
                            "metric": m,
                            "value": v,
                            "captured_at": captured,
                        }
                        for (j, a, d, m), v in unique.items()
                    )
                ),
                f"capture-{index}.csv",
            )
        for metrics in ((), ("sent",)):
            found = store.settling_history(since, 3, metrics)
            with store.engine.connect() as conn:
                everything = reader.folded(
                    conn, all_observations(), since.replace(tzinfo=None), 3, metrics
                )
            pd.testing.assert_frame_equal(found, everything)
    finally:
        store.close()


def test_settling_reads_history_by_snapshot_and_current_values_by_key(store):
    for captured, value in (("2026-11-21T06:00:00Z", 1), ("2026-11-22T06:00:00Z", 2)):
        store.save(frame({"source": "cja", "day": "2026-11-20", "value": value,
                          "captured_at": captured}), captured)  # fmt: skip
    since = datetime(2026, 11, 1)
    observations = reader._seen_again(since, date(2026, 10, 1), ("sent",))
    plan = _plan(store, select(observations))
    if store.engine.dialect.name == "sqlite":
        assert "SCAN current_values" not in plan, plan
        assert "SEARCH current_values USING PRIMARY KEY" in plan, plan
        assert "SCAN superseded_values" not in plan, plan
    else:
        assert "Seq Scan on current_values" not in plan, plan
        assert "Seq Scan on superseded_values" not in plan, plan


def test_dropping_and_undoing_a_snapshot_keeps_the_cells(store):
    first = store.save(
        frame(
            {"source": "cja", "day": "2026-11-20", "value": 10, "captured_at": "2026-11-21T06:00Z"},
            {"source": "cja", "day": "2026-11-21", "value": 3, "captured_at": "2026-11-21T06:00Z"},
        ),
        "first.csv",
    )[0]
    later = store.save(
        frame(
            {"source": "cja", "day": "2026-11-20", "value": 12, "captured_at": "2026-11-22T06:00Z"},
            {"source": "cja", "day": "2026-11-22", "value": 5, "captured_at": "2026-11-22T06:00Z"},
        ),
        "later.csv",
    )[0]
    store.save(frame({"source": "ajo", "day": "2026-11-20", "value": 11}), "ajo.csv")
    assert_kept(store)
    store.drop_snapshot(later.snapshot_id, "test")
    assert_kept(store)
    assert _table(store, KEPT)["cja"].tolist() == [10, 3]  # 2026-11-22 had only `later`
    store.undo_drop(later.snapshot_id, "test")
    assert_kept(store)
    store.drop_snapshot(first.snapshot_id, "test")
    assert_kept(store)


def test_the_comparison_names_each_rows_metric_a_byte_each(store):
    """Metrics read as a categorical in name order (a byte per row, not a string): the
    same names row for row, whatever order they were asked in."""
    for metric, value in (("sent", 5), ("clicks", 3), ("opens", 4)):
        store.save(
            frame({"source": "ajo", "day": "2026-11-20", "value": value, "metric": metric}),
            f"{metric}.csv",
        )
    for asked in ((), ("sent", "clicks", "opens"), ("opens", "sent")):
        with store.engine.connect() as conn:
            read = comparison_frame(conn, date(2026, 11, 1), date(2026, 11, 29), asked)
        assert isinstance(read["metric"].dtype, pd.CategoricalDtype)
        assert list(read["metric"].cat.categories) == sorted(read["metric"].cat.categories)
        by_metric = dict(zip(read["metric"].astype(str), read["ajo"], strict=True))
        expected = {"sent": 5, "clicks": 3, "opens": 4}
        assert by_metric == {m: v for m, v in expected.items() if not asked or m in asked}


def test_the_grouped_read_gives_the_tuples_frame(store, monkeypatch):
    """SQLite's many-row read hands over one text per (metric, day) with its cells' numbers
    (bot.store.reader._grouped_read): the frame equals the read of a tuple per cell, column
    for column, byte for byte and row for row, days before 1970, negative values and a
    journey key beyond 32 bits included."""
    rows = [
        ("sent", "2026-11-20", 7, 2), ("opens", "1969-12-30", -3, 1),
        ("clicks", "2026-11-21", 0, 3), ("sent", "2026-11-21", 2, 1), ("opens", "2026-11-20", 4, 1),
    ]  # fmt: skip
    for metric, day, value, copies in rows:
        for copy in range(copies):
            store.save(
                frame({"source": "ajo", "day": day, "value": value, "metric": metric,
                       "action": f"a{copy}"}),
                f"{metric}{day}{copy}.csv",
            )  # fmt: skip
    store.save(frame({"source": "cja", "day": "2026-11-20", "value": 5}), "cja.csv")
    store.save(frame({"source": "cja", "day": "2026-11-20", "value": 6, "journey": "B"}), "b.csv")

    def read(asked=()):
        with store.engine.connect() as conn:
            return comparison_frame(conn, date(1969, 12, 1), date(2026, 11, 29), asked)

    def compared():
        for asked in ((), ("opens", "sent")):
            grouped = read(asked)
            with monkeypatch.context() as plain:
                plain.setattr(reader, "_GROUPED", False)
                expected = read(asked)
            pd.testing.assert_frame_equal(grouped, expected)
            assert len(grouped) == (6 if not asked else 5)
            assert grouped["journey_key"].nunique() == 2

    compared()
    if store.engine.dialect.name == "sqlite":
        with store.engine.begin() as conn:
            conn.execute(
                text("UPDATE daily_comparison SET journey_key = journey_key + :k"), {"k": 1 << 40}
            )
        compared()
        assert read()["journey_key"].min() > 1 << 40
