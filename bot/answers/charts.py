"""Result -> PNG: AJO vs CJA by day for one metric, readable at a glance.

Top: the two lines; the safe range shaded and labelled with the stored days it covers; the
days still moving hatched by why (each day by one cause only, the first of the hatched
causes in the registry's order, so hatches never cross); days nothing is stored for shaded
grey, the lines broken over them, and counted in the legend. Bottom: each day's gap as a bar
split into its causes in their colours. Unexplained is a part of a bar, never a span: it
covers neither the lines nor the safe range. Colours, hatches and labels come from the
metric table and the cause registry, never from here.

Headless and thread-safe by construction: every chart is its own `Figure` on its own Agg
canvas. pyplot (a global registry of figures) and a global backend switch are never used, so
several threads of a web process can draw at once.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date, timedelta

import numpy as np
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from bot.formatting import format_day, format_span
from bot.metrics import DISPLAY_NAMES, metric_facts
from bot.reconcile.registry import REGISTRY, Cause
from bot.reconcile.result import Breakdown, MetricResult

SIZE_PX = (1000, 500)  # readable in a Slack thread without opening the image
EMPTY_SIZE_PX = (500, 140)
AJO, CJA, SAFE, INK, EMPTY = "#d7373f", "#1473e6", "#2d9d78", "#4b4b4b", "#ececec"
# Causes whose days are marked with a hatch, in the order that decides a shared day.
HATCHED: tuple[Cause, ...] = tuple(cause for cause in REGISTRY if cause.style.hatch)
LEGEND_COLUMNS = 6


def chart_png(result: MetricResult, title_scope: str = "", *, dpi: int = 110) -> bytes:
    """The chart as PNG bytes: 1000x500 px whatever the dpi (dpi scales only the text)."""
    buffer = io.BytesIO()
    build_figure(result, title_scope, dpi=dpi).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def build_figure(result: MetricResult, title_scope: str = "", *, dpi: int = 110) -> Figure:
    """The chart as a Figure. Its artists carry gids for tests: safe-range and
    safe-range-label, no-data, cause-<cause> (hatched days), gap-<cause> (bar parts)."""
    name = f"{DISPLAY_NAMES.get(result.metric, result.metric)} · AJO vs CJA"
    if not result.by_day:
        scope = _fit(title_scope, EMPTY_SIZE_PX[0], 10, dpi)
        return _figure(EMPTY_SIZE_PX, dpi, name, scope, "No data for these dates")

    figure = _figure(SIZE_PX, dpi)
    # Lines on top; the daily gap below, because a 1 % gap is invisible between two lines.
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    days = [date.fromisoformat(row.label) for row in result.by_day]
    stored = dict(zip(days, result.by_day, strict=True))
    # Every day from the first stored one to the last: each owns [day - 0.5, day + 0.5], so
    # spans cover whole days and a lone day is visible.
    calendar = [days[0] + timedelta(days=i) for i in range((days[-1] - days[0]).days + 1)]
    top.set_xlim(_x(days[0]) - 0.5, _x(days[-1]) + 0.5)
    handles = [Line2D([], [], color=c, lw=2, label=s) for s, c in (("AJO", AJO), ("CJA", CJA))]
    handles += _safe_range(result, days, top, bottom)
    handles += _no_data(calendar, stored, (top, bottom))
    hatched = _hatched(days, result.by_day, (top, bottom))
    handles += _gap_bars(days, result.by_day, bottom, hatched)

    x = mdates.date2num(calendar)
    ajo = [stored[d].ajo if d in stored else np.nan for d in calendar]
    cja = [stored[d].cja if d in stored else np.nan for d in calendar]
    # Markers make a short series legible; on a long one they would only blur the lines.
    marker = "o" if len(calendar) <= 45 else None
    top.plot(x, ajo, color=AJO, lw=2.4, marker=marker, ms=4, gid="AJO")
    top.plot(x, cja, color=CJA, lw=1.6, marker=marker, ms=3, gid="CJA")
    # Headroom above the highest point keeps the safe-range label clear of the lines.
    top.set_ylim(0, 1.15 * max(np.nanmax(ajo), np.nanmax(cja), 1))
    bottom.axhline(0, color=INK, lw=0.8)
    bottom.set_ylabel("AJO − CJA", fontsize=8, color=INK)

    title = name + (f" · {title_scope}" if title_scope else "")
    title = _fit(title, SIZE_PX[0] - 80, 12, dpi)
    top.set_title(
        title, loc="left", fontsize=12, weight="bold", color=_colour(result), parse_math=False
    )
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
        ax.grid(axis="y", color="#e4e4e4", lw=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(colors=INK, labelsize=9)
    _date_axis(bottom, len(calendar))
    legend = {"loc": "outside lower center", "fontsize": 9, "frameon": False}
    figure.legend(
        handles=handles,
        labels=[_label(h) for h in handles],
        ncols=len(handles) if len(handles) <= LEGEND_COLUMNS else -(-len(handles) // 2),
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0.3)},
        **legend,
    )
    return figure


def _colour(result: MetricResult) -> str:
    """The metric's colour from its table entry (ink for a name the table lacks)."""
    try:
        return metric_facts(result.metric).colour
    except KeyError:
        return INK


