"""CO2e (or tokens) over time, stacked by client, model or project.

Drawn by ``barchart.StackedBarChart`` to the widget's size: the overview's axes,
ticks and labels, and each cell in the colour of the series that covers most of it
(never one worth 0 in that bar). The legend is a line of its own above the plot,
in the same colours."""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import Static

from tui import format as fmt
from tui.data import Chart, Summary
from tui.widgets.barchart import StackedBarChart
from tui.widgets.safe import escape

#: Series colours that read on light and dark backgrounds (RGB: the plot and the
#: legend above it show exactly the same colour).
COLOURS: tuple[tuple[int, int, int], ...] = (
    (245, 150, 40), (70, 190, 220), (220, 60, 140), (130, 200, 60), (130, 120, 250), (150, 150, 150),
)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def series_colour(i: int) -> str:
    """The colour of the ``i``-th series, in the plot and in the legend."""
    return hex_colour(COLOURS[i % len(COLOURS)])


def legend_markup(names: list[str]) -> str:
    """``■ claude-code  ■ codex …``, each square in its series' colour."""
    return "  ".join(f"[{series_colour(i)}]■[/] {escape(n)}" for i, n in enumerate(names))


def chart_unit(chart: Chart) -> tuple[float, str]:
    """Divide the values by the factor to plot them in the unit named."""
    peak = max((sum(col) for col in zip(*chart.series.values(), strict=True)), default=0.0)
    if chart.metric == "co2e_g":
        return fmt.scale_for(peak, "g")
    for factor, name in ((1e9, "B tokens"), (1e6, "M tokens"), (1e3, "k tokens")):
        if peak >= factor:
            return factor, name
    return 1.0, "tokens"


def tick_labels(labels: list[str], step: str) -> list[str]:
    if step == "monthly":
        return [lab[2:] for lab in labels]  # 26-11
    return [lab[5:] for lab in labels]  # 11-26 per day, W47 per week


STEP_NAMES = {"daily": "day", "weekly": "week", "monthly": "month"}


def title_markup(chart: Chart, first: int = 0) -> str:
    """What is drawn, in which unit, split how, over which span; ``first`` is the
    first bar shown when the latest ones only fit."""
    _factor, unit = chart_unit(chart)
    what = "CO2e" if chart.metric == "co2e_g" else "Tokens"
    step = STEP_NAMES.get(chart.step, chart.step)
    labels = chart.labels
    span = f"{labels[first]} to {labels[-1]}" if labels else ""
    if labels and first > 0:
        span += f" (the latest {len(labels) - first} of {len(labels)} {step}s)"
    empty = "" if labels and chart.series else " · nothing recorded"
    return (
        f"[b]{what} per {step}[/] ({escape(unit)}) by {escape(chart.split)} · {escape(span)}{empty}"
        " · [dim]b: split, g: step[/]"
    )


class TimeChart(Vertical):
    """A stacked bar chart of the period, one bar per day (or week, or month)."""

    summary: reactive[Summary | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-title")
        yield Static("", id="chart-legend")
        yield StackedBarChart(id="chart-plot")

    def watch_summary(self, s: Summary | None) -> None:
        if s is None:
            return
        chart = s.chart
        legend = self.query_one("#chart-legend", Static)
        names = [fmt.short_project(n) if chart.split == "project" and n != "other" else n for n in chart.series]
        legend.update(legend_markup(names))
        legend.display = bool(chart.series)
        factor, _unit = chart_unit(chart)
        series = [[v / factor for v in values] for values in chart.series.values()]
        plot = self.query_one("#chart-plot", StackedBarChart)
        plot.set_data(series, tick_labels(chart.labels, chart.step), [series_colour(i) for i in range(len(series))])
        self.show_title()

    def on_resize(self, event: events.Resize) -> None:
        self.show_title()  # the span shown depends on the width

    def show_title(self) -> None:
        if self.summary is None:
            return
        frame = self.query_one("#chart-plot", StackedBarChart).drawn.frame
        self.query_one("#chart-title", Static).update(title_markup(self.summary.chart, frame.first if frame else 0))
