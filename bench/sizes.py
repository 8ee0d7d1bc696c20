"""python -m bench --journeys 50,250,1000: the same measures at several store sizes.

Per size (journeys x 5 actions x 400 days x 10 metrics per source) and backend: the first
ingest of both sources' canonical CSVs (rate and peak memory, in a process of its own), a
daily 14-day re-ingest of both, the first 30-day Sent question after it and the same
question again (the result cache cleared: computed, with what the first one learned), a
90-day one-journey question (first with the figures pooled over every journey not cached,
then cached: bot.reconcile.pool), the 13-month question and `status`. Each beside DuckDB
doing the same work on the same rows in memory, in the same run. Medians of `runs`, with
the spread (min-max) where there are several.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bench.data import canonical_file
from bot.answers.result_cache import ResultCache
from bot.answers.service import Parity
from bot.config import Settings
from bot.reconcile import metrics_needed
from bot.store import Store

LAST_DAY = date(2026, 11, 29)
DAILY_DAYS = 14
QUESTIONS = {
    "sent": "why don't Sent numbers match?",
    "journey": "reconcile Journey 17 for the last 90 days",
    "year": "reconcile everything for last 13 months",
    "status": "status",
}


@dataclass
class Figure:
    """One measure's samples, in seconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def ms(self) -> str:
        spread = ""
        if len(self.samples) > 1:
            spread = f" ({min(self.samples) * 1000:,.0f}–{max(self.samples) * 1000:,.0f})"
        return f"{self.median * 1000:,.0f} ms{spread}"


def timed(fn: Callable[[], object], runs: int) -> Figure:
    figure = Figure()
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        figure.samples.append(time.perf_counter() - started)
    return figure


INGEST_CHILD = """
import json, sys, time
from bot.ingest.loading import load_file
from bot.store import Store
store = Store.open(sys.argv[1])
started = time.perf_counter()
for path in sys.argv[2:]:
    loaded = load_file(store, path)
    assert loaded.error is None, loaded.error
seconds = time.perf_counter() - started
peak = next(x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM'))
print(json.dumps({"seconds": seconds, "peak_mb": int(peak) / 1024}))
"""


