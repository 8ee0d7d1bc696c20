"""Charts from hand-built results: PNG size, long and empty series, shaded spans, threads.

What a person must read at a glance is checked on the figure's artists (where spans and
labels are, which colours bars take), not on pixels.
"""

from __future__ import annotations

import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib import dates as mdates
from matplotlib.colors import to_rgba
from PIL import Image

from bot.answers.charts import EMPTY, SAFE, build_figure, chart_png
from bot.metrics import metric_facts
from bot.reconcile.registry import REGISTRY, cause_named
from bot.reconcile.result import Breakdown, MetricResult, SafeRange

TODAY = date(2026, 11, 29)
SCOPE = "Oct 31 – Nov 29, 2026 · all journeys"


def result(
    days: int = 30,
    *,
    safe_back: int | None = 7,
    causes: dict[int, dict[str, int]] | None = None,
    ajo: int = 10_000,
    metric: str = "sent",
    missing: tuple[int, ...] = (),
    safe_from: date | None = None,
) -> MetricResult:
    """`days` days ending TODAY; `causes` maps days-back to that day's causes (CJA = AJO - sum).
    Days `missing` (days back) have nothing stored; the safe range starts at `safe_from`
    (default: the first day)."""
    causes = causes or {}
    rows = []
    for back in range(days - 1, -1, -1):
        if back in missing:
            continue
        day_causes = causes.get(back, {})
        cja = ajo - sum(day_causes.values())
        rows.append(Breakdown((TODAY - timedelta(days=back)).isoformat(), ajo, cja, day_causes))
    first = safe_from or TODAY - timedelta(days=days - 1)
    safe = (
        SafeRange(first, TODAY - timedelta(days=safe_back), "ends 7 days back")
        if safe_back is not None
        else SafeRange(None, None, "no day has settled yet")
    )
    return MetricResult(
        metric,
        ajo * days,
        sum(r.cja for r in rows),
        {},
        tuple(rows),
        (),
        safe,
        2.0,
    )


TYPICAL = {0: {"processing_lag": 4_000}, 1: {"retries": 300}, 2: {"retries": 400}}


def png_size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def spans(figure, gid: str, axes: int = 0) -> list[tuple[float, float]]:
    """(x0, x1) in data units of the patches tagged `gid` (the top axes' by default)."""
    return sorted(
        (extent.x0, extent.x1)
        for patch in figure.axes[axes].patches
        if patch.get_gid() == gid
        for extent in [patch.get_path().get_extents(patch.get_patch_transform())]
    )


def bars(figure, cause: str) -> dict[date, tuple[float, float]]:
    """Per day, (bottom, height) of `cause`'s part of the gap bars."""
    parts = {}
    for patch in figure.axes[1].patches:
        if patch.get_gid() == f"gap-{cause}":
            day = mdates.num2date(patch.get_x() + patch.get_width() / 2).date()
            parts[day] = (patch.get_y(), patch.get_height())
    return parts


def legend_texts(figure) -> list[str]:
    return [t.get_text() for t in figure.legends[0].get_texts()]


def back(n: int) -> date:
    return TODAY - timedelta(days=n)


def day_span(first: date, last: date) -> tuple[float, float]:
    return (mdates.date2num(first) - 0.5, mdates.date2num(last) + 0.5)


def tick_labels(figure) -> list[str]:
    figure.canvas.draw()
    return [t.get_text() for t in figure.axes[1].get_xticklabels() if t.get_text()]


@pytest.mark.parametrize("dpi", [72, 110, 200])
def test_png_of_slack_size_at_any_dpi(dpi):
    png = chart_png(result(causes=TYPICAL), SCOPE, dpi=dpi)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert png_size(png) == (1000, 500)


def test_title_uses_the_scope_as_given_and_never_as_tex():
    figure = build_figure(result(), "Nov 1 – Nov 29, 2026 · $5 off, $10 off")
    title = figure.axes[0].get_title(loc="left")
    assert title == "Sent · AJO vs CJA · Nov 1 – Nov 29, 2026 · $5 off, $10 off"
    # As TeX, "$\promo$" is an unknown command and drawing would raise.
    assert png_size(chart_png(result(), r"Q4 $\promo$ journey")) == (1000, 500)


def test_long_scope_is_shortened_not_cut_off():
    scope = "Nov 1 – Nov 29, 2026 · " + ", ".join(f"Journey number {i}" for i in range(40))
    title = build_figure(result(), scope).axes[0].get_title(loc="left")
    assert title.startswith("Sent · AJO vs CJA · Nov 1 – Nov 29, 2026 · Journey number 0")
    assert title.endswith("…")
    assert len(title) < 100


def test_400_days_are_labelled_by_month_and_year():
    figure = build_figure(result(400, causes=TYPICAL), SCOPE)
    labels = tick_labels(figure)
    assert "Jan\n2026" in labels
    assert {"Mar", "May"} <= set(labels)
    assert png_size(chart_png(result(400, causes=TYPICAL), SCOPE)) == (1000, 500)


def test_30_days_are_labelled_by_day():
    labels = tick_labels(build_figure(result(30), SCOPE))
    assert 3 <= len(labels) <= 10
    assert all(label.startswith(("Oct ", "Nov ")) for label in labels)


