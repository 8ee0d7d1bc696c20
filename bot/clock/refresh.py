"""Refresh on demand: run the configured pulls now (`/parity refresh`, the Refresh button).

The same pull functions the clock schedules (PARITY_PULLS), for the same days, but now; one
pull of a source at a time across every process (bot.store.locks): a pull that is running,
or finished less than COOLDOWN ago, is not started again, and the person is told when the
numbers were last fetched. What the pulls stored goes through the alert checks like any
snapshot. Slack-free: bot.slack.refresh shows the progress, templates/refresh.j2 the words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.clock import alerting
from bot.clock.guard import LEASE, Outcome, Runtime
from bot.errors import ParityError
from bot.store import SnapshotReport

# A pull that finished this recently has numbers as fresh as the products give.
COOLDOWN = timedelta(minutes=10)
# The product each pull fetches, by the name PARITY_PULLS schedules it under.
SOURCE_OF = {"cja": "cja", "ajo": "ajo", "query_service": "ajo"}


class NothingToRefresh(ParityError):
    """No pull is configured for what was asked."""


@dataclass(frozen=True)
class Pulled:
    """One pull of a refresh: waiting | running | pulled | busy | recent | failed."""

    name: str
    status: str
    reports: tuple[SnapshotReport, ...] = ()
    detail: str = ""
    at: datetime | None = None  # busy: started at; recent: finished at

    @property
    def source(self) -> str:
        return SOURCE_OF.get(self.name, self.name)

    @property
    def new(self) -> tuple[SnapshotReport, ...]:
        return tuple(r for r in self.reports if not r.duplicate)


@dataclass(frozen=True)
class Refresh:
    now: datetime
    pulls: tuple[Pulled, ...]
    alerts: tuple[Outcome, ...] = ()
    done: bool = False

    @property
    def new(self) -> tuple[SnapshotReport, ...]:
        return tuple(r for p in self.pulls for r in p.new)

    @property
    def cooldown_minutes(self) -> int:
        return int(COOLDOWN.total_seconds() // 60)


def configured(runtime: Runtime, source: str | None = None) -> list[str]:
    """The pulls a refresh runs: those PARITY_PULLS schedules that a connector provides."""
    names = [n for n in sorted(runtime.settings.pulls) if n in runtime.pulls]
    if source:
        names = [n for n in names if SOURCE_OF.get(n, n) == source]
    if not names:
        which = f" for {source.upper()}" if source else ""
        raise NothingToRefresh(
            f"No pull is configured{which} (PARITY_PULLS), so there is nothing to refresh: "
            "share a fresh export where I am, or ask whoever runs Parity to set up the pulls."
        )
    return names


def refresh(
    runtime: Runtime,
    source: str | None,
    holder: str,
    progress: Callable[[Refresh], None] = lambda _: None,
) -> Refresh:
    """Run the configured pulls of `source` (None: all) now, one after the other."""
    names = configured(runtime, source)
    now = runtime.now()
    state = Refresh(now, tuple(Pulled(name, "waiting") for name in names))
    reports: list[SnapshotReport] = []
    for index, name in enumerate(names):
        held = _hold(runtime, name, holder)
        if held is not None:  # running elsewhere, or fresh enough
            state = _with(state, index, held)
            continue
        state = _with(state, index, Pulled(name, "running"))
        progress(state)
        pulled = _pull(runtime, name, holder)
        reports += pulled.reports
        state = _with(state, index, pulled)
    progress(state)
    alerts = alerting.after_snapshots(runtime, reports)
    state = replace(state, alerts=tuple(alerts), done=True)
    progress(state)
    return state


def _with(state: Refresh, index: int, pulled: Pulled) -> Refresh:
    pulls = list(state.pulls)
    pulls[index] = pulled
    return replace(state, pulls=tuple(pulls))


def _hold(runtime: Runtime, name: str, holder: str) -> Pulled | None:
    """Take the pull `name` for `holder`; None when taken, else why it cannot be."""
    records = runtime.store.alerts
    if records.acquire_pull(name, holder, runtime.now(), LEASE, COOLDOWN) is not None:
        return None
    lock = records.pull_lock(name)
    if lock is None or lock.running:
        return Pulled(name, "busy", at=lock.claimed_at if lock else None)
    return Pulled(name, "recent", detail=lock.outcome or "", at=lock.finished_at)


def _pull(runtime: Runtime, name: str, holder: str) -> Pulled:
    """Run the held pull `name` for the configured days, then let it go."""
    now = runtime.now()
    outcome = "failed"
    try:
        until = runtime.reporting_day(now)
        since = until - timedelta(days=runtime.settings.pull_days - 1)
        result = runtime.pulls[name](runtime.settings, runtime.store, since, until, now)
        reports = tuple(r for r in (result or ()) if isinstance(r, SnapshotReport))
        outcome = f"{sum(not r.duplicate for r in reports)} new snapshot(s)"
        return Pulled(name, "pulled", reports, outcome)
    except ParityError as error:
        outcome = f"failed: {error}"
        return Pulled(name, "failed", detail=str(error))
    finally:
        runtime.store.alerts.release_pull(name, holder, runtime.now(), outcome)
