"""Over time's stacked bars: each cell in the colour of a series that is really there.

The layout on hand-made series (and on random ones, with hypothesis), then the
dashboard on the fixed ledger through Textual's pilot, reading the colours of the
segments the widget renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.segment import Segment

from tests.tui.dash import make_app, text_of, wait_loaded
from tui.data import Chart
from tui.widgets.barchart import (
    BLOCKS,
    StackedBarChart,
    cell_owners,
    layout,
    make_frame,
    stacked_layout,
)
from tui.widgets.chart import COLOURS, title_markup

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DRAWN = set(BLOCKS[1:])


def drawn_cells(drawn: Any) -> dict[int, dict[int, set[int]]]:
    """bar (index among the shown ones) -> series -> rows where that series is drawn."""
    f = drawn.frame
    out: dict[int, dict[int, set[int]]] = {}
    for y, runs in enumerate(drawn.runs):
        for a, b, s in runs:
            assert all(ch in DRAWN for ch in drawn.lines[y][a:b]), (y, drawn.lines[y][a:b])
            for col in range(a, b):
                bar = f.bar_at(col)
                if bar is not None:
                    out.setdefault(bar, {}).setdefault(s, set()).add(y)
    return out


def assert_stack_is_honest(series: list[list[float]], width: int, height: int) -> None:
    labels = [f"d{i}" for i in range(len(series[0]))]
    drawn = stacked_layout(series, labels, width, height)
    f = drawn.frame
    assert f is not None and len(drawn.lines) == height and all(len(ln) == width for ln in drawn.lines)
    totals = [sum(col) for col in zip(*series, strict=True)]
    # the same heights, ticks and labels as the one-colour chart of the totals
    same_gaps = stacked_layout(series, labels, width, height, gap_from=3)
    assert same_gaps.lines == layout(totals, labels, width, height)[0]
    # every drawn glyph is in a run, every run on a glyph
    for y, line in enumerate(drawn.lines):
        in_runs = {c for a, b, _ in drawn.runs[y] for c in range(a, b)}
        assert in_runs == {c for c, ch in enumerate(line) if ch in DRAWN and f.bar_at(c) is not None}
    cells = drawn_cells(drawn)
    cell = f.top / f.plot_h
    for bar in range(f.n):
        col = f.first + bar
        for s, rows in cells.get(bar, {}).items():
            assert series[s][col] > 0, f"series {s} is drawn in bar {col} where it is 0 (rows {rows})"
        for s, values in enumerate(series):
            if values[col] > 0 and values[col] >= cell:
                assert s in cells.get(bar, {}), f"series {s} ({values[col]} >= a cell of {cell}) is not drawn"
        # the bar is as tall as the total says, in eighths: full cells and one partial top
        e = f.eighths(totals[col])
        x = f.start + bar * f.slot
        glyphs = [ln[x] for ln in drawn.lines[f.blank : f.blank + f.plot_h]][::-1]
        assert glyphs[: e // 8] == ["█"] * (e // 8)
        if e % 8:
            assert glyphs[e // 8] == BLOCKS[e % 8]
        assert all(g == " " for g in glyphs[-(-e // 8) :])


def test_a_series_worth_zero_never_takes_a_cell() -> None:
    # the bug of plotext on 2026-11-10: 11 g of chatgpt-export on 71 g, and "other" at 0 drawn there
    series = [[71.0, 40.0, 0.0], [0.0, 0.0, 3.0], [11.0, 35.0, 0.5], [0.0, 0.0, 0.0]]
    drawn = stacked_layout(series, ["a", "b", "c"], 40, 14)
    cells = drawn_cells(drawn)
    assert all(3 not in by_series for by_series in cells.values())  # "other" nowhere
    assert 2 in cells[0] and 2 in cells[1]  # 11 g is most of the top cell of the first bar
    assert set(cells[2]) == {1}  # 3 covers most of the only cell; 0.5 is a sliver on it
    assert_stack_is_honest(series, 40, 14)


def test_cell_owners_take_the_series_covering_most_of_each_cell() -> None:
    f = make_frame(10.0, 1, 40, 12)  # top 10 over 10 rows: one unit per cell
    assert f is not None and (f.top, f.plot_h) == (10.0, 10)
    assert cell_owners([1.5, 0.1], f) == [0, 0]  # the sliver on top does not colour the partial cell
    assert cell_owners([1.5, 0.4], f) == [0, 0]
    assert cell_owners([1.2, 0.7], f) == [0, 1]  # 0.7 of the second cell
    assert cell_owners([0.5, 0.5], f) == [1]  # a tie goes to the upper series
    assert cell_owners([0.3, 0.0, 0.7], f) == [2]  # never the series worth 0
    assert cell_owners([0.5, 1.0, 0.5], f) == [1, 2]  # a series worth one cell shows
    assert cell_owners([0.0, 0.001], f) == [1]  # any value shows, in its own colour
    assert cell_owners([0.0, 0.0], f) == []


def test_stacked_layout_on_hand_made_series() -> None:
    series = [
        [0.0, 100.0, 30.0, 400.0, 0.0, 5.0],
        [50.0, 0.0, 30.0, 20.0, 0.0, 0.0],
        [0.0, 7.0, 30.0, 0.0, 0.0, 60.0],
    ]
    for width, height in ((40, 10), (80, 24), (120, 40), (13, 5)):
        assert_stack_is_honest(series, width, height)
    drawn = stacked_layout(series, [f"Nov {i}" for i in range(6)], 40, 10)
    assert drawn.lines[0].startswith("500 ┤") and drawn.lines[-2].startswith("  0 └")
    assert drawn.lines[-1].split()[:2] == ["Nov", "0"]


def test_stacked_bars_keep_a_gap_from_two_columns() -> None:
    drawn = stacked_layout([[1.0] * 30, [1.0] * 30], [str(i) for i in range(30)], 66, 8)
    f = drawn.frame
    assert f is not None and (f.slot, f.bar_w) == (2, 1)
    assert "█ █ █" in drawn.lines[f.blank + f.plot_h - 1]
    assert layout([2.0] * 30, [str(i) for i in range(30)], 66, 8)[0][-3].count("██") > 10  # the overview's rule


def test_more_bars_than_columns_shows_the_latest() -> None:
    series = [[float(i) for i in range(200)], [1.0] * 200]
    drawn = stacked_layout(series, [str(i) for i in range(200)], 80, 12)
    assert drawn.frame is not None and drawn.frame.first == 200 - drawn.frame.n
    assert drawn.lines[-1].split()[0] == str(drawn.frame.first)
    assert_stack_is_honest(series, 80, 12)


def test_nothing_to_draw() -> None:
    drawn = stacked_layout([], [], 40, 10)
    assert drawn.frame is None and drawn.lines == [" " * 40] * 10 and drawn.runs == [[]] * 10
    assert stacked_layout([[1.0]], ["a"], 11, 10).frame is None  # too narrow for axes
    empty = Chart(labels=[], series={}, metric="co2e_g", split="client")
    assert "nothing recorded" in title_markup(empty)
    shown = Chart(labels=["2026-11-01", "2026-11-02"], series={"codex": [1.0, 2.0]}, metric="co2e_g", split="client")
    assert "2026-11-01 to 2026-11-02 · " in title_markup(shown) and "nothing" not in title_markup(shown)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda k: st.integers(1, 40).flatmap(
            lambda n: st.lists(
                st.lists(st.one_of(st.just(0.0), st.floats(0.0, 1000.0)), min_size=n, max_size=n),
                min_size=k, max_size=k,
            )
        )
    ),
    st.integers(12, 140),
    st.integers(4, 45),
)
def test_stacked_layout_is_honest_on_any_series(series: list[list[float]], width: int, height: int) -> None:
    assert_stack_is_honest(series, width, height)


# -- the dashboard ----------------------------------------------------------------------------
def rendered_cells(plot: StackedBarChart) -> dict[int, dict[int, set[int]]]:
    """bar (among the shown ones) -> series -> rows, read from the colours of the rendered segments."""
    colours = [tuple(rgb) for rgb in COLOURS]
    frame = plot.drawn.frame
    assert frame is not None
    out: dict[int, dict[int, set[int]]] = {}
    for y in range(plot.size.height):
        x = 0
        for seg in plot.render_line(y):
            assert isinstance(seg, Segment)
            for ch in seg.text:
                bar = frame.bar_at(x)
                if ch in DRAWN and bar is not None:
                    assert seg.style is not None and seg.style.color is not None, (y, x)
                    triplet = seg.style.color.get_truecolor()
                    s = colours.index((triplet.red, triplet.green, triplet.blue))
                    out.setdefault(bar, {}).setdefault(s, set()).add(y)
                x += 1
    return out


def assert_colours_are_honest(app: Any) -> dict[int, dict[int, set[int]]]:
    chart = app.dashboard.summary.chart
    names = list(chart.series)
    assert 2 <= len(names) <= len(COLOURS)
    plot = app.dashboard.query_one("#chart-plot", StackedBarChart)
    frame = plot.drawn.frame
    assert frame is not None
    # the chart fills the space it is given
    box = app.dashboard.query_one("TimeChart")
    assert plot.size.width == box.size.width and plot.size.height >= 8
    lines = plot.text_lines()
    assert len(lines) == plot.size.height and all(len(ln) == plot.size.width for ln in lines)
    cells = rendered_cells(plot)
    assert cells, "nothing drawn"
    cell = frame.top / frame.plot_h
    for bar, by_series in cells.items():
        day = chart.labels[frame.first + bar]
        for s in by_series:
            assert chart.series[names[s]][frame.first + bar] > 0, f"{names[s]} drawn on {day} where it is 0"
    for bar in range(frame.n):
        for s, values in enumerate(plot.series):
            if values[frame.first + bar] >= cell:
                assert s in cells.get(bar, {}), f"{names[s]} worth a cell is not drawn on bar {bar}"
    return cells


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_over_time_colours_each_cell_with_a_series_that_is_there(
    dash_home: Path, size: tuple[int, int]
) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=size) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t")
        await wait_loaded(pilot)
        await pilot.pause()
        chart = app.dashboard.summary.chart
        assert chart.split == "client"
        cells = assert_colours_are_honest(app)
        if size == (120, 40):
            # the cell plotext gave to "other" (0 that day): chatgpt-export's 11 g on top of 71 g
            day = chart.labels.index("2026-11-10")
            names = list(chart.series)
            assert chart.series["other"][day] == 0 and chart.series["chatgpt-export"][day] > 0
            plot = app.dashboard.query_one("#chart-plot", StackedBarChart)
            bar = day - plot.drawn.frame.first
            top_row = min(min(rows) for rows in cells[bar].values())
            assert top_row in cells[bar][names.index("chatgpt-export")]
        for _split in range(2):  # by model, by project
            await pilot.press("b")
            await wait_loaded(pilot)
            await pilot.pause()
            assert_colours_are_honest(app)
        await pilot.press("g")  # per week
        await wait_loaded(pilot)
        await pilot.pause()
        assert app.dashboard.summary.chart.step == "weekly"
        assert "per week" in text_of(app.dashboard.query_one("#chart-title"))
        assert_colours_are_honest(app)


async def test_over_time_redraws_on_resize_and_names_the_span_it_shows(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t")
        await wait_loaded(pilot)
        await pilot.pause()
        plot = app.dashboard.query_one("#chart-plot", StackedBarChart)
        wide = plot.text_lines()
        assert len(wide[0]) >= 110
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        narrow = plot.text_lines()
        assert len(narrow) == plot.size.height < len(wide) and len(narrow[0]) == plot.size.width <= 80
        assert_colours_are_honest(app)
        # a year per day does not fit: the latest days are drawn, and the title says so
        await pilot.resize_terminal(120, 40)
        await pilot.press("4")
        await wait_loaded(pilot, loads=2)
        while app.dashboard.summary.chart.step != "daily":
            await pilot.press("g")
            await wait_loaded(pilot)
        await pilot.pause()
        chart = app.dashboard.summary.chart
        frame = plot.drawn.frame
        assert frame is not None and frame.first > 0 and frame.n == frame.plot_w
        title = text_of(app.dashboard.query_one("#chart-title"))
        assert f"{chart.labels[frame.first]} to {chart.labels[-1]}" in title
        assert f"the latest {frame.n} of {len(chart.labels)} days" in title
        assert_colours_are_honest(app)
        await pilot.resize_terminal(80, 24)  # fewer columns, fewer days: the title follows
        await pilot.pause()
        await pilot.pause()
        narrow_frame = plot.drawn.frame
        assert narrow_frame is not None and narrow_frame.n < frame.n
        title = text_of(app.dashboard.query_one("#chart-title"))
        assert f"{chart.labels[narrow_frame.first]} to {chart.labels[-1]}" in title
        assert f"the latest {narrow_frame.n} of {len(chart.labels)} days" in title


def test_a_single_bar_stays_a_bar_on_a_wide_screen() -> None:
    """The 1st of a month at 120 columns: one day is a bar of at most MAX_SLOT - 1
    columns, not a block across the whole plot."""
    from tui.widgets.barchart import MAX_SLOT

    lines, spans = layout([494.0], ["Dec 1"], 100, 12)
    drawn = {c for ln in lines[:-2] for c, ch in enumerate(ln) if ch in "▁▂▃▄▅▆▇█"}
    assert drawn and len(drawn) <= MAX_SLOT - 1
