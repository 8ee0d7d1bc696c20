"""Writers at once, in real processes, on both backends: the store a sequential run makes.

Each race starts its processes at a barrier, so that they open the store and write at the
same moment; what they leave is compared with the same writes made one after the other in
a fresh SQLite store.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback

import pandas as pd
import pytest
from sqlalchemy import select

from bot.store import Store
from bot.store.schema import (
    SCHEMA_VERSION,
    current_values,
    journeys,
    schema_info,
    series,
    snapshots,
    superseded_values,
)
from tests.builders import frame

# fork: the children start with Parity imported, so the barrier is what lines them up.
CONTEXT = multiprocessing.get_context("fork")
JOURNEYS = [f"Journey {n:02d}" for n in range(50)]


def _file(captured_at: str, offset: int, journey_names=JOURNEYS, days: int = 10) -> pd.DataFrame:
    rows = [
        {
            "source": "ajo",
            "captured_at": captured_at,
            "journey": name,
            "day": f"2026-11-{day:02d}",
            "value": 1000 * n + day + offset,
        }
        for n, name in enumerate(journey_names)
        for day in range(1, days + 1)
    ]
    return frame(*rows)


def _open(url: str) -> int:
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            return conn.scalar(select(schema_info.c.version))
    finally:
        store.close()


def _save(url: str, data: pd.DataFrame, origin: str) -> list[bool]:
    store = Store.open(url)
    try:
        return [report.duplicate for report in store.save(data, origin)]
    finally:
        store.close()


def _save_stream(url: str, parts: list[pd.DataFrame], origin: str) -> list[bool]:
    store = Store.open(url)
    try:
        return [store.save_stream(iter(parts), origin).duplicate]
    finally:
        store.close()


def _child(index, job, args, barrier, results) -> None:
    try:
        barrier.wait(timeout=60)
        results.put((index, "ok", job(*args)))
    except BaseException:  # reported to the parent, which fails the test with it
        results.put((index, "crash", traceback.format_exc()))


def together(*jobs) -> list:
    """Run (function, args) jobs in processes started at one barrier; their results in order."""
    barrier, results = CONTEXT.Barrier(len(jobs)), CONTEXT.Queue()
    processes = [
        CONTEXT.Process(target=_child, args=(i, job, args, barrier, results))
        for i, (job, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    outcomes = {}
    try:
        for _ in jobs:
            index, status, value = results.get(timeout=180)
            outcomes[index] = (status, value)
    except queue.Empty:
        pytest.fail(f"writers did not finish: {outcomes}")
    finally:
        for process in processes:
            process.join(timeout=60)
    crashes = [value for status, value in outcomes.values() if status == "crash"]
    assert not crashes, crashes
    return [outcomes[i][1] for i in range(len(jobs))]


def content(url: str) -> dict:
    """What a store holds, by names rather than generated keys."""
    store = Store.open(url)
    names = (journeys.c.name, series.c.action, series.c.channel)
    by_series = series.join(journeys, series.c.journey_key == journeys.c.id)
    c, s = current_values.c, superseded_values.c
    try:
        with store.engine.connect() as conn:
            return {
                "journeys": sorted(conn.scalars(select(journeys.c.name))),
                "series": sorted(conn.execute(select(*names).select_from(by_series)).all()),
                "snapshots": sorted(
                    conn.execute(
                        select(snapshots.c.source, snapshots.c.captured_at, snapshots.c.row_count)
                    ).all()
                ),
                "current": sorted(
                    conn.execute(
                        select(*names, c.source, c.metric, c.day, c.value, c.captured_at)
                        .select_from(current_values)
                        .join(by_series, series.c.id == c.series_id)
                    ).all()
                ),
                "history": sorted(
                    conn.execute(
                        select(*names, s.metric, s.day, s.value)
                        .select_from(superseded_values)
                        .join(by_series, series.c.id == s.series_id)
                    ).all()
                ),
            }
    finally:
        store.close()


def sequential(tmp_path, writes) -> dict:
    url = f"sqlite:///{tmp_path / 'sequential.db'}"
    for job, args in writes:
        job(url, *args)
    return content(url)


@pytest.fixture(params=["new", "existing"])
def target(request, database_url) -> str:
    """The store the writers race on: not created yet, or created before they start."""
    if request.param == "existing":
        _open(database_url)
    return database_url


def test_two_ingests_of_the_same_journeys_make_each_journey_once(target, tmp_path):
    first = ("first.csv", _file("2026-11-20T10:00:00Z", 0))
    second = ("second.csv", _file("2026-11-21T10:00:00Z", 7))
    writes = [(_save, (data, origin)) for origin, data in (first, second)]

    duplicates = together(*((job, (target, *args)) for job, args in writes))

    assert duplicates == [[False], [False]]
    stored = content(target)
    assert len(stored["journeys"]) == len(JOURNEYS)
    assert stored == sequential(tmp_path, writes)


def test_the_same_file_twice_at_once_is_stored_once_and_the_other_told(target, tmp_path):
    data = _file("2026-11-20T10:00:00Z", 0)

    duplicates = together((_save, (target, data, "a.csv")), (_save, (target, data, "a.csv")))

    assert sorted(duplicates) == [[False], [True]]
    assert content(target) == sequential(tmp_path, [(_save, (data, "a.csv"))])


def test_a_pull_during_a_chunked_upload_ends_as_one_after_the_other(target, tmp_path):
    upload = _file("2026-11-20T10:00:00Z", 0)
    parts = [upload.iloc[:200], upload.iloc[200:]]
    pull = _file("2026-11-22T06:00:00Z", 3, JOURNEYS[::2], days=12)
    writes = [(_save_stream, (parts, "upload.csv")), (_save, (pull, "pull"))]

    together(*((job, (target, *args)) for job, args in writes))

    assert content(target) == sequential(tmp_path, writes)


def test_processes_starting_together_on_a_new_database_create_it_once(database_url, tmp_path):
    data = _file("2026-11-20T10:00:00Z", 0, JOURNEYS[:5])

    # web, clock and two ingests of one file
    results = together(
        (_open, (database_url,)),
        (_open, (database_url,)),
        (_save, (database_url, data, "a.csv")),
        (_save, (database_url, data, "a.csv")),
    )

    assert results[:2] == [SCHEMA_VERSION, SCHEMA_VERSION]
    assert sorted(results[2:]) == [[False], [True]]
    assert content(database_url) == sequential(tmp_path, [(_save, (data, "a.csv"))])
