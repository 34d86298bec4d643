"""CO2e (or tokens) over time, stacked by client or model (plotext via textual-plotext).

The legend is a line of its own above the plot, never drawn inside it: plotext
puts its legend in a corner of the canvas, over the first bars."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.markup import escape
from textual.reactive import reactive
from textual.widgets import Static
from textual_plotext import PlotextPlot

from tui import format as fmt
from tui.data import Chart, Summary

#: Series colours that read on light and dark backgrounds (RGB: the plot and the
#: legend above it show exactly the same colour).
COLOURS: tuple[tuple[int, int, int], ...] = (
    (245, 150, 40), (70, 190, 220), (220, 60, 140), (130, 200, 60), (130, 120, 250), (150, 150, 150),
)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def legend_markup(names: list[str]) -> str:
    """``■ claude-code  ■ codex …``, each square in its series' colour."""
    return "  ".join(
        f"[{hex_colour(COLOURS[i % len(COLOURS)])}]■[/] {escape(n)}" for i, n in enumerate(names)
    )
#: At most this many x labels ("11-26" is 5 columns; 80 columns leave ~70 for the plot).
MAX_TICKS = 7


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
    if step == "weekly":
        return [lab[5:] for lab in labels]  # W47
    return [lab[5:] for lab in labels]  # 11-26


STEP_NAMES = {"daily": "day", "weekly": "week", "monthly": "month"}


class TimeChart(Vertical):
    """A stacked bar chart of the period, one bar per day (or month)."""

    summary: reactive[Summary | None] = reactive(None)

    def compose(self) -> ComposeResult:
        yield Static("", id="chart-title")
        yield Static("", id="chart-legend")
        yield PlotextPlot(id="chart-plot")

    def watch_summary(self, s: Summary | None) -> None:
        if s is None:
            return
        chart = s.chart
        factor, unit = chart_unit(chart)
        what = "CO2e" if chart.metric == "co2e_g" else "Tokens"
        step = STEP_NAMES.get(chart.step, chart.step)
        span = f"{chart.labels[0]} to {chart.labels[-1]}" if chart.labels else ""
        self.query_one("#chart-title", Static).update(
            f"[b]{what} per {step}[/] ({unit}) by {chart.split} · {span} · [dim]b: split, g: step[/]"
        )
        plot = self.query_one(PlotextPlot)
        plt: Any = plot.plt  # the bundled stubs lack stacked_bar's ``labels`` and colour lists
        plt.clear_data()
        plt.clear_figure()
        legend = self.query_one("#chart-legend", Static)
        names = [fmt.short_project(n) if chart.split == "project" and n != "other" else n for n in chart.series]
        legend.update(legend_markup(names))
        legend.display = bool(chart.series)
        if not chart.labels or not chart.series:
            plt.title("nothing recorded")
            plot.refresh()
            return
        ticks = tick_labels(chart.labels, chart.step)
        names = list(chart.series)
        values = [[v / factor for v in chart.series[n]] for n in names]
        xs = list(range(1, len(ticks) + 1))
        colours = [COLOURS[i % len(COLOURS)] for i in range(len(names))]
        plt.stacked_bar(xs, values, color=colours, width=0.8)  # no labels: the legend is above
        step_every = max(1, -(-len(ticks) // MAX_TICKS))  # labels never overlap at 80 columns
        shown = xs[::step_every]
        plt.xticks(shown, [ticks[i - 1] for i in shown])
        # the unit is in the title, not in a stray y label under the axis
        plot.refresh()
