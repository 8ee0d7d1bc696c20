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

When AJO's own midnight cuts a send batch, a day holds the tail of one batch and the head
of the next, and the part that moves follows the neighbouring day's volume rather than its
own: one term alone then fits with the wrong sign. Both terms together (Joint) are kept
when they explain clearly more (JOINT_GAIN) than one. When a pull recorded the data view's
zone (bot.reconcile.recorded), its direction is a fact: only fits in that direction count,
at a lower t (T_KNOWN), a zone keeping the reporting clock rules a shift out, and the
answer states the zone instead of guessing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np

from bot.reconcile.detectors import CellView, Explanation, Finding, Groups, Seen
from bot.reconcile.recorded import Recorded
from bot.reconcile.wording import format_names, plural

MIN_DAYS = 7
T_MIN = 5.0
MIN_EXPLAINED = 0.5
# The t a shift needs when a pull recorded the data view's zone: only its size is in doubt.
T_KNOWN = 3.0
# How much more of the gap's variation both shift terms together must explain than one
# alone before the two-term shift is preferred.
JOINT_GAIN = 0.15
# Neither term moves more than half a day's events (a zone further off is nearer the other
# way round); a larger share is a pattern of something else (a retry queue draining, say).
JOINT_MAX_SHARE = 0.5
# Events moved over the range, below which a shift is not worth telling.
MIN_MOVED = 10


@dataclass(frozen=True, eq=False, kw_only=True)
class TimeShift(Finding):
    """The journeys shifted in one direction (one finding for all of them: a data view's
    time zone shifts every journey, and a finding per journey would hold an amount per
    cell each)."""

    cause: ClassVar[str] = "timezone"
    direction: str  # CJA's days "behind" or "ahead" of AJO's
    share: float  # of a day's events, moved to the neighbouring day (volume-weighted)
    explained: float  # share of the gap's variation the shift explains (the least of all)
    journeys: tuple
    days: tuple[date, ...]
    volume: int  # AJO's events on the days fitted
    total_gap: int  # the gap left on those days over the range, summed per journey unsigned
    # What a pull recorded about CJA's zone, as a sentence; empty when nothing was recorded.
    recorded: str = ""

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
        if chosen[0].recorded:
            # A known fact, stated instead of inferred.
            check = (
                f"{chosen[0].recorded}: set the data view's time zone (Data view > Settings > "
                "Calendar) to the reporting one, or compare whole weeks"
            )
        confidence = "high" if all(f.confidence == "high" for f in chosen) else "medium"
        return Explanation(confidence, evidence, check)


