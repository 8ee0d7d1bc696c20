"""When an alert episode opens, moves, resolves or reopens: pure decisions from checks.

An episode is one journey's gap of one cause (unexplained, missing data, duplicate data, a
time-zone shift) told in one channel. It keeps the settled days the gap was seen on, per
metric; each check replaces the days it judged again (a backfilled day leaves, a new day
joins) and drops days older than the alert window. From those days, per metric:

- size: the cause's amount, each day's taken as positive (time-zone swings cancel out in a
  sum), against the volume (the larger side) of the same days;
- the bar: for unexplained gaps, the watch's threshold or else the metric's tolerance, as a
  share of the volume; the documented causes and the detectors' own tests already decided
  the others, so their bar is 0;
- noise: the size must stand out of counting noise, `size / sqrt(volume)`.

An episode opens when some metric clears the bar by OPEN_Z; it stays open while one still
clears half the bar by STAY_Z (a gap hovering at the bar neither flaps nor lingers), and it
resolves when none does (the gap was explained, backfilled, or is gone). A resolved episode
whose gap comes back within FLAP of its resolution reopens, as the same episode. One that a
person resolved stays resolved for the days it covered: only later days open a new one. A
mute outlives its episode: a new episode of the same journey and cause is born muted.

A revision's kind says what a reader is told: `opened`; `grew` or `shrank` (the size moved
materially: see `material`); `changed` (an edit in place, nothing to announce); `resolved`,
`reopened`; and what people did (bot.alerts.actions): `acknowledged`, `muted`, `resolved`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.alerts.checks import JourneyCheck
from bot.formatting import format_day, format_pct
from bot.metrics import DISPLAY_NAMES, METRICS
from bot.store.episodes import OPEN, RESOLVED, Episode, Figure, GapDay, Revision

OPEN_Z = 2.0
STAY_Z = 1.0
FLAP = timedelta(days=1)
# A move is material when the share moves by this much of itself (and a point at least), or
# the size by this factor, or metrics cross the bar or fall below it.
MATERIAL_SHARE = 0.25
MATERIAL_POINTS = 1.0
MATERIAL_FACTOR = 1.5

# Revisions worth a line in the thread (the first message says "opened" by itself), and
# what an acknowledged episode no longer tells.
TOLD = frozenset({"grew", "shrank", "reopened", "resolved", "acknowledged", "muted"})
QUIET_ONCE_ACKNOWLEDGED = frozenset({"grew", "shrank"})

# The reconciliation's sentences for some metrics: metric -> (evidence, check, confidence).
Explain = Callable[[Sequence[str]], dict[str, tuple[str, str, str]]]


@dataclass(frozen=True)
class Policy:
    """What one watch asks of one cause: which metrics, and the bar for unexplained gaps."""

    cause: str
    metrics: tuple[str, ...]  # empty: every metric
    threshold_pct: float | None
    tolerances: dict[str, float]  # metric -> tolerance (%), for metrics without a threshold

    def bar(self, metric: str) -> float:
        if self.cause != "unexplained":
            return 0.0
        if self.threshold_pct is not None:
            return self.threshold_pct
        return self.tolerances.get(metric, 0.0)

    @property
    def shown_bar(self) -> float:
        """The bar the message names (the threshold, else the first metric's tolerance)."""
        if self.cause != "unexplained":
            return 0.0
        if self.threshold_pct is not None:
            return self.threshold_pct
        return max(self.tolerances.values(), default=0.0)

    def watches(self, metric: str) -> bool:
        return not self.metrics or metric in self.metrics


def merge(
    days: Iterable[GapDay],
    check: JourneyCheck,
    policy: Policy,
    window_start: date,
    after: date | None = None,
) -> tuple[GapDay, ...]:
    """The episode's days after `check`: those it judged again replaced by what it saw."""
    kept = [d for d in days if (d.metric, d.day) not in check.checked and d.day >= window_start]
    seen = [
        g
        for g in check.gaps_of(policy.cause)
        if policy.watches(g.metric) and g.day >= window_start and (after is None or g.day > after)
    ]
    order = {m: i for i, m in enumerate(METRICS)}
    return tuple(sorted(kept + seen, key=lambda d: (order.get(d.metric, 99), d.day)))


def figures(days: Sequence[GapDay]) -> tuple[Figure, ...]:
    """Per metric: the size of the gap over its days, the largest first."""
    by_metric: dict[str, list[GapDay]] = {}
    for day in days:
        by_metric.setdefault(day.metric, []).append(day)
    found = [
        Figure(
            metric=metric,
            ajo=sum(d.ajo for d in group),
            cja=sum(d.cja for d in group),
            amount=sum(abs(d.amount) for d in group),
            volume=sum(max(d.ajo, d.cja) for d in group),
            first_day=min(d.day for d in group),
            last_day=max(d.day for d in group),
            days=len(group),
        )
        for metric, group in by_metric.items()
    ]
    return tuple(sorted(found, key=lambda f: (-f.share, -f.amount, f.metric)))


def clears(figure: Figure, policy: Policy, z: float, bar_share: float = 1.0) -> bool:
    noise = math.sqrt(max(figure.volume, 1))
    return figure.share >= bar_share * policy.bar(figure.metric) and figure.amount >= z * noise


def material(before: Sequence[Figure], after: Sequence[Figure]) -> bool:
    """Whether a move is worth a line in the thread, not just an edit in place."""
    if {f.metric for f in before} != {f.metric for f in after}:
        return True
    old_amount, new_amount = sum(f.amount for f in before), sum(f.amount for f in after)
    if old_amount and not 1 / MATERIAL_FACTOR < new_amount / old_amount < MATERIAL_FACTOR:
        return True
    old, new = {f.metric: f.share for f in before}, {f.metric: f.share for f in after}
    return any(abs(new[m] - old[m]) >= max(MATERIAL_POINTS, MATERIAL_SHARE * old[m]) for m in old)


def _span(first: date, last: date) -> str:
    return format_day(first) if first == last else f"{format_day(first)} – {format_day(last)}"


def summary(shown: Sequence[Figure]) -> str:
    """One plain line for the thread and the replay: "Clicks 106 of 1,051 (10.1 %) on
    28 days, Oct 10 – Nov 7"."""
    parts = [
        f"{DISPLAY_NAMES[f.metric]} {f.amount:,} of {f.volume:,} ({format_pct(f.share)}) "
        f"on {f.days} day{'s' if f.days != 1 else ''}, {_span(f.first_day, f.last_day)}"
        for f in shown[:3]
    ]
    more = f" and {len(shown) - 3} more metrics" if len(shown) > 3 else ""
    return "; ".join(parts) + more


def decide(
    current: Episode | None,
    check: JourneyCheck,
    policy: Policy,
    *,
    channel_id: str,
    now: datetime,
    window_start: date,
    explain: Explain,
    snapshot_id: int | None = None,
) -> Revision | None:
    """The change `check` makes to the channel's latest episode of this journey and cause
    (None: nothing a reader would see changed)."""
    if current is not None and current.is_open:
        return _follow(current, check, policy, now, window_start, explain, snapshot_id)
    flapping = (
        current is not None
        and current.resolved_by is None
        and current.resolved_at is not None
        and now - current.resolved_at <= FLAP
    )
    if flapping:
        return _reopen(current, check, policy, now, window_start, explain, snapshot_id)
    after = current.last_day if current is not None and current.resolved_by else None
    days = merge((), check, policy, window_start, after)
    shown = tuple(f for f in figures(days) if clears(f, policy, OPEN_Z))
    if not shown:
        return None
    inherited = current.muted_until if current is not None and current.muted(now) else None
    episode = Episode(
        id=0,
        channel_id=channel_id,
        journey=check.journey,
        cause=policy.cause,
        generation=(current.generation + 1) if current is not None else 1,
        status=OPEN,
        revision=1,
        opened_at=now,
        updated_at=now,
        first_day=min(f.first_day for f in shown),
        last_day=max(f.last_day for f in shown),
        threshold_pct=policy.shown_bar,
        figures=_explained(shown, explain),
        muted_until=inherited,
        muted_by=current.muted_by if inherited else None,
        days=days,
    )
    return Revision(episode, "opened", summary(shown), snapshot_id)


def _follow(
    current: Episode,
    check: JourneyCheck,
    policy: Policy,
    now: datetime,
    window_start: date,
    explain: Explain,
    snapshot_id: int | None,
) -> Revision | None:
    days = merge(current.days, check, policy, window_start)
    shown = tuple(f for f in figures(days) if clears(f, policy, STAY_Z, bar_share=0.5))
    if not shown:
        resolved = advanced(current, now, days, status=RESOLVED, resolved_at=now)
        return Revision(
            resolved, "resolved", "the days checked again no longer show it", snapshot_id
        )
    if _same(current.figures, shown):
        return None
    kind = "changed"
    if material(current.figures, shown):
        kind = "grew" if sum(f.amount for f in shown) >= current.amount else "shrank"
    # A quiet edit keeps the evidence it had; a move worth telling asks again.
    known = {f.metric: f for f in current.figures} if kind == "changed" else {}
    moved = advanced(
        current,
        now,
        days,
        figures=_explained(shown, explain, known),
        first_day=min(current.first_day, *(f.first_day for f in shown)),
        last_day=max(f.last_day for f in shown),
    )
    return Revision(moved, kind, summary(shown), snapshot_id)


def _reopen(
    current: Episode,
    check: JourneyCheck,
    policy: Policy,
    now: datetime,
    window_start: date,
    explain: Explain,
    snapshot_id: int | None,
) -> Revision | None:
    days = merge(current.days, check, policy, window_start)
    shown = tuple(f for f in figures(days) if clears(f, policy, OPEN_Z))
    if not shown:
        return None
    reopened = advanced(
        current,
        now,
        days,
        status=OPEN,
        resolved_at=None,
        figures=_explained(shown, explain),
        last_day=max(f.last_day for f in shown),
    )
    return Revision(reopened, "reopened", summary(shown), snapshot_id)


def _same(before: Sequence[Figure], after: Sequence[Figure]) -> bool:
    key = lambda f: (f.metric, f.ajo, f.cja, f.amount, f.first_day, f.last_day)  # noqa: E731
    return sorted(map(key, before)) == sorted(map(key, after))


def _explained(
    shown: Sequence[Figure], explain: Explain, known: dict[str, Figure] | None = None
) -> tuple[Figure, ...]:
    """The figures with the reconciliation's evidence (asked for only when they change, in
    one question for all the metrics that need it; `known` figures lend theirs)."""
    known = {m: f for m, f in (known or {}).items() if f.evidence}
    asked = explain([f.metric for f in shown if f.metric not in known])
    result = []
    for figure in shown:
        if figure.metric in known:
            before = known[figure.metric]
            sentences = (before.evidence, before.check, before.confidence)
        else:
            sentences = asked.get(figure.metric, ("", "", ""))
        evidence, check, confidence = sentences
        result.append(replace(figure, evidence=evidence, check=check, confidence=confidence))
    return tuple(result)


def advanced(current: Episode, now: datetime, days: tuple[GapDay, ...], **changes) -> Episode:
    """The episode's next revision: `changes` applied, stamped `now`."""
    return replace(current, revision=current.revision + 1, updated_at=now, days=days, **changes)


def tells_thread(episode: Episode, kind: str, now: datetime) -> bool:
    """Whether a revision of this kind earns a line in the alert's thread: a muted episode is
    edited silently, an acknowledged one only tells that it resolved or came back."""
    if kind not in TOLD:
        return False
    if kind != "muted" and episode.muted(now):
        return False
    return not (episode.acknowledged_by and kind in QUIET_ONCE_ACKNOWLEDGED)
