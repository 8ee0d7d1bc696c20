"""Synthetic canonical CSVs at benchmark scale, written with pyarrow (seconds, not minutes)."""

from __future__ import annotations

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
