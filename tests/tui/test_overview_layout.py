"""The overview's layout at 120x40 and 80x24 (Textual's pilot on the fixed ledger):
the chart has axes, the drivers have share bars, the equivalents compare like with
like, nothing overlaps and the screen is used; Over time's legend is off the bars."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from ledger.equivalents import ENERGY_ORDER, WATER_ORDER, equivalent, pick_equivalents
from tests.tui.dash import make_app, text_of, wait_loaded
from tui import format as fmt
from tui.widgets.barchart import layout, nice_ceiling
from tui.widgets.sharebars import bar_text

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

PARTS = ("#ov-headline", "#ov-warnings", "#ov-drivers", "#ov-drivers-side", "#ov-card-0", "#ov-card-1",
         "#ov-card-2", "#ov-chart-title", "#ov-chart", "#ov-budget", "#ov-budget-bar")


def shown(app: Any) -> dict[str, Any]:
    """The overview's parts that are on screen, by id."""
    out = {}
    for sel in PARTS:
        w = app.dashboard.query_one(sel)
        if w.display and w.parent.display and w.region.area > 0:
            out[sel] = w
    return out


def assert_no_overlap_and_on_screen(app: Any, size: tuple[int, int]) -> None:
    parts = shown(app)
    panel = app.dashboard.query_one("#overview-panel")
    for (a, wa), (b, wb) in combinations(parts.items(), 2):
        assert not wa.region.overlaps(wb.region), f"{a} {wa.region} overlaps {b} {wb.region}"
    for sel, w in parts.items():
        assert panel.region.contains_region(w.region), f"{sel} {w.region} is off the panel {panel.region}"
    assert panel.max_scroll_y == 0, "the overview should fit without scrolling"


def assert_chart_has_axes(chart: Any, first_label: str) -> list[str]:
    lines = chart.text_lines()
    assert len(lines) == chart.size.height >= 8
    ticks = [ln.split("┤")[0].strip() for ln in lines if "┤" in ln]
    assert len(ticks) >= 2 and all(t.replace(",", "").replace(".", "").isdigit() for t in ticks), ticks
    assert float(ticks[0].replace(",", "")) == 2 * float(ticks[1].replace(",", ""))  # top and its half
    axis = [ln for ln in lines if "└" in ln]
    assert len(axis) == 1 and axis[0].strip().startswith("0 └─")
    assert lines[-1].split()[:2] == first_label.split()  # x labels under the axis
    assert sum(ln.count("█") for ln in lines) > 20  # real bars, not one row of blocks
    return lines


def assert_drivers_have_bars(drivers: Any, s: Any) -> None:
    lines = drivers.text_lines()
    assert lines[0].startswith("Top drivers")
    rows = lines[1:]
    assert {r.split()[0] for r in rows if r[:1] != " "} == {"model", "client", "project"}
    for row in rows:
        assert "█" in row or "▏" in row, row
        assert row.rstrip().endswith("%") and len(row) <= drivers.size.width
    top = s.breakdown["model"][0]
    assert fmt.share(top.share) in rows[0]
    assert rows[0].split()[1].rstrip("…") in top.name


