"""python -m bench: ingest rates, question latency and a DuckDB reference, as medians.

Usage: python -m bench [--runs N] [--scale 1.0] [--postgres URL] [--workspace-rows N]
       python -m bench --faults [--duration S] [--rate R] [--cut-at S] [--cut-for S] [--seed N]
       python -m bench --journeys 50,250,1000 [--runs N] [--postgres URL]  (bench.sizes)
PostgreSQL is measured when --postgres or TEST_DATABASE_URL names a database; each run uses
a fresh schema that is dropped afterwards. Figures go to stdout as a Markdown table.
--faults runs only the load-and-fault script (bench/faults.py), which needs PostgreSQL.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.data import write_api_pages, write_canonical_csv, write_workspace_csv
from bot.answers.result_cache import ResultCache
from bot.answers.service import Parity
from bot.config import Settings
from bot.ingest import read_file
from bot.reconcile import metrics_needed
from bot.store import Store

LAST_DAY = date(2026, 11, 29)
QUESTIONS = {
    "30 days, Sent, all journeys": "why don't Sent numbers match?",
    "13 months, every metric": "reconcile everything for last 13 months",
}


def row(label: str, value: str) -> None:
    print(f"| {label} | {value} |", flush=True)


def rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} obs/s ({seconds:.2f} s for {rows:,} rows)"


def computed(app: Parity, question: str):
    """Answer without Parity's result cache: the figure is the computation, not a lookup."""
    app.results = ResultCache()
    return app.ask(question)


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def ingest(url: str, files: list[Path]) -> Store:
    store = Store.open(url)
    for path in files:
        store.save(read_file(path), path.name)
    return store


class PostgresSchema:
    """A throwaway schema, so runs never see each other's rows."""

    def __init__(self, base: str) -> None:
        self.base = base.replace("postgresql://", "postgresql+psycopg://", 1)
        self.admin = create_engine(self.base)
        self.name = f"bench_{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> str:
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.name}"))
        url = make_url(self.base).update_query_dict({"options": f"-csearch_path={self.name}"})
        return url.render_as_string(hide_password=False)

    def __exit__(self, *exc) -> None:
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {self.name} CASCADE"))
        self.admin.dispose()


def streamed_peak_mb(path: Path, workdir: Path, store: bool = True) -> float:
    """Peak RSS of a separate process that streams one export (into SQLite, if `store`)."""
    if store:
        work = (
            "from bot.ingest.loading import load_file; from bot.store import Store;"
            f"s = Store.open('sqlite:///{workdir / 'stream.db'}'); r = load_file(s, sys.argv[1]);"
            "assert r.error is None, r.error;"
        )
    else:
        work = "from bot.ingest import stream_file; sum(len(c) for c in stream_file(sys.argv[1]));"
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec, so a child started by a
    # large parent (this one, after parsing the whole file) would report the parent's peak.
    peak = "print(next(x.split()[1] for x in open('/proc/self/status') if x.startswith('VmHWM')))"
    code = f"import sys; {work} {peak}"
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    (workdir / "stream.db").unlink(missing_ok=True)
    return int(out.stdout.strip()) / 1024


def export_formats(workdir: Path, runs: int, workspace_rows: int) -> None:
    """Rows for the product formats: a Workspace CSV and 100 pages of Reporting API JSON."""
    workspace = workdir / "workspace.csv"
    observations = write_workspace_csv(workspace, workspace_rows, LAST_DAY)
    seconds = median_time(lambda: read_file(workspace), runs)
    row(
        f"ingest a {workspace_rows:,}-row Workspace CSV (parse + validate)",
        rate(observations, seconds),
    )
    pages = workdir / "reports.json"
    observations = write_api_pages(pages, 100, 2000, LAST_DAY)
    seconds = median_time(lambda: read_file(pages), runs)
    row("ingest 100 pages of Reporting API JSON (parse + validate)", rate(observations, seconds))
    parse_only = streamed_peak_mb(workspace, workdir, store=False)
    stored = streamed_peak_mb(workspace, workdir)
    row(
        f"peak memory, {workspace_rows:,}-row Workspace CSV streamed",
        f"{parse_only:,.0f} MB parsing, {stored:,.0f} MB parsing and storing in SQLite",
    )
    workspace.unlink()


