"""Detectors: each looks at one metric's cells (one per journey and day) and the part of
their gap earlier causes left, and hands back typed findings: the amount it explains per
cell, how sure it is, and the facts its evidence sentence is written from.

Each cause has its own Finding subclass (its evidence type in bot.reconcile.registry),
defined next to the code that finds it; the subclass writes the cause's evidence sentence
from all its findings in one metric (`explain`), so a cause's numbers and its words live in
one module. Detectors are pure functions of numpy arrays; they never see Slack or the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import cached_property
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd

from bot.metrics import DISPLAY_NAMES, SOURCES
from bot.reconcile.rules import Rules

SIDES = SOURCES

# What a journey key no stored name belongs to is called in answers.
UNKNOWN_JOURNEY = "(unknown journey)"


class Explanation(NamedTuple):
    """What a cause detail says: how sure, what was seen, and what to check."""

    confidence: str  # high | medium | low
    evidence: str
    check: str


@dataclass(frozen=True, eq=False)
class Seen:
    """What evidence sentences are written from: one metric's cells with a column per
    cause, the rules it was judged by, and the names of its journeys."""

    metric: str
    cells: pd.DataFrame
    rules: Rules
    names: Mapping[object, str]
    # Per (journey, side): the metrics that side reports nothing for while the other does.
    zero_metrics: Mapping[tuple[object, str], tuple[str, ...]]
    # The last day the safe range of some journeys calls settled (None: no day asked about
    # has), so that a check names the day the answer's range ends; None when not given.
    settled_until: Callable[[Sequence[int]], date | None] | None = None

    @property
    def label(self) -> str:
        return DISPLAY_NAMES[self.metric]

    @cached_property
    def day(self) -> np.ndarray:
        """Each cell's day (datetime64[D]): read from the frame once, not per sentence."""
        return self.cells["day"].to_numpy().astype("datetime64[D]")

    @cached_property
    def journey(self) -> np.ndarray:
        """Each cell's journey key."""
        return self.cells["journey_key"].to_numpy()

    def amounts(self, cause: str) -> np.ndarray:
        """What `cause` took on each cell."""
        return self.cells[cause].to_numpy()

    def days(self, mask) -> tuple[date, ...]:
        return tuple(d.item() for d in np.unique(self.day[np.asarray(mask)]))

    def cause_days(self, cause: str) -> tuple[date, ...]:
        """The days `cause` took part of the gap on."""
        return self.days(self.amounts(cause) != 0)

    def cause_keys(self, cause: str) -> np.ndarray:
        """The journeys `cause` took part of the gap on, in the order of their cells."""
        return pd.unique(self.journey[self.amounts(cause) != 0])

    def shifted(self) -> bool:
        """A time-zone shift was found in this metric: what is left after it (data source
        on settled days, lag on young ones) may hold the part of the shift a fit of daily
        numbers cannot follow."""
        return "timezone" in self.cells and bool(self.amounts("timezone").any())

    def journeys(self, keys) -> tuple[str, ...]:
        if isinstance(keys, pd.Series | np.ndarray):
            keys = pd.unique(np.asarray(keys))  # a name per journey, not per cell
        return tuple(sorted({self.names.get(k, UNKNOWN_JOURNEY) for k in keys}))


@dataclass(frozen=True, eq=False, kw_only=True)
class Finding:
    """One pattern seen in one metric: per-cell amounts and the facts behind them.

    Subclasses name their cause and add the facts their sentence needs, as typed fields.
    """

    cause: ClassVar[str]
    amount: np.ndarray  # signed int64 per cell; zero where the finding says nothing
    # high | medium | low; empty where `explain` judges it from all the cause's findings.
    confidence: str = ""

    @property
    def mask(self) -> np.ndarray:
        return self.amount != 0

    @classmethod
    def explain(cls, found: Sequence[Finding], seen: Seen) -> Explanation:
        """The cause's detail from its findings in one metric, the largest first."""
        raise NotImplementedError(f"{cls.__name__} writes no evidence sentence")