class _Sums:
    """Per journey, the sums a least-squares fit of y = c volume + share shift needs over
    the cells in `kept`: each journey's fit is a 2 x 2 solve, all journeys in one pass."""

    def __init__(self, groups: Groups, y, volume, shift, kept: np.ndarray) -> None:
        self.vv = groups.sum(volume * volume, kept)
        self.vs = groups.sum(volume * shift, kept)
        self.ss = groups.sum(shift * shift, kept)
        self.vy = groups.sum(volume * y, kept)
        self.sy = groups.sum(shift * y, kept)
        self.days = groups.count(kept)

    def solve(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(c, share, solvable, the 2 x 2 determinant) per journey; columns that are zero
        or proportional (1 - correlation squared below 1e-12) are not solvable."""
        scale = self.vv * self.ss
        det = scale - self.vs * self.vs
        solvable = (scale > 0) & (det > 1e-12 * scale)
        safe = np.where(solvable, det, 1.0)
        c = (self.ss * self.vy - self.vs * self.sy) / safe
        share = (self.vv * self.sy - self.vs * self.vy) / safe
        return c, share, solvable, safe


@dataclass(frozen=True)
class Fits:
    """One direction's fit for every journey."""

    share: np.ndarray  # f or g: the share of a day's events that moved to the neighbour
    t: np.ndarray
    explained: np.ndarray  # share of the gap's variation (beyond c A) the shift explains
    valid: np.ndarray  # the journey could be fitted at all


def _fit(groups: Groups, y, volume, shift, fit_on: np.ndarray) -> Fits:
    """Fit y = c volume + share shift per journey, dropping days far off the first fit."""
    ids = groups.ids
    kept = fit_on.copy()
    valid = groups.count(fit_on) >= MIN_DAYS
    sums = _Sums(groups, y, volume, shift, kept)
    c, share, solvable, det = sums.solve()
    valid &= solvable
    residual = y - (volume * c[ids] + shift * share[ids])
    scale = 1.4826 * groups.mad(residual, kept)
    outliers = fit_on & (np.abs(residual) > 4 * scale[ids] + 1)
    refit = valid & (groups.count(outliers) > 0)
    if refit.any():
        kept = fit_on & ~(outliers & refit[ids])
        valid &= ~refit | (groups.count(kept) >= MIN_DAYS)
        sums = _Sums(groups, y, volume, shift, kept)
        c2, share2, solvable2, det2 = sums.solve()
        valid &= ~refit | solvable2
        c, share, det = (np.where(refit, new, old) for new, old in
                         ((c2, c), (share2, share), (det2, det)))  # fmt: skip
    else:
        sums = _Sums(groups, y, volume, shift, kept)
    residual = y - (volume * c[ids] + shift * share[ids])
    sse = groups.sum(residual * residual, kept)
    # The fit without the shift: how much of the gap's variation is left for it to explain.
    reduced = sums.vy / np.where(sums.vv > 0, sums.vv, 1.0)
    rest = y - volume * reduced[ids]
    reduced_sse = groups.sum(rest * rest, kept)
    valid &= (sums.vv > 0) & (reduced_sse > 0)
    dof = np.maximum(sums.days - 2, 1)
    variance = sums.vv / det * (sse / dof)
    spread = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(spread > 0, share / spread, np.inf * np.sign(share))
        explained = 1 - sse / np.where(reduced_sse > 0, reduced_sse, 1.0)
    return Fits(share, t, explained, valid)


def _shift(view: CellView, direction: str) -> np.ndarray:
    """AJO's change to the next day (CJA behind) or from the previous day (ahead)."""
    neighbour = view.ajo_next if direction == "behind" else view.ajo_prev
    return (view.ajo - neighbour).astype(float)


DIRECTIONS = ("behind", "ahead")


@dataclass(frozen=True)
class Joint:
    """Both shift terms at once, for one journey."""

    ahead: float  # coefficient of A(d) - A(d - 1)
    behind: float  # coefficient of A(d) - A(d + 1)
    t: float  # the larger |t| of the two
    explained: float

    @property
    def direction(self) -> str:
        return "ahead" if self.ahead - self.behind > 0 else "behind"


def _joint(
    y: np.ndarray, volume: np.ndarray, ahead: np.ndarray, behind: np.ndarray
) -> Joint | None:
    """y = c volume + a (A(d) - A(d - 1)) + b (A(d) - A(d + 1)) by least squares."""
    if len(y) < MIN_DAYS:
        return None
    x = np.column_stack([volume, ahead, behind])
    gram = x.T @ x
    scale = float(np.prod(np.diag(gram)))
    vv = float(volume @ volume)
    if scale <= 0 or vv <= 0 or np.linalg.det(gram) <= 1e-12 * scale:
        return None
    coef = np.linalg.solve(gram, x.T @ y)
    sse = float(((y - x @ coef) ** 2).sum())
    reduced = float(((y - volume * (volume @ y) / vv) ** 2).sum())
    if reduced <= 0:
        return None
    covariance = np.linalg.inv(gram) * (sse / max(len(y) - 3, 1))
    spread = np.sqrt(np.maximum(np.diag(covariance)[1:], 1e-12))
    t = float(np.max(np.abs(coef[1:]) / spread))
    return Joint(float(coef[1]), float(coef[2]), t, 1 - sse / reduced)


def _joints(groups: Groups, y, volume, shifts, fit_on, best, t_min, known) -> dict[int, Joint]:
    """The journeys whose two-term shift explains clearly more than their best single
    term (`best`, 0 where none passed); each journey's cells are visited once."""
    found = {}
    for group in range(len(groups)):
        index = groups.cells(group)
        index = index[fit_on[index]]
        joint = _joint(y[index], volume[index], shifts["ahead"][index], shifts["behind"][index])
        if (
            joint is not None
            and joint.t >= t_min
            and known in (joint.direction, "unknown", "mixed")
            and joint.explained >= max(MIN_EXPLAINED, best[group] + JOINT_GAIN)
            and max(abs(joint.ahead), abs(joint.behind)) <= JOINT_MAX_SHARE
        ):
            found[group] = joint
    return found


def detect(
    view: CellView,
    rest: np.ndarray,
    fit_on: np.ndarray,
    apply_to: np.ndarray,
    known: Recorded | None = None,
) -> list[TimeShift]:
    """At most one finding per direction, for the journeys whose days swing with the change
    in volume.

    The fit uses the `fit_on` days (settled, AJO and its neighbours whole); the shift it
    finds is applied to every `apply_to` day of the journey, including days still being
    processed, whose shift is as predictable as any other's.
    """
    groups = view.groups
    # A recorded data-view zone settles the direction (and one keeping the reporting zone's
    # clock rules a shift out); the fit then only has to show its size.
    direction_known = known.direction if known is not None else "unknown"
    if not len(view) or direction_known is None:
        return []
    t_min = T_KNOWN if direction_known in DIRECTIONS else T_MIN
    y = rest.astype(float)
    volume = view.ajo.astype(float)
    shifts = {d: _shift(view, d) for d in DIRECTIONS}
    fits = {d: _fit(groups, y, volume, shifts[d], fit_on) for d in DIRECTIONS}
    candidate = {
        d: f.valid
        & (f.share > 0)
        & (f.share <= 1)
        & (f.t >= t_min)
        & (f.explained >= MIN_EXPLAINED)
        & (direction_known in (d, "unknown", "mixed"))
        for d, f in fits.items()
    }
    best = np.maximum(
        *(np.where(candidate[d], np.nan_to_num(fits[d].explained), 0.0) for d in DIRECTIONS)
    )
    joints = _joints(groups, y, volume, shifts, fit_on, best, t_min, direction_known)
    two_terms = np.zeros(len(groups), dtype=bool)
    two_terms[list(joints)] = True
    candidate = {d: c & ~two_terms for d, c in candidate.items()}
    # The better direction wins; "behind" on a tie.
    ahead = candidate["ahead"] & (
        ~candidate["behind"] | (fits["ahead"].explained > fits["behind"].explained)
    )
    chosen = {"behind": candidate["behind"] & ~ahead, "ahead": ahead}
    fitted_volume = groups.sum(view.ajo, fit_on)
    fitted_gap = groups.sum(rest, fit_on)
    findings = []
    for direction in DIRECTIONS:
        fit = fits[direction]
        ids = groups.ids
        applied = apply_to & chosen[direction][ids]
        moved = np.where(applied, np.rint(fit.share[ids] * shifts[direction]), 0).astype(np.int64)
        # A shift moving fewer events than MIN_MOVED over the range is not worth telling.
        keep = chosen[direction] & (groups.sum(np.abs(moved)) >= MIN_MOVED)
        if not keep.any():
            continue
        amount = np.where(keep[ids], moved, 0)
        strong = (fit.t >= 2 * T_MIN) & (fit.explained >= 0.8)
        weight = fitted_volume[keep]
        findings.append(
            TimeShift(
                amount=amount,
                confidence="high" if strong[keep].all() else "medium",
                direction=direction,
                share=float((fit.share[keep] * weight).sum() / max(weight.sum(), 1)),
                explained=float(fit.explained[keep].min()),
                journeys=tuple(k.item() if hasattr(k, "item") else k for k in groups.keys[keep]),
                days=view.dates(amount != 0),
                volume=int(weight.sum()),
                total_gap=int(np.abs(fitted_gap[keep]).sum()),
                recorded=known.describe() if known is not None else "",
            )
        )
    for group, joint in joints.items():
        cells = groups.cells(group)
        cells = cells[apply_to[cells]]
        moved = joint.ahead * shifts["ahead"][cells] + joint.behind * shifts["behind"][cells]
        amount = np.zeros(len(view), dtype=np.int64)
        amount[cells] = np.rint(moved).astype(np.int64)
        if np.abs(amount).sum() < MIN_MOVED:
            continue
        strong = joint.t >= 2 * T_MIN and joint.explained >= 0.8
        fitted = int(fitted_volume[group])
        findings.append(
            TimeShift(
                amount=amount,
                confidence="high" if strong else "medium",
                direction=joint.direction,
                share=max(abs(joint.ahead), abs(joint.behind)),
                explained=joint.explained,
                journeys=(
                    groups.keys[group].item()
                    if hasattr(groups.keys[group], "item")
                    else groups.keys[group],
                ),
                days=view.dates(amount != 0),
                volume=fitted,
                total_gap=int(abs(fitted_gap[group])),
                recorded=known.describe() if known is not None else "",
            )
        )
    return findings
