"""Charts from hand-built results: PNG size, long and empty series, shaded spans, threads."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib import dates as mdates
from matplotlib.colors import to_rgba
from PIL import Image

from bot.answers.charts import MARKED, SAFE, build_figure, chart_png
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
) -> MetricResult:
    """`days` days ending TODAY; `causes` maps days-back to that day's causes (CJA = AJO - sum)."""
    causes = causes or {}
    rows = []
    for back in range(days - 1, -1, -1):
        day_causes = causes.get(back, {})
        cja = ajo - sum(day_causes.values())
        rows.append(Breakdown((TODAY - timedelta(days=back)).isoformat(), ajo, cja, day_causes))
    first = TODAY - timedelta(days=days - 1)
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


def spans(figure, gid: str) -> list[tuple[float, float]]:
    """(x0, x1) in data units of the top axes' patches tagged `gid`."""
    top = figure.axes[0]
    return sorted(
        (extent.x0, extent.x1)
        for patch in top.patches
        if patch.get_gid() == gid
        for extent in [patch.get_path().get_extents(patch.get_patch_transform())]
    )


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


def test_lag_retry_and_unexplained_days_are_hatched_as_runs():
    causes = {**TYPICAL, 3: {"retries": 100}, 12: {"unexplained": -900}, 20: {"datasource": 5}}
    figure = build_figure(result(30, causes=causes), SCOPE)
    back = lambda n: TODAY - timedelta(days=n)  # noqa: E731
    assert spans(figure, "cause-processing_lag") == [day_span(TODAY, TODAY)]
    assert spans(figure, "cause-retries") == [day_span(back(3), back(1))]  # one run, no seams
    assert spans(figure, "cause-unexplained") == [day_span(back(12), back(12))]
    assert all(patch.get_hatch() for patch in figure.axes[0].patches if "cause" in patch.get_gid())
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["AJO", "CJA", "safe range", "unexplained", "processing lag", "retries",
                      "other causes"]  # fmt: skip


def test_gap_bars_take_the_colour_of_their_cause():
    figure = build_figure(result(10, causes=TYPICAL), SCOPE)
    bars = [p for p in figure.axes[1].patches if p.get_gid() == "gap"]
    assert [round(b.get_height()) for b in bars[-3:]] == [400, 300, 4_000]
    assert bars[-1].get_facecolor() == to_rgba(MARKED["processing_lag"][0])
    assert bars[-2].get_facecolor() == to_rgba(MARKED["retries"][0])


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
