"""Time zones: CJA's data view and AJO's report cut days at different hours.

If CJA's calendar runs h hours behind AJO's, the events of the first h hours of each AJO day
land on the previous CJA day: CJA(d) = (1 - f) A(d) + f A(d + 1), so the gap of day d is
f (A(d) - A(d + 1)), the day-to-day change in volume times the share f of a day that moved.
Ahead, the last hours move to the next day: gap = g (A(d) - A(d - 1)). Over the range the
shifts cancel, so totals agree while days swing.

Per journey, the settled days' remaining gap is fitted by least squares to a proportional
data-source difference c A(d) plus one shift term, for each direction; the better direction
is kept when its share is positive, beyond noise (t >= T_MIN), and the shift explains at
least MIN_EXPLAINED of the gap's variation once the proportional part is removed. One day
far off the fit (an outage, say) is left out of the fit and stays for later causes. The
offset in hours is 24 f: exact when events spread evenly over the day, an underestimate
when they cluster in daytime hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np

from bot.reconcile.detectors import CellView, Explanation, Finding, Seen
from bot.reconcile.wording import format_names, plural

MIN_DAYS = 7
T_MIN = 5.0
MIN_EXPLAINED = 0.5
# Events moved over the range, below which a shift is not worth telling.
MIN_MOVED = 10


@dataclass(frozen=True, eq=False, kw_only=True)
class TimeShift(Finding):
    cause: ClassVar[str] = "timezone"
    direction: str  # CJA's days "behind" or "ahead" of AJO's
    share: float  # of a day's events, moved to the neighbouring day
    explained: float  # share of the gap's variation the shift explains
    journeys: tuple
    days: tuple[date, ...]
    volume: int  # AJO's events on the days fitted
    total_gap: int  # the gap left on those days, over the range

    @classmethod
    def explain(cls, found: Sequence[TimeShift], seen: Seen) -> Explanation:
        weight = dict.fromkeys(("behind", "ahead"), 0)
        for f in found:
            weight[f.direction] += f.volume
        direction = max(weight, key=weight.get)
        chosen = [f for f in found if f.direction == direction]
        volume = sum(f.volume for f in chosen)
        share = sum(f.share * f.volume for f in chosen) / max(volume, 1)
        explained = min(f.explained for f in chosen)
        total_gap = sum(abs(f.total_gap) for f in chosen) / max(volume, 1)
        journeys = seen.journeys(k for f in chosen for k in f.journeys)
        hours = round(24 * share)
        offset = "less than an hour" if hours < 1 else f"about {plural(hours, 'hour')}"
        where, to = ("behind", "previous") if direction == "behind" else ("ahead of", "next")
        evidence = (
            f"daily gaps in {format_names(journeys)} swing with the day-to-day change in volume "
            f"(the shift explains at least {100 * explained:.0f} % of their variation; "
            f"{100 * share:.1f} % of each day moves to the {to} day) "
            f"while the range totals agree within {100 * total_gap:.1f} %"
        )
        check = (
            f"CJA looks {offset} {where} AJO: check the data view's time zone "
            "(Data view > Settings > Calendar)"
        )
        confidence = "high" if all(f.confidence == "high" for f in chosen) else "medium"
        return Explanation(confidence, evidence, check)


@dataclass(frozen=True)
class Fit:
    share: float  # f or g: the share of a day's events that moved to the neighbouring day
    t: float
    explained: float  # share of the gap's variation (beyond c A) the shift explains
    kept: np.ndarray  # positions used in the final fit


def _least_squares(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Ordinary least squares through the normal equations: with one or two columns that is
    a 2 x 2 solve, many times cheaper than an SVD for each of a journey's fits."""
    gram = x.T @ x
    scale = float(np.prod(np.diag(gram)))
    # Columns that are zero or proportional (1 - correlation squared below 1e-12).
    if scale <= 0 or np.linalg.det(gram) <= 1e-12 * scale:
        return None
    coef = np.linalg.solve(gram, x.T @ y)
    residual = y - x @ coef
    return coef, float(residual @ residual)


def _fit(y: np.ndarray, volume: np.ndarray, shift: np.ndarray) -> Fit | None:
    """Fit y = c volume + share shift, dropping days far off the first fit."""
    kept = np.arange(len(y))
    for attempt in range(2):
        x = np.column_stack([volume[kept], shift[kept]])
        solved = _least_squares(y[kept], x)
        if solved is None:
            return None
        coef, sse = solved
        residual = y - np.column_stack([volume, shift]) @ coef
        scale = 1.4826 * np.median(np.abs(residual[kept] - np.median(residual[kept])))
        outliers = np.abs(residual) > 4 * scale + 1
        if attempt or not outliers[kept].any():
            break
        kept = np.flatnonzero(~outliers)
        if len(kept) < MIN_DAYS:
            return None
    reduced = _least_squares(y[kept], volume[kept, None])
    if reduced is None or reduced[1] <= 0:
        return None
    dof = max(len(kept) - 2, 1)
    covariance = np.linalg.inv(x.T @ x) * (sse / dof)
    spread = float(np.sqrt(max(covariance[1, 1], 0.0)))
    t = float(coef[1] / spread) if spread > 0 else float("inf") * np.sign(coef[1])
    return Fit(float(coef[1]), t, 1 - sse / reduced[1], kept)


def _shift(view: CellView, direction: str, index: np.ndarray) -> np.ndarray:
    """AJO's change to the next day (CJA behind) or from the previous day (ahead)."""
    neighbour = view.ajo_next if direction == "behind" else view.ajo_prev
    return (view.ajo[index] - neighbour[index]).astype(float)


def detect(
    view: CellView, rest: np.ndarray, fit_on: np.ndarray, apply_to: np.ndarray
) -> list[TimeShift]:
    """One finding per journey whose days swing with the change in volume.

    The fit uses the `fit_on` days (settled, AJO and its neighbours whole); the shift it
    finds is applied to every `apply_to` day of the journey, including days still being
    processed, whose shift is as predictable as any other's.
    """
    findings = []
    for _, journey in view.journeys():
        index = np.flatnonzero(journey & fit_on)
        if len(index) < MIN_DAYS:
            continue
        y = rest[index].astype(float)
        volume = view.ajo[index].astype(float)
        shifts = {d: _shift(view, d, index) for d in ("behind", "ahead")}
        fits = {d: _fit(y, volume, s) for d, s in shifts.items()}
        candidates = [
            (d, f)
            for d, f in fits.items()
            if f and 0 < f.share <= 1 and f.t >= T_MIN and f.explained >= MIN_EXPLAINED
        ]
        if not candidates:
            continue
        direction, fit = max(candidates, key=lambda c: c[1].explained)
        applied = np.flatnonzero(journey & apply_to)
        moved = np.rint(fit.share * _shift(view, direction, applied)).astype(np.int64)
        if np.abs(moved).sum() < MIN_MOVED:
            continue
        amount = np.zeros(len(view), dtype=np.int64)
        amount[applied] = moved
        strong = fit.t >= 2 * T_MIN and fit.explained >= 0.8
        findings.append(
            TimeShift(
                amount=amount,
                confidence="high" if strong else "medium",
                direction=direction,
                share=fit.share,
                explained=fit.explained,
                journeys=view.keys(journey),
                days=view.dates(amount != 0),
                volume=int(view.ajo[index].sum()),
                total_gap=int(rest[index].sum()),
            )
        )
    return findings