def test_one_day_has_one_day_tick_and_no_hours():
    figure = build_figure(result(1, safe_back=None, causes={0: {"processing_lag": 50}}), SCOPE)
    assert tick_labels(figure) == ["Nov 29"]
    assert spans(figure, "cause-processing_lag") == [day_span(TODAY, TODAY)]


def test_y_axis_has_thousands_separators():
    figure = build_figure(result(ajo=1_250_000), SCOPE)
    figure.canvas.draw()
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert "1,000,000" in labels


def test_empty_result_says_so_in_a_small_png():
    empty = MetricResult("opens", 0, 0, {}, (), (), SafeRange(None, None, ""), 2.0)
    figure = build_figure(empty, SCOPE)
    texts = [t.get_text() for t in figure.texts]
    assert "No data for these dates" in texts
    assert "Opens · AJO vs CJA" in texts
    png = chart_png(empty, SCOPE)
    assert png.startswith(b"\x89PNG")
    assert png_size(png) == (500, 140)


def test_safe_range_is_one_span_over_its_days():
    figure = build_figure(result(30, causes=TYPICAL), SCOPE)
    first = TODAY - timedelta(days=29)
    assert spans(figure, "safe-range") == [day_span(first, TODAY - timedelta(days=7))]
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "safe range" in labels
    texts = [t.get_text().strip() for t in figure.axes[0].texts]
    assert "Safe to compare: Oct 31 – Nov 22, 2026" in texts


def test_no_safe_range_no_span():
    figure = build_figure(result(5, safe_back=None, causes=TYPICAL), SCOPE)
    assert spans(figure, "safe-range") == []
    assert "safe range" not in [t.get_text() for t in figure.legends[0].get_texts()]


def test_lag_and_retry_days_are_hatched_as_runs():
    causes = {**TYPICAL, 3: {"retries": 100}, 20: {"datasource": 5}}
    figure = build_figure(result(30, causes=causes), SCOPE)
    assert spans(figure, "cause-processing_lag") == [day_span(TODAY, TODAY)]
    assert spans(figure, "cause-retries") == [day_span(back(3), back(1))]  # one run, no seams
    hatched = [p for p in figure.axes[0].patches if p.get_gid().startswith("cause-")]
    assert all(patch.get_hatch() for patch in hatched)
    assert legend_texts(figure) == ["AJO", "CJA", "safe range", "processing lag", "retries",
                                    "data source"]  # fmt: skip


def test_a_day_with_lag_and_retries_gets_one_hatch_and_hatches_never_overlap():
    causes = {
        0: {"processing_lag": 4_000, "retries": 200},
        1: {"processing_lag": 900, "retries": 300},
        2: {"retries": 400},
        5: {"retries": 50},
    }
    figure = build_figure(result(10, causes=causes), SCOPE)
    for axes in (0, 1):
        lag, retries = (
            spans(figure, "cause-processing_lag", axes),
            spans(figure, "cause-retries", axes),
        )
        assert lag == [day_span(back(1), TODAY)]
        assert retries == [day_span(back(5), back(5)), day_span(back(2), back(2))]
        every = sorted(lag + retries)
        assert all(left[1] <= right[0] for left, right in itertools.pairwise(every))
    # Both still show in the gap bars, each in its own colour.
    assert bars(figure, "retries")[TODAY] == (4_000, 200)
    assert bars(figure, "processing_lag")[TODAY] == (0, 4_000)


def test_unexplained_is_part_of_the_gap_bar_and_never_covers_the_lines_or_safe_range():
    causes = {12: {"unexplained": -900}, 13: {"unexplained": 1_200, "timezone": -300}}
    figure = build_figure(result(30, causes=causes), SCOPE)
    top, bottom = figure.axes
    colour = to_rgba(cause_named("unexplained").style.colour)
    # Nothing in the top axes (lines, safe range) is drawn in unexplained's colour.
    assert not [p for p in top.patches if p.get_facecolor() == colour]
    assert not [p for p in top.patches if "unexplained" in p.get_gid()]
    assert bars(figure, "unexplained") == {back(13): (0, 1_200), back(12): (0, -900)}
    assert bars(figure, "timezone") == {back(13): (0, -300)}
    assert all(
        p.get_facecolor() == colour for p in bottom.patches if p.get_gid() == "gap-unexplained"
    )
    # The safe range is whole, and drawn under the lines.
    assert spans(figure, "safe-range") == [day_span(back(29), back(7))]
    lines = [line for line in top.get_lines() if line.get_gid() in ("AJO", "CJA")]
    assert min(line.get_zorder() for line in lines) > max(p.get_zorder() for p in top.patches)


