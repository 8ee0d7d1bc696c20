"""The time-zone fit's candidate zones: one fit per structure (zones whose clocks change on
the same days, the same way, against the reporting zone fit alike), and the squared
residuals a fit shares with another (the first fits that find the outliers, the proportional
terms alone under every zone) reused: the results bit for bit those of fitting every zone and
summing every cell's residual."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.reconcile import rules_for, zonefit
from bot.reconcile.causes import prepare
from bot.reconcile.detectors import timezone, with_neighbours
from bot.reconcile.offsets import candidates, with_audience_changes

TODAY = date(2026, 11, 29)
SETTINGS = Settings(today_override=TODAY)
METRICS = ("sent", "opens")


def _frame(seed: int, journeys: int, days: int, gaps: bool) -> pd.DataFrame:
    """Daily numbers a data view some hours off would show, with a steady difference, noise,
    a few outages (outliers) and, with `gaps`, days missing (journeys of other lengths)."""
    rng = np.random.default_rng(seed)
    rows = []
    for metric in METRICS:
        for key in range(1, journeys + 1):
            weekend = np.where(np.arange(days + 1) % 7 >= 5, 0.6, 1.0)
            ajo = np.rint(1000 * weekend * rng.lognormal(0, 0.3, days + 1))
            share = rng.uniform(0.05, 0.4)
            cja = (1 - share) * ajo[:-1] + share * ajo[1:]  # behind: the next day's first hours
            cja = np.rint(cja * rng.uniform(0.95, 1.0) * rng.normal(1, 0.01, days))
            cja[rng.random(days) < 0.03] //= 3
            for ago in range(days):
                if gaps and rng.random() < 0.05:
                    continue
                day = pd.Timestamp(TODAY - timedelta(days=days - ago + 2))
                rows.append((key, day, metric, int(ajo[ago]), int(cja[ago]), 1, 1))
    columns = ["journey_key", "day", "metric", "ajo", "cja", "ajo_rows", "cja_rows"]
    return pd.DataFrame(rows, columns=columns).astype({"day": "datetime64[us]"})


def _parts(frame: pd.DataFrame) -> list[zonefit.Part]:
    parts = []
    for metric in METRICS:
        cells = with_neighbours(frame[frame["metric"] == metric].reset_index(drop=True))
        parts.append(prepare(cells, metric, rules_for(metric, SETTINGS, TODAY)).zone)
    return timezone._with_steps(parts)


def _span(parts) -> tuple[date, date]:
    first = min(p.view.day.min() for p in parts).item() - timedelta(days=1)
    last = max(p.view.day.max() for p in parts).item() + timedelta(days=1)
    return first, last


def _bits(fit: zonefit.SeriesFit) -> list[bytes]:
    arrays = [getattr(fit, f.name) for f in fields(fit)]
    return [np.ascontiguousarray(a).tobytes() for a in arrays if isinstance(a, np.ndarray)]


drawn = st.tuples(st.integers(0, 10_000), st.integers(1, 6), st.integers(20, 120), st.booleans())


@given(drawn)
@settings(max_examples=25, deadline=None)
def test_reused_residuals_are_those_every_cell_gives(case) -> None:
    """Every candidate zone (and each with its audiences' changes) fitted one after the
    other on the same parts, reusing what an earlier fit summed, gives the fits of each zone
    on fresh parts with every cell's residual summed."""
    seed, journeys, days, gaps = case
    parts = _parts(_frame(seed, journeys, days, gaps))
    span = _span(parts)
    zones = candidates("UTC", *span)
    zones += [with_audience_changes(z, *span) for z in zones[:3]]
    reused = [[zonefit.fit(p, z) for p in parts] for z in zones]
    zonefit._REUSE = False
    try:
        every = [[zonefit.fit(replace(p), z) for p in parts] for z in zones]
    finally:
        zonefit._REUSE = True
    for mine, theirs in zip(reused, every, strict=True):
        for a, b in zip(mine, theirs, strict=True):
            for one, other in zip(a, b, strict=True):
                assert _bits(one) == _bits(other)


def _every_zone(parts, zones):
    """The choice `_choose` makes, with every zone fitted on its own: the best gain (the
    first zone on a tie), the zone named among those of its structure, and the rival."""
    scored = []
    for zone in zones:
        fits = timezone._fits(parts, zone)
        scored.append((float(sum(f.gain[f.valid].sum() for f in fits.values())), zone, fits))
    scored.sort(key=lambda s: -s[0])
    gain, best, fits = scored[0]
    group = [z for z in zones if z.structure == best.structure]
    named = timezone._name(group, fits)
    rival = ""
    others = [s for s in scored if s[1].structure != best.structure]
    others = [s for s in others if not timezone._refines(s[1], best)]
    if others and gain - others[0][0] < timezone.AMBIGUOUS:
        theirs = [z for z in zones if z.structure == others[0][1].structure]
        rival = timezone._name(theirs, others[0][2]).zone
    alike = tuple(z.zone for z in group if z is not named)
    return gain, named.zone, alike, rival, scored


@given(drawn)
@settings(max_examples=10, deadline=None)
def test_one_fit_per_structure_chooses_as_fitting_every_zone(case) -> None:
    seed, journeys, days, gaps = case
    parts = _parts(_frame(seed, journeys, days, gaps))
    zones = candidates("UTC", *_span(parts))
    choice = timezone._choose(parts, zones)
    gain, named, alike, rival, scored = _every_zone([replace(p) for p in parts], zones)
    assert (choice.gain, choice.zone.zone, choice.alike, choice.rival) == (
        gain,
        named,
        alike,
        rival,
    )
    # Zones of one structure fit alike, bit for bit: one fit stands for them all.
    by_structure = {}
    for _, zone, fits in scored:
        first = by_structure.setdefault(zone.structure, fits)
        for metric, fit in fits.items():
            assert _bits(fit) == _bits(first[metric])
