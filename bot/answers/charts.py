"""Result -> PNG: AJO vs CJA by day for one metric, the safe range shaded, suspect days hatched.

Headless and thread-safe by construction: every chart is its own `Figure` on its own Agg
canvas. pyplot (a global registry of figures) and a global backend switch are never used, so
several threads of a web process can draw at once.
"""

from __future__ import annotations

import io
import textwrap
from datetime import date, timedelta

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from bot.formatting import format_day, format_span
from bot.metrics import DISPLAY_NAMES
from bot.reconcile.registry import cause_named
from bot.reconcile.result import MetricResult

SIZE_PX = (1000, 500)  # readable in a Slack thread without opening the image
EMPTY_SIZE_PX = (500, 140)
AJO, CJA, SAFE, INK, OTHER = "#d7373f", "#1473e6", "#2d9d78", "#4b4b4b", "#c8c8c8"
# Causes the reader should find on the chart: a colour and a hatch each. A day's gap bar takes
# the colour of the first of them present that day.
MARKED = {
    "unexplained": ("#222222", "xx"),
    "processing_lag": ("#8e6bd1", "//"),
    "retries": ("#e68619", "\\\\"),
}


def chart_png(result: MetricResult, title_scope: str = "", *, dpi: int = 110) -> bytes:
    """The chart as PNG bytes: 1000x500 px whatever the dpi (dpi scales only the text)."""
    buffer = io.BytesIO()
    build_figure(result, title_scope, dpi=dpi).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def build_figure(result: MetricResult, title_scope: str = "", *, dpi: int = 110) -> Figure:
    """The chart as a Figure; its spans carry gids (safe-range, cause-<cause>) for tests."""
    name = f"{DISPLAY_NAMES.get(result.metric, result.metric)} · AJO vs CJA"
    if not result.by_day:
        scope = _fit(title_scope, EMPTY_SIZE_PX[0], 10, dpi)
        return _figure(EMPTY_SIZE_PX, dpi, name, scope, "No data for these dates")

    figure = _figure(SIZE_PX, dpi)
    # Lines on top; the daily gap below, because a 1 % gap is invisible between two lines.
    top, bottom = figure.subplots(2, 1, sharex=True, height_ratios=(3, 1))
    days = [date.fromisoformat(row.label) for row in result.by_day]
    x = mdates.date2num(days)
    # Each day owns [day - 0.5, day + 0.5]: spans cover whole days and a lone day is visible.
    top.set_xlim(x[0] - 0.5, x[-1] + 0.5)
    handles = [Line2D([], [], color=c, lw=2, label=s) for s, c in (("AJO", AJO), ("CJA", CJA))]

    safe = result.safe_range
    if safe.start and safe.end and safe.start <= days[-1] and safe.end >= days[0]:
        start, end = max(safe.start, days[0]), min(safe.end, days[-1])
        for ax in (top, bottom):
            _span(ax, start, end, facecolor=SAFE, alpha=0.1, gid="safe-range")
        label = f" Safe to compare: {format_span(safe.start, safe.end)}"
        where = {"transform": top.get_xaxis_transform(), "va": "top", "clip_on": True}
        top.text(_x(start) - 0.5, 0.97, label, color=SAFE, fontsize=9, weight="bold", **where)
        handles.append(Patch(facecolor=SAFE, alpha=0.2, label="safe range"))

    colours = [OTHER] * len(days)
    for cause, (colour, hatch) in MARKED.items():
        marked = [i for i, row in enumerate(result.by_day) if row.causes.get(cause)]
        for i in marked:
            colours[i] = colours[i] if colours[i] != OTHER else colour
        style = {"facecolor": "none", "edgecolor": colour, "hatch": hatch}
        for first, last in _runs([days[i] for i in marked]):
            for ax in (top, bottom):
                _span(ax, first, last, alpha=0.4, gid=f"cause-{cause}", **style)
        if marked:
            handles.append(Patch(**style, alpha=0.8, label=cause_named(cause).label))
    if any(c == OTHER and r.delta for c, r in zip(colours, result.by_day, strict=True)):
        handles.append(Patch(color=OTHER, label="other causes"))

    ajo, cja = [r.ajo for r in result.by_day], [r.cja for r in result.by_day]
    # Markers make a short series legible; on a long one they would only blur the lines.
    marker = "o" if len(days) <= 45 else None
    top.plot(x, ajo, color=AJO, lw=2.4, marker=marker, ms=4, gid="AJO")
    top.plot(x, cja, color=CJA, lw=1.6, marker=marker, ms=3, gid="CJA")
    # Headroom above the highest point keeps the safe-range label clear of the lines.
    top.set_ylim(0, 1.15 * max(*ajo, *cja, 1))
    width = 0.8 if len(days) <= 90 else 1.0  # gaps between 1-px bars would read as noise
    bottom.bar(x, [r.delta for r in result.by_day], width=width, color=colours, gid="gap")
    bottom.axhline(0, color=INK, lw=0.8)
    bottom.set_ylabel("AJO − CJA", fontsize=8, color=INK)

    title = name + (f" · {title_scope}" if title_scope else "")
    title = _fit(title, SIZE_PX[0] - 80, 12, dpi)
    top.set_title(title, loc="left", fontsize=12, weight="bold", color=INK, parse_math=False)
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value:,.0f}"))
        ax.grid(axis="y", color="#e4e4e4", lw=0.8)
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(colors=INK, labelsize=9)
    _date_axis(bottom, (days[-1] - days[0]).days + 1)
    legend = {"loc": "outside lower center", "fontsize": 9, "frameon": False}
    figure.legend(handles=handles, ncols=len(handles), **legend)
    return figure


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
