"""A settled day one product reports nothing for, when the data view's time-zone shift
explains the nothing.

Missing data is found before the time zone (its zeros would mislead the fit), and a day
one side reports 0 for while the other has volume is a hole. But a journey that paused or
launched has real zeros next to days that send, and a data view in another zone moves
hours across midnight: behind, the first hours of the day after a pause land on its last
paused day, so CJA counts events on a day AJO sent nothing; a batch that CJA's midnight
puts wholly on the next day leaves CJA nothing on a journey's last day before a pause (or
its first, ahead). Those zeros are the shift's, not a dataset missing from the connection.

So the shift is applied to a day hole too (and, for a zero of AJO's, to the days next to
it, which the fit reads AJO's value of), and the hole is the shift's where it stands
alone (a dataset or an export missing from the connection empties a run of days; a pause
or a launch makes one empty day at its edge) and what the shift moves there accounts for
the gap: the same sign, and within a factor MOVED_SHARE of it either way (about all of the
day, not the share of it a shift moves on other days). Otherwise the hole stays missing
data, and the shift takes nothing on it (nor on the days next to a zero of AJO's: that
zero may be an export missing a day, which the fit should not have read).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.reconcile.detectors import CellView, neighbour
from bot.reconcile.detectors.missing import MissingData, narrowed

# What the shift moves on a hole must be at least this share of its gap, and the gap at
# least this share of what it moves: about all of the day, not a share of it.
MOVED_SHARE = 0.8


def day_holes(gaps: Sequence[MissingData]) -> tuple[np.ndarray, np.ndarray] | None:
    """The cells of days-scope holes (any side) and those of AJO's; None without any."""
    found = [g for g in gaps if g.kind.startswith("days_")]
    if not found:
        return None
    every = np.any([g.mask for g in found], axis=0)
    ajo = np.any([g.mask for g in found if g.side == "ajo"] or [np.zeros_like(every)], axis=0)
    return every, ajo


def reach(view: CellView, gaps: Sequence[MissingData], whole: np.ndarray) -> np.ndarray:
    """The cells the shift is applied to: `whole` ones, the day holes, and the days next to
    a day hole of AJO's that are not holes or next to another zero of AJO's."""
    holes = day_holes(gaps)
    if holes is None:
        return whole
    every, ajo = holes
    other_holes = np.any([g.mask for g in gaps] or [np.zeros_like(every)], axis=0) & ~every
    other_ajo = np.any(
        [g.mask for g in gaps if g.side == "ajo" and not g.kind.startswith("days_")]
        or [np.zeros_like(every)],
        axis=0,
    )
    beside = _spread(view, ajo) & ~other_holes & ~_spread(view, other_ajo) & ~every
    return whole | every | beside


def judged(
    view: CellView,
    rest: np.ndarray,
    amount: np.ndarray,
    gaps: Sequence[MissingData],
    pooled: bool,
) -> tuple[np.ndarray, list[MissingData], np.ndarray]:
    """The shift's `amount` with nothing on the holes it does not explain (nor next to
    such a zero of AJO's), the `gaps` without the holes it does, and those holes. `rest`:
    the gap the causes before the time zone left. `pooled`: the gaps' facts are every
    journey's (bot.reconcile.pool), kept as they are."""
    holes = day_holes(gaps)
    if holes is None:
        return amount, list(gaps), np.zeros(len(amount), dtype=bool)
    every, ajo = holes
    moved, gap = amount.astype(float), rest.astype(float)
    alone = ~_beside(view, every & ajo) & ~_beside(view, every & ~ajo)
    explained = (
        every
        & alone
        & (gap != 0)
        & (np.sign(moved) == np.sign(gap))
        & (np.abs(moved) >= MOVED_SHARE * np.abs(gap))
        & (MOVED_SHARE * np.abs(moved) <= np.abs(gap))
    )
    kept_ajo = ajo & ~explained
    amount = np.where((every & ~explained) | _spread(view, kept_ajo), 0, amount)
    result = [
        narrowed(view, rest, g, explained, pooled) if g.kind.startswith("days_") else g
        for g in gaps
    ]
    return amount.astype(np.int64), result, explained


def _beside(view: CellView, mask: np.ndarray) -> np.ndarray:
    """`mask` and, per cell, whether the day before or after it (same journey) is in
    `mask` too: a cell of a run of two or more days."""
    return mask & (neighbour(view, mask, -1) | neighbour(view, mask, 1))


def _spread(view: CellView, mask: np.ndarray) -> np.ndarray:
    """`mask` and the days next to its days, within the same journey."""
    return mask | neighbour(view, mask, -1) | neighbour(view, mask, 1)