@dataclass(frozen=True, eq=False)
class CellView:
    """One metric's cells as arrays, sorted by journey then day."""

    journey: np.ndarray
    day: np.ndarray  # datetime64[D]
    age: np.ndarray  # days before today
    ajo: np.ndarray
    cja: np.ndarray
    ajo_rows: np.ndarray
    cja_rows: np.ndarray
    # AJO's value for the same journey the day before and the day after (0 when none).
    ajo_prev: np.ndarray
    ajo_next: np.ndarray
    # For Sent: its witnesses (Delivered, Bounces, Errors, Excluded: same dataset, no
    # retries) summed on each side; 0 when none is stored.
    sibling_ajo: np.ndarray
    sibling_cja: np.ndarray
    # For Sent: AJO's side of its witnesses, wherever AJO has them (CJA's side or not).
    own_witness: np.ndarray

    @classmethod
    def of(cls, cells: pd.DataFrame, today: date) -> CellView:
        days = cells["day"].to_numpy().astype("datetime64[D]")

        def ints(column: str) -> np.ndarray:
            if column not in cells:
                return np.zeros(len(cells), dtype=np.int64)
            # The frame's own column where it is already int64 (read-only under pandas'
            # copy-on-write): a copy per column and metric was a tenth of the 13-month
            # question's peak.
            return cells[column].to_numpy().astype(np.int64, copy=False)

        return cls(
            journey=cells["journey_key"].to_numpy(),
            day=days,
            age=(np.datetime64(today, "D") - days).astype(np.int64),
            ajo=ints("ajo"),
            cja=ints("cja"),
            ajo_rows=ints("ajo_rows"),
            cja_rows=ints("cja_rows"),
            ajo_prev=ints("ajo_prev"),
            ajo_next=ints("ajo_next"),
            sibling_ajo=ints("sibling_ajo"),
            sibling_cja=ints("sibling_cja"),
            own_witness=ints("own_witness"),
        )

    def __len__(self) -> int:
        return len(self.journey)

    def side(self, name: str) -> np.ndarray:
        return self.ajo if name == "ajo" else self.cja

    def rows(self, name: str) -> np.ndarray:
        return self.ajo_rows if name == "ajo" else self.cja_rows

    @cached_property
    def groups(self) -> Groups:
        """The cells grouped by journey, computed once (a stable sort, then slices)."""
        return Groups.of(self.journey)

    @cached_property
    def grid_days(self) -> np.ndarray | None:
        """The days of each journey's row where every journey has the same days, in order
        (the cells a [journey, day] grid: a day's facts are then a row's, not a cell's);
        None otherwise."""
        width = self.groups.regular_width
        if width is None or not len(self.day):
            return None
        grid = self.day.reshape(len(self.groups), width)
        return grid[0] if (grid == grid[0]).all() else None

    def journeys(self) -> Iterator[tuple[object, np.ndarray]]:
        """(journey key, positions of its cells in ascending order) for each journey, in key
        order. Positions, not masks: a mask per journey over every cell is quadratic."""
        yield from self.groups

    def take(self, index: np.ndarray) -> CellView:
        """The cells at `index` as a view of their own (one journey's, say)."""
        return CellView(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    def dates(self, mask: np.ndarray) -> tuple[date, ...]:
        return tuple(sorted({d.item() for d in np.unique(self.day[mask])}))

    def keys(self, mask: np.ndarray) -> tuple:
        return tuple(k.item() if hasattr(k, "item") else k for k in np.unique(self.journey[mask]))


@dataclass(frozen=True, eq=False)
class Groups:
    """Cells grouped by a key: every per-journey figure as one pass over the cells.

    `ids` numbers each cell's group (0 .. len(keys) - 1, in key order); `order` lists the
    cells group by group, in ascending position within each group; group i's cells are
    `order[bounds[i]:bounds[i + 1]]`.
    """

    keys: np.ndarray
    ids: np.ndarray
    order: np.ndarray
    bounds: np.ndarray

    @classmethod
    def of(cls, key: np.ndarray) -> Groups:
        if len(key) > 1 and key.dtype != object and (key[1:] >= key[:-1]).all():
            # Already sorted (a CellView's cells are, by journey then day): no sort needed.
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            counts = np.diff(np.r_[starts, len(key)])
            ids = np.repeat(np.arange(len(starts)), counts)
            bounds = np.concatenate(([0], np.cumsum(counts)))
            return cls(key[starts], ids, np.arange(len(key)), bounds)
        keys, ids = np.unique(key, return_inverse=True)
        ids = ids.reshape(-1)
        order = np.argsort(ids, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(ids, minlength=len(keys)))))
        return cls(keys, ids, order, bounds)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[tuple[object, np.ndarray]]:
        for i, key in enumerate(self.keys):
            yield key, self.cells(i)

    @cached_property
    def in_order(self) -> bool:
        """The cells are in group order already (sorted keys: each group's cells a run)."""
        return bool((self.order == np.arange(len(self.order))).all())

    @cached_property
    def regular_width(self) -> int | None:
        """Every group's size when they are all as large and the cells already in group
        order (a journey per day: the cells are then a [group, place] grid); else None."""
        counts = np.diff(self.bounds)
        width = int(counts.max()) if len(counts) else 0
        regular = bool((counts == width).all()) and self.in_order
        return width if regular else None

    def per_cell(self, values: np.ndarray) -> np.ndarray:
        """`values[ids]`: each group's value (or row) repeated for each of its cells. Where
        the cells are in group order, each group's row repeated over its run: the same
        array, without gathering a row per cell by id (for the zone fit's [group, column]
        coefficients, several times faster)."""
        if self.in_order:
            return np.repeat(values, np.diff(self.bounds), axis=0)
        return values[self.ids]

    def padded(self, values: np.ndarray) -> np.ndarray:
        """[group, place, column]: `values` ([cell, column]) with each group's cells in a
        row of their own, in `order`, zeros after a group's last cell. Without a copy when
        the groups are of one size and the cells in group order (a journey per day)."""
        width = self.regular_width
        if width is not None:
            return values.reshape(len(self.keys), width, values.shape[1])
        counts = np.diff(self.bounds)
        row = self.ids[self.order]
        column = np.arange(len(self.order)) - self.bounds[:-1][row]
        padded = np.zeros(
            (len(self.keys), int(counts.max()) if len(counts) else 0, values.shape[1])
        )
        padded[row, column] = values[self.order]
        return padded

    def cells(self, group: int) -> np.ndarray:
        """The positions of group `group`'s cells, ascending."""
        return self.order[self.bounds[group] : self.bounds[group + 1]]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Per group: how many of its cells are in `mask`."""
        return np.bincount(self.ids[mask], minlength=len(self.keys))

    def sum(self, values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Per group: the sum of `values` over its cells (in `mask`), as float64 (exact for
        the integer counts summed here, far below 2**53)."""
        weights = values.astype(float) if mask is None else np.where(mask, values, 0.0)
        return np.bincount(self.ids, weights, minlength=len(self.keys))

    def all(self, mask: np.ndarray) -> np.ndarray:
        """Per group: every one of its cells is in `mask`."""
        return self.count(mask) == np.bincount(self.ids, minlength=len(self.keys))

    def median(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per group: the median of `values` over its cells in `mask` (as numpy's median
        takes it: the middle value, or the mean of the two middle ones); NaN for none.

        Each group's values go to a row of their own, padded with +inf, and the rows are
        sorted side by side: many short sorts, no sort of all the cells at once.
        """
        width = self.regular_width
        if width is not None and len(self.keys):
            # The cells are a [group, place] grid already: the masked ones set to +inf.
            grid = np.where(mask, values, np.inf).reshape(len(self.keys), width)
            counts = np.count_nonzero(mask.reshape(len(self.keys), width), axis=1)
            if not counts.any():
                return np.full(len(self.keys), np.nan)
        else:
            picked = self.order[mask[self.order]]
            ids = self.ids[picked]
            counts = np.bincount(ids, minlength=len(self.keys))
            if not len(picked):
                return np.full(len(self.keys), np.nan)
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            grid = np.full((len(self.keys), counts.max()), np.inf)
            grid[ids, np.arange(len(picked)) - starts[ids]] = values[picked]
        grid.sort(axis=1)
        rows = np.arange(len(self.keys))
        last = grid.shape[1] - 1
        low = grid[rows, np.clip((counts - 1) // 2, 0, last)]
        high = grid[rows, np.clip(counts // 2, 0, last)]
        return np.where(counts > 0, (low + high) / 2, np.nan)

    def mad(self, values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Per group: the median absolute deviation from the median over cells in `mask`."""
        middle = self.per_cell(self.median(values, mask))
        return self.median(np.abs(values - middle), mask)


def neighbour(view: CellView, values: np.ndarray, step: int) -> np.ndarray:
    """Per cell, `values` of the same journey's day before (step -1) or after (step 1);
    0 where that day is not among the cells."""
    result = np.zeros_like(values)
    consecutive = (view.journey[1:] == view.journey[:-1]) & (
        (view.day[1:] - view.day[:-1]).astype(np.int64) == 1
    )
    if step < 0:
        result[1:] = np.where(consecutive, values[:-1], 0)
    else:
        result[:-1] = np.where(consecutive, values[1:], 0)
    return result


def runs(view: CellView, mask: np.ndarray) -> list[np.ndarray]:
    """Runs of consecutive days, per journey, among the cells in `mask`: index arrays,
    journey by journey in key order."""
    index = view.groups.order[mask[view.groups.order]]
    if not len(index):
        return []
    journey = view.groups.ids[index]
    breaks = (journey[1:] != journey[:-1]) | (np.diff(view.day[index]).astype(np.int64) != 1)
    return np.split(index, np.flatnonzero(breaks) + 1)


def with_neighbours(cells: pd.DataFrame) -> pd.DataFrame:
    """Add ajo_prev and ajo_next: AJO's value for the same journey a day before and after.

    `cells` may reach a day beyond the question's range on either side, so the first and
    last days have neighbours for the time-zone fit; days with no row count as 0.
    AJO's values are summed per (journey, day) on one integer code each and looked up by
    binary search: a pandas group-by and a MultiIndex reindex cost a one-journey question
    more than its diagnosis.
    """
    code = day_codes(cells)
    keys, index, sums = summed_by_code(code, cells["ajo"].to_numpy())
    added = {}
    last = max(len(keys) - 1, 0)
    for column, shift in (("ajo_prev", -1), ("ajo_next", 1)):
        wanted = code + shift
        # Where `np.searchsorted(keys, wanted)` puts it, read off each cell's own place
        # among the sorted distinct keys (a random binary search per cell cost more than
        # the rest): the day after is next, if anywhere; the day before is the previous
        # key when that is it, else the cell's own place.
        if shift > 0:
            where = np.minimum(index + 1, last)
        else:
            before = np.maximum(index - 1, 0)
            where = np.where((index > 0) & (keys[before] == wanted), before, index)
        found = keys[where] == wanted if len(keys) else np.zeros(len(code), dtype=bool)
        added[column] = np.where(found, sums[where] if len(keys) else 0, 0).astype(np.int64)
    return with_columns(cells, added)


def day_codes(rows: pd.DataFrame) -> np.ndarray:
    """One int64 per row: its journey key over its day number (non-negative), so the day
    before and after are the code minus and plus one."""
    journey = rows["journey_key"].to_numpy().astype(np.int64)
    day = rows["day"].to_numpy().astype("datetime64[D]").astype(np.int64)
    return (journey << 32) | (day + _DAY_OFFSET)


def summed_by_code(code: np.ndarray, values: np.ndarray):
    """The distinct codes (sorted), each row's place among them, and `values` summed per
    code (as int64)."""
    keys, index = np.unique(code, return_inverse=True)
    index = index.reshape(-1)
    sums = np.zeros(len(keys), dtype=np.int64)
    np.add.at(sums, index, values.astype(np.int64))
    return keys, index, sums


def with_columns(cells: pd.DataFrame, columns: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """`cells` with these columns (replacing any of the same name), added in one step: on
    a metric's few hundred cells, setting a column at a time cost a one-journey question
    more than the arithmetic that filled them."""
    present = [name for name in columns if name in cells]
    kept = cells.drop(columns=present) if present else cells
    return pd.concat([kept, pd.DataFrame(dict(columns), index=cells.index)], axis=1)


# Days since 1970 shifted to be non-negative, packed under the journey key in one int64.
_DAY_OFFSET = 1 << 31