def test_gap_bars_split_each_day_into_its_causes_in_their_colours():
    causes = {
        0: {"processing_lag": 4_000, "retries": 300, "datasource": -20},
        4: {"missing_data": 700},
    }
    figure = build_figure(result(10, causes=causes), SCOPE)
    assert bars(figure, "processing_lag") == {TODAY: (0, 4_000)}
    assert bars(figure, "retries") == {TODAY: (4_000, 300)}  # stacked on lag
    assert bars(figure, "datasource") == {TODAY: (0, -20)}  # losses go down from zero
    assert bars(figure, "missing_data") == {back(4): (0, 700)}
    for cause in ("processing_lag", "retries", "datasource", "missing_data"):
        colour = to_rgba(cause_named(cause).style.colour)
        parts = [p for p in figure.axes[1].patches if p.get_gid() == f"gap-{cause}"]
        assert parts
        assert all(p.get_facecolor() == colour for p in parts)
    assert legend_texts(figure) == ["AJO", "CJA", "safe range", "processing lag", "retries",
                                    "data source", "missing data"]  # fmt: skip


@pytest.mark.parametrize("cause", REGISTRY, ids=lambda c: c.name)
def test_every_cause_can_be_drawn_from_its_registry_entry(cause):
    figure = build_figure(result(10, causes={1: {cause.name: 500}}), SCOPE)
    assert bars(figure, cause.name) == {back(1): (0, 500)}
    assert cause.label in legend_texts(figure)
    assert bool(spans(figure, f"cause-{cause.name}")) == bool(cause.style.hatch)


def test_safe_range_label_never_starts_before_the_first_stored_day():
    # The question asked from Oct 1; the journey has numbers from Nov 20 only.
    figure = build_figure(result(10, safe_from=date(2026, 10, 1)), SCOPE)
    first = back(9)
    assert spans(figure, "safe-range") == [day_span(first, back(7))]
    (label,) = [t for t in figure.axes[0].texts if t.get_gid() == "safe-range-label"]
    assert label.get_text().strip() == "Safe to compare: Nov 20 – Nov 22, 2026"
    assert label.get_position()[0] >= mdates.date2num(first) - 0.5
    assert label.get_position()[0] >= figure.axes[0].get_xlim()[0]


def test_safe_range_from_the_first_day_is_labelled_from_the_left_edge():
    figure = build_figure(result(30, causes=TYPICAL), SCOPE)
    (label,) = [t for t in figure.axes[0].texts if t.get_gid() == "safe-range-label"]
    assert label.get_position()[0] == figure.axes[0].get_xlim()[0]
    assert label.get_text().strip().startswith("Safe to compare: Oct 31 – ")
    figure.canvas.draw()
    box = label.get_window_extent()
    top = figure.axes[0].get_window_extent()
    assert top.x0 <= box.x0
    assert box.x1 <= top.x1


def test_days_with_nothing_stored_are_shaded_explained_and_break_the_lines():
    figure = build_figure(result(30, missing=(14, 15, 16, 20), causes=TYPICAL), SCOPE)
    for axes in (0, 1):
        assert spans(figure, "no-data", axes) == [
            day_span(back(20), back(20)),
            day_span(back(16), back(14)),
        ]
    assert "no data stored (4 days)" in legend_texts(figure)
    shades = [p for p in figure.axes[0].patches if p.get_gid() == "no-data"]
    assert all(p.get_facecolor() == to_rgba(EMPTY) for p in shades)
    # The safe range is not drawn over them: it is cut around the empty days.
    assert spans(figure, "safe-range") == [
        day_span(back(29), back(21)),
        day_span(back(19), back(17)),
        day_span(back(13), back(7)),
    ]
    for line in figure.axes[0].get_lines():
        if line.get_gid() in ("AJO", "CJA"):
            assert np.isnan(np.asarray(line.get_ydata(), dtype=float)).sum() == 4


def test_no_empty_days_no_legend_entry():
    assert not [t for t in legend_texts(build_figure(result(30), SCOPE)) if "no data" in t]


def test_the_title_is_written_in_the_metric_s_colour():
    figure = build_figure(result(5, metric="opens"), SCOPE)
    title = figure.axes[0].title if figure.axes[0].get_title() else figure.axes[0]._left_title
    assert to_rgba(title.get_color()) == to_rgba(metric_facts("opens").colour)


def test_shading_is_drawn_inside_the_safe_range_only():
    figure = build_figure(result(30, causes={0: {"processing_lag": 100}}), SCOPE)
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())
    top = figure.axes[0]

    def pixel(day: date) -> tuple[int, ...]:
        # 10,750 sits in the headroom above the lines and between grid lines.
        x, y = top.transData.transform((mdates.date2num(day), 10_750))
        return tuple(int(v) for v in pixels[pixels.shape[0] - round(y), round(x), :3])

    inside, outside = pixel(TODAY - timedelta(days=8)), pixel(TODAY - timedelta(days=4))
    assert outside == (255, 255, 255)
    expected = [round(255 * 0.9 + 255 * 0.1 * c) for c in to_rgba(SAFE)[:3]]
    assert inside == pytest.approx(expected, abs=2)


def test_charts_drawn_from_many_threads_match_serial_ones():
    results = [result(n, causes=TYPICAL if n % 2 else {}) for n in (1, 7, 30, 400)]
    serial = [chart_png(r, SCOPE) for r in results]
    assert len(set(serial)) == len(results)
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda r: chart_png(r, SCOPE), results * 2))
    assert threaded == serial * 2