def ingest_process(url: str, files: list[Path]) -> dict:
    """Ingest `files` in a process of its own: its time and peak memory (VmHWM)."""
    out = subprocess.run(
        [sys.executable, "-c", INGEST_CHILD, url, *map(str, files)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"ingest failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def computed(app: Parity, question: str) -> None:
    """Answer without the result cache: the figure is the computation, not a lookup."""
    app.results = ResultCache()
    answer = app.ask(question)
    if answer.error:
        raise RuntimeError(f"{question!r}: {answer.error}")


def unpooled(app: Parity, question: str) -> None:
    """Answer without the result cache nor the pooled figures (bot.reconcile.pool): the
    first question about one journey for a range, which reads every journey once."""
    app.pools = ResultCache(name="pools")
    computed(app, question)


def first_after_pull(store: Store, question: str) -> None:
    """As the first question after a pull: a fresh Parity, nothing learned or cached."""
    computed(Parity(store, Settings(today_override=LAST_DAY)), question)


@dataclass
class Backend:
    name: str
    figures: dict[str, str] = field(default_factory=dict)


def measure_backend(name: str, url: str, files, daily, rows: int, runs: int) -> Backend:
    result = Backend(name)
    first = ingest_process(url, files)
    result.figures["ingest"] = (
        f"{rows / first['seconds']:,.0f} obs/s ({first['seconds']:.1f} s), "
        f"peak {first['peak_mb']:,.0f} MB"
    )
    again = ingest_process(url, daily)
    result.figures["daily"] = f"{again['seconds']:.2f} s, peak {again['peak_mb']:,.0f} MB"
    store = Store.open(url)
    try:
        app = Parity(store, Settings(today_override=LAST_DAY))
        result.figures["sent_first"] = timed(
            lambda: first_after_pull(store, QUESTIONS["sent"]), runs
        ).ms()
        app.ask(QUESTIONS["sent"])
        result.figures["sent_cached"] = timed(lambda: computed(app, QUESTIONS["sent"]), runs).ms()
        result.figures["journey_first"] = timed(
            lambda: unpooled(app, QUESTIONS["journey"]), runs
        ).ms()
        for key in ("journey", "year", "status"):
            app.ask(QUESTIONS[key])  # once, to warm what the first question warms
            result.figures[key] = timed(lambda q=QUESTIONS[key]: computed(app, q), runs).ms()
    finally:
        store.close()
    return result


def duckdb_reference(files, daily, rows: int, runs: int) -> Backend:
    """The same rows in DuckDB, in memory: load, replace the re-captured days, aggregate."""
    import duckdb

    result = Backend("DuckDB (memory)")
    con = duckdb.connect()
    paths = ", ".join(f"'{p}'" for p in files)
    started = time.perf_counter()
    con.execute(f"CREATE TABLE obs AS SELECT * FROM read_csv([{paths}], header=true)")
    seconds = time.perf_counter() - started
    result.figures["ingest"] = f"{rows / seconds:,.0f} obs/s ({seconds:.1f} s)"
    daily_paths = ", ".join(f"'{p}'" for p in daily)
    since = LAST_DAY - timedelta(days=DAILY_DAYS - 1)
    started = time.perf_counter()
    con.execute(f"DELETE FROM obs WHERE day >= DATE '{since}'")
    con.execute(f"INSERT INTO obs SELECT * FROM read_csv([{daily_paths}], header=true)")
    result.figures["daily"] = f"{time.perf_counter() - started:.2f} s"
    sql = """
        SELECT journey, day, metric,
               SUM(CASE WHEN source = 'ajo' THEN value ELSE 0 END),
               SUM(CASE WHEN source = 'cja' THEN value ELSE 0 END)
        FROM obs WHERE day BETWEEN ? AND ? {where} GROUP BY journey, day, metric
    """
    sent = ", ".join(f"'{m}'" for m in metrics_needed(("sent",)))
    month = (LAST_DAY - timedelta(days=30), LAST_DAY + timedelta(days=1))
    quarter = (LAST_DAY - timedelta(days=90), LAST_DAY + timedelta(days=1))
    year = (date(2025, 10, 31), LAST_DAY + timedelta(days=1))

    def run(where: str, span) -> Figure:
        return timed(lambda: con.execute(sql.format(where=where), span).fetchall(), runs)

    result.figures["sent_first"] = result.figures["sent_cached"] = run(
        f"AND metric IN ({sent})", month
    ).ms()
    result.figures["journey"] = result.figures["journey_first"] = run(
        "AND journey = 'Journey 17'", quarter
    ).ms()
    result.figures["year"] = run("", year).ms()
    result.figures["status"] = timed(
        lambda: con.execute(
            "SELECT source, COUNT(*), MIN(day), MAX(day) FROM obs GROUP BY source"
        ).fetchall(),
        runs,
    ).ms()
    con.close()
    return result


ROWS = (
    ("ingest", "first ingest, both sources"),
    ("daily", f"daily {DAILY_DAYS}-day re-ingest, both sources"),
    ("sent_first", "30-day Sent question, first after the re-ingest"),
    ("sent_cached", "30-day Sent question, again (result cache cleared)"),
    ("journey_first", "90-day one-journey question, pooled figures not cached"),
    ("journey", "90-day one-journey question, pooled figures cached"),
    ("year", "13-month question, every metric"),
    ("status", "status"),
)


def run(
    sizes: list[int], runs: int, postgres: str | None, schema, backends: tuple[str, ...]
) -> None:
    """Print one Markdown table per size: a column per backend, DuckDB last. Each figure is
    also printed as it is measured, so a long run interrupted keeps what it measured."""
    for journeys in sizes:
        files, daily, rows = [], [], 0
        for source in ("ajo", "cja"):
            path, count = canonical_file(source, LAST_DAY, journeys)
            files.append(path)
            rows += count
            later = f"{LAST_DAY.isoformat()}T18:00:00Z"
            path, _ = canonical_file(
                source, LAST_DAY, journeys, days=DAILY_DAYS, captured_at=later, shift=1.002
            )
            daily.append(path)
        measured = []
        if "sqlite" in backends:
            with _sqlite_url(journeys) as url:
                measured.append(measure_backend("SQLite", url, files, daily, rows, runs))
            _progress(journeys, measured[-1])
        if postgres and "postgresql" in backends:
            with schema(postgres) as url:
                measured.append(measure_backend("PostgreSQL", url, files, daily, rows, runs))
            _progress(journeys, measured[-1])
        if "duckdb" in backends:
            measured.append(duckdb_reference(files, daily, rows, runs))
            _progress(journeys, measured[-1])
        print(f"\n### {journeys:,} journeys: {rows // 2:,} observations per source\n")
        print("| measure | " + " | ".join(b.name for b in measured) + " |")
        print("|---|" + "---|" * len(measured))
        for key, label in ROWS:
            print(f"| {label} | " + " | ".join(b.figures.get(key, "") for b in measured) + " |")
        sys.stdout.flush()


def _progress(journeys: int, backend: Backend) -> None:
    for key, label in ROWS:
        if key in backend.figures:
            print(f"# {journeys} journeys, {backend.name}: {label}: {backend.figures[key]}")
    sys.stdout.flush()


class _sqlite_url:
    """A SQLite file for one size, removed afterwards (they reach gigabytes)."""

    def __init__(self, journeys: int) -> None:
        self.path = Path(f"/tmp/parity-bench/store-{journeys}j-{time.time_ns()}.db")

    def __enter__(self) -> str:
        return f"sqlite:///{self.path}"

    def __exit__(self, *exc) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