def duckdb_reference(files: list[Path], runs: int) -> dict[str, float]:
    """The same aggregations in DuckDB, in memory (load time excluded)."""
    import duckdb

    con = duckdb.connect()
    paths = ", ".join(f"'{p}'" for p in files)
    con.execute(f"CREATE TABLE obs AS SELECT * FROM read_csv([{paths}], header=true)")
    sql = """
        SELECT journey, day, metric,
               SUM(CASE WHEN source = 'ajo' THEN value ELSE 0 END),
               SUM(CASE WHEN source = 'cja' THEN value ELSE 0 END)
        FROM obs WHERE day BETWEEN ? AND ? {metric} GROUP BY journey, day, metric
    """
    # The rows Parity reads for a Sent question: Sent, AJO's Retries and Sent's witnesses.
    needed_for_sent = ", ".join(f"'{m}'" for m in metrics_needed(("sent",)))
    month = ("2026-10-31", "2026-11-29")
    year = ("2025-10-30", "2026-11-29")
    return {
        "30 days, Sent, all journeys": median_time(
            lambda: con.execute(
                sql.format(metric=f"AND metric IN ({needed_for_sent})"), month
            ).fetchall(),
            runs,
        ),
        "13 months, every metric": median_time(
            lambda: con.execute(sql.format(metric=""), year).fetchall(), runs
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 400 days")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument(
        "--slack-commands", type=int, default=200, help="0 skips the Slack HTTP benchmark"
    )
    parser.add_argument(
        "--workspace-rows", type=int, default=1_000_000, help="rows of the Workspace CSV export"
    )
    parser.add_argument(
        "--faults", action="store_true", help="load with a database cut (bench/faults.py)"
    )
    parser.add_argument("--duration", type=float, default=120.0, help="--faults: seconds of load")
    parser.add_argument("--rate", type=float, default=25.0, help="--faults: requests a second")
    parser.add_argument("--cut-at", type=float, default=40.0, help="--faults: cut after S s")
    parser.add_argument("--cut-for", type=float, default=20.0, help="--faults: cut for S s")
    parser.add_argument("--seed", type=int, default=14, help="--faults: the request mix's seed")
    parser.add_argument(
        "--journeys",
        help="comma-separated store sizes in journeys (50,250,1000): the measures at each size",
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql,duckdb",
        help="with --journeys: which of sqlite, postgresql, duckdb to measure",
    )
    parser.add_argument(
        "--worker-questions",
        type=int,
        help="with --journeys: a web worker's memory after this many varied questions",
    )
    args = parser.parse_args()
    if args.faults:
        return faults(args)
    if args.journeys and args.worker_questions:
        from bench import worker

        worker.run([int(n) for n in args.journeys.split(",")], args.worker_questions)
        return 0
    if args.journeys:
        from bench import sizes

        counts = [int(n) for n in args.journeys.split(",")]
        backends = tuple(args.backends.split(","))
        sizes.run(counts, args.runs, args.postgres, PostgresSchema, backends)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        days = max(int(400 * args.scale), 31)
        files = [workdir / f"{source}.csv" for source in ("ajo", "cja")]
        rows = sum(write_canonical_csv(path, path.stem, LAST_DAY, days=days) for path in files)
        per_file = rows // 2
        print(f"{per_file:,} observations per source, {args.runs} runs, medians\n")
        print("| measure | value |\n|---|---|")

        parse_time = median_time(lambda: read_file(files[0]), args.runs)
        row("parse + validate one file", rate(per_file, parse_time))

        counter = iter(range(10**6))
        ingest_sqlite = median_time(
            lambda: ingest(f"sqlite:///{workdir / f'run{next(counter)}.db'}", files).close(),
            max(args.runs // 2, 1),
        )
        row("ingest into SQLite (parse + store)", rate(rows, ingest_sqlite))

        if args.postgres:

            def pg_run() -> None:
                with PostgresSchema(args.postgres) as url:
                    ingest(url, files).close()

            ingest_pg = median_time(pg_run, max(args.runs // 2, 1))
            row("ingest into PostgreSQL (parse + store)", rate(rows, ingest_pg))

        print(f"| peak memory, one file | {streamed_peak_mb(files[0], workdir):,.0f} MB |")
        export_formats(workdir, max(args.runs // 2, 1), args.workspace_rows)

        store = ingest(f"sqlite:///{workdir / 'query.db'}", files)
        app = Parity(store, Settings(today_override=LAST_DAY))
        reference = duckdb_reference(files, args.runs)
        for label, question in QUESTIONS.items():
            app.ask(question)  # warm the connection and SQLite's page cache once
            latency = median_time(lambda q=question: computed(app, q), args.runs)
            ratio = latency / reference[label]
            print(
                f"| {label}: SQLite | {latency * 1000:,.0f} ms (DuckDB in memory "
                f"{reference[label] * 1000:,.0f} ms, {ratio:.1f}x) |"
            )
        if args.slack_commands:
            from bench import slack

            figures = slack.run(
                f"sqlite:///{workdir / 'query.db'}",
                LAST_DAY.isoformat(),
                commands=args.slack_commands,
                concurrency=20,
            )
            row(
                f"/parity over HTTP, {args.slack_commands} signed commands, 20 at a time: ack",
                f"p50 {figures['ack_p50_ms']:.0f} ms, p99 {figures['ack_p99_ms']:.0f} ms",
            )
            row(
                "... time until the answer reached Slack",
                f"p50 {figures['answer_p50_s']:.2f} s, p95 {figures['answer_p95_s']:.2f} s",
            )
        if args.postgres:
            with PostgresSchema(args.postgres) as url:
                pg_store = ingest(url, files)
                pg_app = Parity(pg_store, Settings(today_override=LAST_DAY))
                for label, question in QUESTIONS.items():
                    pg_app.ask(question)
                    latency = median_time(lambda q=question: computed(pg_app, q), args.runs)
                    print(f"| {label}: PostgreSQL | {latency * 1000:,.0f} ms |")
                pg_store.close()
        store.close()
    return 0


def faults(args) -> int:
    from bench import faults as script

    if not args.postgres:
        print("--faults needs PostgreSQL: --postgres URL or TEST_DATABASE_URL", file=sys.stderr)
        return 2
    with PostgresSchema(args.postgres) as url:
        report = script.run(
            url,
            LAST_DAY,
            duration=args.duration,
            rate=args.rate,
            cut_at=args.cut_at,
            cut_for=args.cut_for,
            seed=args.seed,
        )
    script.print_report(report)
    counts = report.counts()
    return 0 if counts["lost"] == 0 and counts["duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
