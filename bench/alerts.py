"""python -m bench.alerts: from the end of an ingest to the alert arriving in Slack.

Two stores, each copied fresh for every run: the demo store (9 journeys, 75 days, ten
snapshots) and a larger one (bench.data's layout: 50 journeys x 5 actions x 10 metrics x
120 days of AJO, CJA keeping 99.5 % of it, captured up to two weeks ago). A channel watches
every journey; then a CJA export arrives. The demo: its final capture again, less three days
of one journey, which finds Win-back Offer's filtered clicks. The larger store: the last 14
days, as a pull fetches them, without one journey's three settled days. The storm: the same
with a CJA drawn apart from AJO, so every journey is off. It is ingested the way
`python -m bot ingest` does (load_file, then the after-snapshot hook) with Slack pointed at
the fake Web API (tests/handlers/fake_slack.py); the figures are the times from the ingest's
end to the fake receiving the first and the last alert's chat.postMessage. Medians of
--runs, with the spread.

Usage: python -m bench.alerts [--runs 5]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from bench.data import write_canonical_csv
from bot.clock import alerting
from bot.clock.guard import Runtime
from bot.config import Settings
from bot.evaluate.demo import generate
from bot.ingest.loading import load_file
from bot.slack.client import make_client
from bot.store import Store
from bot.store.watches import ALL
from bot.timing import Clock
from tests.handlers.fake_slack import BOT_TOKEN, FakeSlack

TODAY = date(2026, 11, 29)
LATER = datetime(2026, 11, 29, 16, 0, tzinfo=UTC)


def demo_store(folder: Path) -> tuple[Path, Path]:
    """The demo store, and its last CJA export captured again later without three Win-back
    Offer days (new content, so a new snapshot; those days keep their earlier values): the
    first check after a channel starts watching, which finds Win-back Offer's filtered
    clicks."""
    path = folder / "demo.db"
    store = Store.open(f"sqlite:///{path}")
    frames = generate(TODAY)
    for frame in frames:
        store.save(frame, "demo")
    store.close()
    cja = frames[-1]
    lost = cja["journey"].eq("Win-back Offer") & cja["day"].between(
        pd.Timestamp(TODAY - timedelta(days=9)), pd.Timestamp(TODAY - timedelta(days=7))
    )
    cja = cja.loc[~lost].assign(captured_at=pd.Timestamp(LATER))
    export = folder / "demo-cja.csv"
    cja.assign(day=cja["day"].dt.strftime("%Y-%m-%d")).to_csv(export, index=False)
    return path, export


def _large(folder: Path, name: str, cja_of) -> tuple[Path, Path]:
    """50 journeys x 5 actions x 10 metrics x 120 days of AJO, CJA made by `cja_of`, and a
    CJA pull of the last 14 days, captured later, that lacks Journey 7 for three days."""
    path = folder / f"{name}.db"
    store = Store.open(f"sqlite:///{path}")
    ajo_csv = folder / "ajo.csv"
    write_canonical_csv(ajo_csv, "ajo", TODAY, journeys=50, actions=5, days=120)
    cja_csv = folder / f"{name}-cja-history.csv"
    cja = cja_of(ajo_csv, folder)
    pulled = cja["day"] >= (TODAY - timedelta(days=13)).isoformat()
    cja.loc[~pulled].to_csv(cja_csv, index=False)  # CJA so far: up to two weeks ago
    for csv in (ajo_csv, cja_csv):
        load_file(store, csv)
    store.close()
    recent = cja.loc[pulled]
    lost = recent["journey"].eq("Journey 7") & recent["day"].between(
        (TODAY - timedelta(days=9)).isoformat(), (TODAY - timedelta(days=7)).isoformat()
    )
    export = folder / f"{name}-cja.csv"
    recent.loc[~lost].assign(captured_at=LATER.isoformat()).to_csv(export, index=False)
    return path, export


def _read(csv: Path) -> pd.DataFrame:
    return pd.read_csv(csv, dtype={"journey_id": str}, keep_default_na=False)


def _agreeing(ajo_csv: Path, folder: Path) -> pd.DataFrame:
    """CJA as it behaves: AJO's numbers, each kept with 99.5 % probability."""
    ajo = _read(ajo_csv)
    rng = np.random.default_rng(3)
    return ajo.assign(source="cja", journey_id="", value=rng.binomial(ajo["value"], 0.995))


def _unrelated(ajo_csv: Path, folder: Path) -> pd.DataFrame:
    """bench.data's CJA: drawn apart from AJO's, so every journey is off somewhere (a storm)."""
    csv = folder / "storm-cja-drawn.csv"
    write_canonical_csv(csv, "cja", TODAY, journeys=50, actions=5, days=120)
    return _read(csv)


def large_store(folder: Path) -> tuple[Path, Path]:
    return _large(folder, "large", _agreeing)


def storm_store(folder: Path) -> tuple[Path, Path]:
    return _large(folder, "storm", _unrelated)


def one_run(base: Path, export: Path, folder: Path) -> tuple[float, float, float, int]:
    """(ingest seconds, seconds from the ingest's end to the first alert at the fake Slack,
    to the last one, how many alerts)."""
    copy = folder / "run.db"
    shutil.copy(base, copy)
    slack = FakeSlack().start()
    settings = Settings(
        database_url=f"sqlite:///{copy}",
        slack_bot_token=BOT_TOKEN,
        slack_api_url=slack.api_url,
    )
    clock = Clock.fixed(LATER + timedelta(minutes=5)).pinned(TODAY)
    store = Store.open(settings.database_url, clock)
    try:
        store.alerts.save_watch(
            channel_id="C0ALERTS", journey=ALL, metrics=(), threshold_pct=None, user="bench",
            now=clock.now(),
        )  # fmt: skip
        client = make_client(settings)
        runtime = Runtime(replace(settings, today_override=TODAY), store, client, {}, clock)
        started = time.monotonic()
        loaded = load_file(store, export)
        ingested = time.monotonic()
        alerting.after_snapshots(runtime, loaded.reports)
        posts = [
            c.at for c in slack.named("chat.postMessage")
            if c.params["channel"] == "C0ALERTS" and not c.params.get("thread_ts")
        ]  # fmt: skip
        if not posts:
            raise RuntimeError(f"no alert posted: {[c.method for c in slack.calls]}")
        return ingested - started, posts[0] - ingested, posts[-1] - ingested, len(posts)
    finally:
        store.close()
        slack.stop()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.alerts")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| store | alerts | ingest | ingest end → first alert | → last alert |")
    print("|---|---|---|---|---|")
    scenarios = (
        ("demo (9 journeys)", demo_store),
        ("50 journeys", large_store),
        ("50 journeys, every one off (storm)", storm_store),
    )
    with tempfile.TemporaryDirectory(prefix="parity-bench-alerts-") as name:
        folder = Path(name)
        for label, build in scenarios:
            base, export = build(folder)
            runs = [one_run(base, export, folder) for _ in range(args.runs)]
            print(
                f"| {label} | {runs[0][3]} | {statistics.median(r[0] for r in runs):.2f} s | "
                f"{_spread([r[1] for r in runs])} | {_spread([r[2] for r in runs])} |",
                flush=True,
            )
    print(f"\nMedians of {args.runs} runs (min – max).")
    return 0


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f} – {max(values):.2f})"


if __name__ == "__main__":
    raise SystemExit(main())