async def test_overview_at_120x40_uses_the_screen(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        s = app.dashboard.summary
        panel = app.dashboard.query_one("#overview-panel")
        assert not panel.has_class("-compact")
        # the headline figures with their ranges
        head = text_of(app.dashboard.query_one("#ov-headline"))
        for _name, key, unit in (("CO2e", "co2e_g", "g"), ("Energy", "energy_wh", "Wh"), ("Water", "water_ml", "mL")):
            assert f"{fmt.central(s.current[key], unit)}" in head and f"range {fmt.rng(s.current[key], unit)}" in head
        # three equivalents as large figures, one per quantity, like with like
        cards = [app.dashboard.query_one(f"#ov-card-{i}") for i in range(3)]
        assert all(c.display for c in cards)
        assert [c.item["quantity"] for c in cards] == ["co2e", "energy", "water"]
        energy = s.current["energy_wh"]["central"]
        want = pick_equivalents(0.0, None, energy_wh=energy, limit=1)[0]
        assert cards[1].item["name"] in ENERGY_ORDER and cards[1].item["phrase"] == want["phrase"]
        assert cards[1].plain().startswith(f"Energy · {fmt.qty(energy, 'Wh')} ≈ {want['number']} ")
        water = s.current["water_ml"]["central"]
        assert cards[2].item["name"] in WATER_ORDER
        assert cards[2].item["phrase"] == equivalent(cards[2].item["name"], water)["phrase"]
        assert cards[0].plain().startswith(f"CO2e · {fmt.qty(s.current['co2e_g']['central'], 'g')} ≈ ")
        for c in cards:
            assert c.query_one("Digits").region.height == 3  # a large figure
        # a real chart with axes, tall enough to read
        chart = app.dashboard.query_one("#ov-chart")
        assert_chart_has_axes(chart, "Nov 1")
        assert chart.size.height >= 12 and chart.size.width >= 100
        assert_drivers_have_bars(app.dashboard.query_one("#ov-drivers"), s)
        assert not app.dashboard.query_one("#ov-drivers-side").display
        assert_no_overlap_and_on_screen(app, (120, 40))
        # the screen is used: the parts cover most of the panel's rows
        rows: set[int] = set()
        for w in shown(app).values():
            rows.update(range(w.region.y, w.region.bottom))
        assert len(rows) >= 0.85 * panel.region.height


async def test_overview_at_80x24_degrades_gracefully(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        s = app.dashboard.summary
        panel = app.dashboard.query_one("#overview-panel")
        assert panel.has_class("-compact")
        assert not app.dashboard.query_one("#ov-cards").display
        head = text_of(app.dashboard.query_one("#ov-headline")).splitlines()
        assert "vs Oct 1–26" in head[0]  # the comparison joins the period's line
        rows = {ln.split()[0]: ln for ln in head[1:]}
        # each quantity's equivalent on its own row: energy with energy, water with water
        energy = pick_equivalents(0.0, None, energy_wh=s.current["energy_wh"]["central"], limit=1)[0]
        assert rows["Energy"].endswith(f"≈ {energy['phrase']}")
        co2 = next(e for e in s.equivalents if e["quantity"] == "co2e")
        assert rows["CO2e"].endswith(f"≈ {co2['phrase']}")
        assert "≈" in rows["Water"] and "half-litre" in rows["Water"] or "shower" in rows["Water"]
        assert all(len(ln) <= 78 for ln in head)
        chart = app.dashboard.query_one("#ov-chart")
        assert_chart_has_axes(chart, "Nov 1")
        assert_drivers_have_bars(app.dashboard.query_one("#ov-drivers-side"), s)
        assert not app.dashboard.query_one("#ov-drivers").display
        assert_no_overlap_and_on_screen(app, (80, 24))


async def test_overview_with_a_budget_still_fits_at_80x24(dash_home: Path) -> None:
    (dash_home / "config.toml").write_text("[budget]\nmonthly_kg = 2\n")
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        assert "Budget" in text_of(app.dashboard.query_one("#ov-budget"))
        assert app.dashboard.query_one("#ov-budget-bar").display
        assert_no_overlap_and_on_screen(app, (80, 24))
        assert app.dashboard.query_one("#ov-chart").size.height >= 6


async def test_overview_of_twelve_months_labels_months(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("4")
        await wait_loaded(pilot, loads=2)
        lines = app.dashboard.query_one("#ov-chart").text_lines()
        labels = lines[-1].split()
        assert labels[0] == "Dec" and "Jan" in labels and labels[labels.index("Jan") + 1] == "'26"
        assert_no_overlap_and_on_screen(app, (120, 40))


async def test_over_time_legend_does_not_cover_the_bars(dash_home: Path) -> None:
    from tui.widgets.barchart import StackedBarChart

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t")
        await wait_loaded(pilot)
        await pilot.pause()
        names = list(app.dashboard.summary.chart.series)
        assert len(names) >= 3
        plot = app.dashboard.query_one("#chart-plot", StackedBarChart)
        drawn = "\n".join(plot.text_lines())
        assert "█" in drawn and "└" in drawn  # the bars and their axis are drawn
        for name in names:
            assert name not in drawn, f"{name!r} is drawn inside the plot, over the bars"
        legend = app.dashboard.query_one("#chart-legend")
        assert legend.display and all(n in text_of(legend) for n in names)
        assert legend.region.bottom <= plot.region.y


async def test_over_time_legend_names_projects_as_the_tables_do(dash_home: Path) -> None:
    from tui import format as fmt

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t")
        await wait_loaded(pilot)
        while app.dashboard.summary.chart.split != "project":
            await pilot.press("b")
            await wait_loaded(pilot)
        await pilot.pause()
        names = [n for n in app.dashboard.summary.chart.series if n != "other"]
        assert names and all(n.startswith("/") for n in names)
        legend = text_of(app.dashboard.query_one("#chart-legend"))
        for name in names:
            assert fmt.short_project(name) in legend and name not in legend


# -- the pieces, without the app --------------------------------------------------------------
def test_nice_ceiling() -> None:
    assert [nice_ceiling(v) for v in (0.0, 0.7, 1.0, 3.7, 370.0, 1234.0, 7_000.0)] == [
        1.0, 0.8, 1.0, 4.0, 400.0, 1500.0, 8000.0,
    ]


def test_chart_layout_bars_ticks_and_labels() -> None:
    values = [0.0, 100.0, 200.0, 400.0]
    labels = ["Nov 1", "Nov 2", "Nov 3", "Nov 4"]
    lines, spans = layout(values, labels, 40, 10)
    assert all(len(ln) == 40 for ln in lines) and len(lines) == 10
    assert lines[0].startswith("400 ┤") and lines[4].startswith("200 ┤")
    assert lines[8].startswith("  0 └")
    plot = lines[:8]
    cols = [lines[0].index("┤") + 1 + i * 8 for i in range(4)]  # 32 columns, 8 per bar
    heights = [sum(1 for ln in plot if ln[c] == "█") for c in cols]
    assert heights == [0, 2, 4, 8]
    assert lines[9].split() == ["Nov", "1", "Nov", "2", "Nov", "3", "Nov", "4"]
    # many bars: labels are thinned so that they never touch
    many, _ = layout([float(i) for i in range(60)], [f"Nov {i}" for i in range(60)], 80, 8)
    words = many[-1].split("  ")
    assert all(w.strip() for w in words if w) and "Nov 0" in many[-1]
    starts = [i for i in range(1, len(many[-1])) if many[-1][i] == "N"]
    assert all(b - a >= 7 for a, b in zip(starts, starts[1:], strict=False))


def test_share_bars() -> None:
    assert bar_text(0.5, 10) == ("█████", "░░░░░")
    assert bar_text(0.001, 10)[0] == "▏"  # any share shows
    assert bar_text(0.0, 4) == ("", "░░░░")
    assert bar_text(1.0, 4) == ("████", "")
