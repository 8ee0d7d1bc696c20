"""Every fact about a cause, in one registry: one frozen `Cause` per cause.

The order is the answer contract's (DESIGN.md): the JSON lists causes in it, the ledger
keeps a column per cause in it, and unexplained is always last. A cause's evidence type is
the Finding subclass its detector hands over; that class also writes the cause's evidence
sentence. Chart styles are plain data (colours and matplotlib hatch patterns as strings):
the core draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.reconcile import datasource, retries
from bot.reconcile.detectors import Finding, duplicate, lag, missing, timezone, unexplained


@dataclass(frozen=True)
class ChartStyle:
    """How charts show a cause: its part of a day's gap bar, and the hatch over the days
    it marks (None: its days are not marked, only its part of the bar)."""

    colour: str
    hatch: str | None = None


@dataclass(frozen=True)
class Cause:
    """One cause of a gap between AJO and CJA and everything Parity knows about it."""

    name: str  # as in the JSON answer
    label: str  # as replies, charts and the evaluation name it
    description: str  # what it means, in one sentence
    style: ChartStyle
    evidence: type[Finding]
    # What an alert about it is called; None for the documented causes, which need nobody
    # (bot.alerts opens episodes only for causes that name one).
    alert: str | None = None


REGISTRY: tuple[Cause, ...] = (
    Cause(
        "processing_lag",
        "processing lag",
        "the two products ingest at different speeds; the most recent days are not final "
        "in one of them",
        ChartStyle("#8e6bd1", "//"),
        lag.ProcessingLag,
    ),
    Cause(
        "retries",
        "retries",
        "AJO's Sent counts messages still in the retry queue; CJA's does not, and retries "
        "later converge into delivered or bounces",
        ChartStyle("#e68619", "\\\\"),
        retries.Retries,
    ),
    Cause(
        "datasource",
        "data source",
        "the products report from different data sources; 1–2 % apart is normal",
        ChartStyle("#c8c8c8"),
        datasource.DataSource,
    ),
    Cause(
        "timezone",
        "time zone",
        "the CJA data view and the AJO report cut days in different time zones, so events "
        "slide to the neighbouring day",
        ChartStyle("#0d9488"),
        timezone.TimeShift,
        alert="time-zone shift",
    ),
    Cause(
        "missing_data",
        "missing data",
        "a dataset is not in the CJA connection, or an export is missing a metric, a "
        "journey or days",
        ChartStyle("#d83790"),
        missing.MissingData,
        alert="missing data",
    ),
    Cause(
        "duplicate_data",
        "duplicate data",
        "a dataset or a backfill was ingested twice, so one side is about double the other",
        ChartStyle("#b7950b"),
        duplicate.DuplicateData,
        alert="duplicate data",
    ),
    Cause(
        "unexplained",
        "unexplained",
        "none of the above: someone should look (filters in the data view, identity settings)",
        ChartStyle("#222222"),
        unexplained.Unexplained,
        alert="unexplained gap",
    ),
)

_BY_NAME: dict[str, Cause] = {cause.name: cause for cause in REGISTRY}

# The names, in the contract's order (unexplained last).
CAUSES: tuple[str, ...] = tuple(cause.name for cause in REGISTRY)


def cause_named(name: str) -> Cause:
    """The registry's entry for a cause name (KeyError names an unknown one)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"'{name}' is not a cause in bot.reconcile.registry.REGISTRY") from None