def _safe_range(result: MetricResult, days: list[date], top: Axes, bottom: Axes) -> list:
    """Shade the stored days of the safe range and label them from the first one: the label
    never claims days before the first stored day (or after the last)."""
    safe = result.safe_range
    if not (safe.start and safe.end):
        return []
    inside = [d for d in days if safe.start <= d <= safe.end]
    if not inside:
        return []
    for first, last in _runs(inside):
        for ax in (top, bottom):
            _span(ax, first, last, facecolor=SAFE, alpha=0.1, gid="safe-range")
    label = f" Safe to compare: {format_span(inside[0], inside[-1])}"
    top.text(
        _x(inside[0]) - 0.5,
        0.97,
        label,
        color=SAFE,
        fontsize=9,
        weight="bold",
        transform=top.get_xaxis_transform(),
        va="top",
        clip_on=True,
        gid="safe-range-label",
    )
    return [Patch(facecolor=SAFE, alpha=0.2, label="safe range")]


def _no_data(calendar: list[date], stored: dict, axes: tuple[Axes, ...]) -> list:
    """Shade the days nothing is stored for, in either product; the legend counts them."""
    empty = [d for d in calendar if d not in stored]
    for first, last in _runs(empty):
        for ax in axes:
            _span(ax, first, last, facecolor=EMPTY, gid="no-data")
    if not empty:
        return []
    count = f"{len(empty)} day" + ("s" if len(empty) > 1 else "")
    return [Patch(facecolor=EMPTY, label=f"no data stored ({count})")]


def _hatched(days: list[date], rows: tuple[Breakdown, ...], axes: tuple[Axes, ...]) -> set[str]:
    """Hatch each day by the first hatched cause it has, so no two hatches share a day;
    the causes that got days."""
    owners = [next((c for c in HATCHED if row.causes.get(c.name)), None) for row in rows]
    for cause in HATCHED:
        marked = [day for day, owner in zip(days, owners, strict=True) if owner is cause]
        for first, last in _runs(marked):
            for ax in axes:
                _span(ax, first, last, alpha=0.5, gid=f"cause-{cause.name}", **_hatch(cause))
    return {owner.name for owner in owners if owner is not None}


def _hatch(cause: Cause, density: int = 1) -> dict:
    hatch = cause.style.hatch * density
    return {"facecolor": "none", "edgecolor": cause.style.colour, "hatch": hatch}


def _gap_bars(days: list[date], rows: tuple[Breakdown, ...], ax: Axes, hatched: set[str]) -> list:
    """Each day's gap as a bar split into its causes: gains stacked up from zero, losses
    down, in the registry's order. The legend shows each cause present once: its colour,
    and its hatch next to it when some days are hatched for it."""
    x = mdates.date2num(days)
    width = 0.8 if len(days) <= 90 else 1.0  # gaps between 1-px bars would read as noise
    up, down = np.zeros(len(days)), np.zeros(len(days))
    handles = []
    for cause in REGISTRY:
        amounts = np.array([row.causes.get(cause.name, 0) for row in rows], dtype=float)
        if not amounts.any():
            continue
        colour = cause.style.colour
        for base, part in ((up, amounts.clip(0, None)), (down, amounts.clip(None, 0))):
            shown = part != 0
            if shown.any():
                ax.bar(x[shown], part[shown], width=width, bottom=base[shown], color=colour,
                       gid=f"gap-{cause.name}")  # fmt: skip
                base += part
        swatch = Patch(facecolor=colour, label=cause.label)
        if cause.name in hatched:
            # Denser in the legend: a sample that small shows one line of a day's hatch.
            handles.append((swatch, Patch(**_hatch(cause, 3), label=cause.label)))
        else:
            handles.append(swatch)
    return handles


def _label(handle) -> str:
    return (handle[0] if isinstance(handle, tuple) else handle).get_label()


def _fit(text: str, width_px: int, fontsize: float, dpi: int) -> str:
    """`text` cut at a word so that it fits `width_px`: a long journey list must not overflow."""
    # DejaVu Sans (matplotlib's default font) averages about 0.6 em per character.
    chars = max(int(width_px * 72 / (0.6 * fontsize * dpi)), 12)
    return textwrap.shorten(text, chars, placeholder=" …")


def _figure(size_px: tuple[int, int], dpi: int, *lines: str) -> Figure:
    """A figure of exactly `size_px` on a private Agg canvas; with `lines`, a text-only one."""
    layout = None if lines else "constrained"
    figure = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi, layout=layout)
    FigureCanvasAgg(figure)
    style = {"ha": "center", "va": "center", "color": INK, "fontsize": 10, "parse_math": False}
    for i, line in enumerate(lines):
        figure.text(0.5, 0.75 - 0.25 * i, line, weight="bold" if i == 0 else "normal", **style)
    return figure


def _x(day: date) -> float:
    return float(mdates.date2num(day))


def _span(ax: Axes, first: date, last: date, **style) -> None:
    ax.axvspan(_x(first) - 0.5, _x(last) + 0.5, lw=0, **style)


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into (first, last) runs, so hatching has no seams."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _date_axis(ax: Axes, span_days: int) -> None:
    """Day ticks from one day to a year and more: never hours, months on long spans."""
    if span_days <= 8:
        ax.xaxis.set_major_locator(mdates.DayLocator())
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=10))

    def label(value: float, pos: int | None) -> str:
        day = mdates.num2date(value).date()
        if span_days < 120:
            return format_day(day)
        return f"{day:%b}\n{day.year}" if pos == 0 or day.month == 1 else f"{day:%b}"

    ax.xaxis.set_major_formatter(FuncFormatter(label))
