"""The reconciliation core: a comparison frame and a query in, one result per metric out.

Pure: no Slack, no templates, no I/O. The caller hands it the aggregated frame the store
produced for the query (see bot.store.reader.comparison_frame).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import pandas as pd

from bot.config import Settings
from bot.metrics import EVIDENCE_ONLY, METRICS, RETRY_AFFECTED
from bot.query import Query
from bot.reconcile.causes import Rules, attribute
from bot.reconcile.result import CAUSES, Breakdown, MetricResult, SafeRange
from bot.reconcile.safe_range import safe_range

__all__ = ["CAUSES", "Breakdown", "MetricResult", "SafeRange", "metrics_needed", "reconcile"]


def metrics_needed(metrics: tuple[str, ...]) -> tuple[str, ...]:
    """The metrics to read from the store for these: retry-affected ones need AJO's retries."""
    if not metrics:
        return ()
    extra = ("retries",) if RETRY_AFFECTED.intersection(metrics) else ()
    return tuple(dict.fromkeys((*metrics, *extra)))


def rules_for(metric: str, settings: Settings, today: date) -> Rules:
    return Rules(
        today=today,
        lag_days=settings.lag_days,
        retry_window_days=settings.retry_window_days,
        tolerance_pct=settings.tolerance_for(metric),
    )


def reconcile(
    frame: pd.DataFrame,
    query: Query,
    journey_names: Mapping[int, str],
    today: date,
    settings: Settings,
) -> tuple[MetricResult, ...]:
    """Compare AJO and CJA for each metric of the query and explain every difference."""
    present = set(frame["metric"].unique())
    reported = tuple(m for m in METRICS if m in present and m not in EVIDENCE_ONLY)
    metrics = query.metrics or reported

    retries = frame.loc[frame["metric"] == "retries", ["journey_key", "day", "ajo"]]
    results = []
    for metric in metrics:
        cells = frame.loc[frame["metric"] == metric]
        if metric in RETRY_AFFECTED:
            cells = cells.merge(
                retries.rename(columns={"ajo": "ajo_retries"}),
                on=["journey_key", "day"],
                how="left",
            ).fillna({"ajo_retries": 0})
        rules = rules_for(metric, settings, today)
        cells = attribute(cells, metric, rules)
        cells["journey"] = cells["journey_key"].map(journey_names).fillna("(unknown journey)")
        results.append(_summarize(metric, cells, query, rules))
    return tuple(results)


def _breakdowns(cells: pd.DataFrame, by: str) -> list[Breakdown]:
    sums = cells.groupby(by, sort=True)[["ajo", "cja", *CAUSES]].sum()
    rows = []
    for label, row in zip(sums.index, sums.itertuples(index=False), strict=True):
        values = row._asdict()
        text = label.date().isoformat() if by == "day" else str(label)
        rows.append(
            Breakdown(
                label=text,
                ajo=int(values["ajo"]),
                cja=int(values["cja"]),
                causes={cause: int(values[cause]) for cause in CAUSES},
            )
        )
    return rows


def _summarize(metric: str, cells: pd.DataFrame, query: Query, rules: Rules) -> MetricResult:
    totals = {cause: int(cells[cause].sum()) for cause in CAUSES}
    by_journey = _breakdowns(cells, "journey")
    # Journeys with the most unexplained difference first: that is where to look.
    by_journey.sort(key=lambda b: (-abs(b.causes["unexplained"]), -abs(b.delta), b.label))
    cause_days = {
        cause: tuple(d.date() for d in sorted(cells.loc[cells[cause] != 0, "day"].unique()))
        for cause in CAUSES
    }
    return MetricResult(
        metric=metric,
        ajo=int(cells["ajo"].sum()),
        cja=int(cells["cja"].sum()),
        causes=totals,
        by_day=tuple(_breakdowns(cells, "day")),
        by_journey=tuple(by_journey),
        safe_range=safe_range(metric, query.start, query.end, rules),
        tolerance_pct=rules.tolerance_pct,
        cause_days=cause_days,
    )
