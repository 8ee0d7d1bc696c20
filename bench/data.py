"""Synthetic canonical CSVs at benchmark scale, written with pyarrow (seconds, not minutes)."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from bot.metrics import METRICS

BENCH_METRICS = tuple(m for m in METRICS if m != "displays")  # ten, as the issue asks


def write_canonical_csv(
    path: Path,
    source: str,
    last_day: date,
    journeys: int = 50,
    actions: int = 5,
    days: int = 400,
    seed: int = 1,
) -> int:
    """journeys x actions x days x 10 metrics rows of one source; returns the row count."""
    rng = np.random.default_rng(seed if source == "ajo" else seed + 1)
    metrics = np.array(BENCH_METRICS)
    n = journeys * actions * days * len(metrics)
    journey = np.repeat(np.arange(journeys), actions * days * len(metrics))
    action = np.tile(np.repeat(np.arange(actions), days * len(metrics)), journeys)
    day = np.tile(np.repeat(np.arange(days), len(metrics)), journeys * actions)
    first = last_day - timedelta(days=days - 1)
    day_names = np.array([(first + timedelta(days=int(d))).isoformat() for d in range(days)])
    values = rng.poisson(1000, n)
    if source == "cja":
        values = (values * rng.uniform(0.97, 1.0, n)).astype(np.int64)
    table = pa.table(
        {
            "source": pa.array(np.full(n, source)),
            "captured_at": pa.array(np.full(n, f"{last_day.isoformat()}T12:00:00Z")),
            "journey": pa.array(np.char.add("Journey ", journey.astype(str))),
            "journey_id": pa.array(
                np.char.add("jo-", journey.astype(str)) if source == "ajo" else np.full(n, "")
            ),
            "action": pa.array(np.char.add("Action ", action.astype(str))),
            "channel": pa.array(np.full(n, "email")),
            "day": pa.array(day_names[day]),
            "metric": pa.array(np.tile(metrics, n // len(metrics))),
            "value": pa.array(values),
        }
    )
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))
    return n


WORKSPACE_METRICS = (
    "Sends (AJO)",
    "Delivered (AJO)",
    "Bounces For Outbound Channels (AJO)",
    "Email Opens (AJO)",
    "Clicks (AJO)",
)


def write_workspace_csv(
    path: Path, rows: int, last_day: date, days: int = 400, seed: int = 3
) -> int:
    """A Workspace export: one freeform table, journeys x days, five "(AJO)" metrics.

    Numbers are written as Workspace's totals are ("1,234"): the slower path to parse.
    Returns the number of observations (rows x 5).
    """
    rng = np.random.default_rng(seed)
    journeys = -(-rows // days)
    first = last_day - timedelta(days=days - 1)
    labels = np.array(
        [
            f"{first + timedelta(days=d):%b} {(first + timedelta(days=d)).day}, "
            f"{(first + timedelta(days=d)).year}"
            for d in range(days)
        ]
    )
    values = rng.poisson(1000, (rows, len(WORKSPACE_METRICS)))
    header = (
        "#" + "=" * 65 + "\n# Parity benchmark\n# Data view: AJO Enabled Data View (prod)\n"
        f"# Date: {labels[0]} - {labels[-1]}\n#" + "=" * 65 + "\n\n"
        "#" + "#" * 45 + "\n# Freeform table\n#" + "#" * 45 + "\n"
        ",," + ",".join(WORKSPACE_METRICS) + "\n"
        "Journey Name (AJO),Day," + ",".join(f'"{t:,}"' for t in values.sum(axis=0)) + "\n"
    )
    path.write_text(header)
    index = np.arange(rows)
    table = pa.table(
        {
            "journey": pa.array(np.char.add("Journey ", (index // days % journeys).astype(str))),
            "day": pa.array(labels[index % days]),
            **{f"m{i}": pa.array(_thousands(values[:, i])) for i in range(len(WORKSPACE_METRICS))},
        }
    )
    with path.open("ab") as out:
        pa_csv.write_csv(
            table, out, pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        )
    return rows * len(WORKSPACE_METRICS)


def _thousands(numbers: np.ndarray) -> np.ndarray:
    """1234 -> "1,234" (numbers below a million), vectorized."""
    high, low = numbers // 1000, numbers % 1000
    grouped = np.char.add(np.char.add(high.astype(str), ","), np.char.zfill(low.astype(str), 3))
    return np.where(numbers >= 1000, grouped, numbers.astype(str))


def write_api_pages(
    path: Path, pages: int, rows_per_page: int, last_day: date, seed: int = 4
) -> int:
    """Reporting API answers saved as JSON Lines: one page per journey, one row per day."""
    import json

    rng = np.random.default_rng(seed)
    metrics = [("0", "metrics/sends_ajo"), ("1", "metrics/delivered_ajo"),
               ("2", "metrics/bounces_for_outbound_channels_ajo"), ("3", "metrics/email_opens_ajo"),
               ("4", "metrics/clicks_ajo")]  # fmt: skip
    days = [last_day - timedelta(days=rows_per_page - 1 - d) for d in range(rows_per_page)]
    item_ids = [f"{d.year - 1900}{d.month - 1:02d}{d.day:02d}" for d in days]
    labels = [f"{d:%b} {d.day}, {d.year}" for d in days]
    request = {"metricContainer": {"metrics": [{"columnId": c, "id": i} for c, i in metrics]},
               "dimension": "variables/daterangeday"}  # fmt: skip
    with path.open("w") as out:
        for page in range(pages):
            data = rng.poisson(1000, (rows_per_page, len(metrics))).astype(float).tolist()
            response = {
                "totalPages": 1, "firstPage": True, "lastPage": True, "number": 0,
                "columns": {"dimension": {"id": "variables/daterangeday", "type": "time"},
                            "columnIds": [c for c, _ in metrics]},
                "rows": [{"itemId": i, "value": v, "data": d}
                         for i, v, d in zip(item_ids, labels, data, strict=True)],
            }  # fmt: skip
            document = {"journey": f"Journey {page}", "request": request, "response": response}
            out.write(json.dumps(document) + "\n")
    return pages * rows_per_page * len(metrics)


CACHE = Path("/tmp/parity-bench")


def canonical_file(
    source: str,
    last_day: date,
    journeys: int,
    days: int = 400,
    actions: int = 5,
    captured_at: str | None = None,
    seed: int = 1,
    shift: float = 1.0,
) -> tuple[Path, int]:
    """A canonical CSV of one source, journeys x actions x days x 10 metrics, generated once
    and kept under /tmp/parity-bench (20 M rows take a minute to write): (path, rows).

    Written a few journeys at a time (memory stays flat at any size). `shift` scales the
    values, so a later capture of the same days differs from the first.
    """
    captured = captured_at or f"{last_day.isoformat()}T06:00:00Z"
    name = f"{source}-{journeys}j-{days}d-{actions}a-{last_day}-{captured[:13]}-{seed}-{shift}"
    path = CACHE / f"{name}.csv"
    per_journey = actions * days * len(BENCH_METRICS)
    if path.exists():
        return path, journeys * per_journey
    CACHE.mkdir(parents=True, exist_ok=True)
    # Two benchmarks may write the same file at once: each writes its own part, and the
    # rename that lands last replaces an identical file.
    partial = path.with_suffix(f".{os.getpid()}.part")
    rng = np.random.default_rng(seed if source == "ajo" else seed + 1)
    first = last_day - timedelta(days=days - 1)
    day_names = pa.array([(first + timedelta(days=d)).isoformat() for d in range(days)])
    metrics = pa.array(BENCH_METRICS)
    action_names = pa.array([f"Action {a}" for a in range(actions)])
    block = max(1, 2_000_000 // per_journey)  # journeys per batch: ~2 M rows
    schema = None
    with pa.OSFile(str(partial), "wb") as sink:
        writer = None
        for low in range(0, journeys, block):
            count = min(block, journeys - low)
            n = count * per_journey
            cell = np.arange(n)
            journey = low + cell // per_journey
            values = (rng.poisson(1000, n) * shift).astype(np.int64)
            if source == "cja":
                values = (values * rng.uniform(0.97, 1.0, n)).astype(np.int64)
            names = np.array([f"Journey {j}" for j in range(low, low + count)])
            ids = np.array([f"jo-{j}" if source == "ajo" else "" for j in range(low, low + count)])
            local = journey - low
            table = pa.table(
                {
                    "source": pa.array([source]).take(pa.array(np.zeros(n, dtype=np.int32))),
                    "captured_at": pa.array([captured]).take(pa.array(np.zeros(n, np.int32))),
                    "journey": pa.array(names).take(pa.array(local)),
                    "journey_id": pa.array(ids).take(pa.array(local)),
                    "action": action_names.take(
                        pa.array(cell // (days * len(BENCH_METRICS)) % actions)
                    ),
                    "channel": pa.array(["email"]).take(pa.array(np.zeros(n, np.int32))),
                    "day": day_names.take(pa.array(cell // len(BENCH_METRICS) % days)),
                    "metric": metrics.take(pa.array(cell % len(BENCH_METRICS))),
                    "value": pa.array(values),
                }
            )
            if writer is None:
                schema = table.schema
                options = pa_csv.WriteOptions(quoting_style="needed")
                writer = pa_csv.CSVWriter(sink, schema, write_options=options)
            writer.write_table(table)
        if writer is not None:
            writer.close()
    partial.replace(path)
    return path, journeys * per_journey
