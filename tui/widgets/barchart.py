"""A bar chart with axes, drawn with block characters to the widget's size.

One bar per label (a day, a week or a month), a y axis with round ticks in the
chart's unit, an x axis with dates that never overlap. Pure text: it renders the
same on every run (snapshots), reads on light and dark themes (the bar takes
``$accent``), and needs no plotting package.
"""

from __future__ import annotations

import math

from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget

#: Eighths of a cell, from empty to full.
BLOCKS = " ▁▂▃▄▅▆▇█"


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) that is at
    least ``value``: the top of the y axis, so that its half is round too."""
    if value <= 0:
        return 1.0
    k = math.floor(math.log10(value))
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        top = m * 10.0**k
        if top >= value * (1 - 1e-9):
            return top
    return 10.0 ** (k + 1)


def tick_text(value: float) -> str:
    if value == 0:
        return "0"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def layout(
    values: list[float], labels: list[str], width: int, height: int
) -> tuple[list[str], list[tuple[int, int]]]:
    """The chart as plain lines of exactly ``width`` characters, and for each line
    the (start, end) columns of its bars (what takes the bar style).

    ``height`` lines: the plot, the x axis, the x labels. The y ticks label the
    top, the middle and zero. When there are more bars than columns, the last
    ones are shown (the most recent)."""
    width, height = max(width, 0), max(height, 0)
    if width < 12 or height < 4 or not values:
        return [" " * width for _ in range(height)], [(0, 0)] * height
    top = nice_ceiling(max(values))
    plot_h = height - 2
    blank = plot_h % 2  # an even plot puts the middle tick exactly at half the top
    plot_h -= blank
    ticks = {0: tick_text(top), plot_h // 2: tick_text(top / 2)}
    label_w = max(len(t) for t in (*ticks.values(), "0"))
    plot_w = width - label_w - 2
    if len(values) > plot_w:
        values, labels = values[-plot_w:], labels[-plot_w:]
    n = len(values)
    slot = max(1, plot_w // n)
    bar_w = slot - 1 if slot >= 3 else slot
    used = slot * n
    eighths = []
    for v in values:
        e = round(v / top * plot_h * 8) if v > 0 else 0
        eighths.append(max(e, 1) if v > 0 else 0)
    lines: list[str] = [" " * width] * blank
    spans: list[tuple[int, int]] = [(0, 0)] * blank
    start = label_w + 2
    for r in range(plot_h):
        level = plot_h - 1 - r  # cells below this row
        cells = []
        for e in eighths:
            fill = min(8, max(0, e - level * 8))
            cells.append(BLOCKS[fill] * bar_w + " " * (slot - bar_w))
        tick = ticks.get(r, "")
        lines.append(f"{tick:>{label_w}} {'┤' if tick else '│'}" + "".join(cells).ljust(plot_w)[:plot_w])
        spans.append((start, start + used))
    lines.append(f"{'0':>{label_w}} └" + "─" * plot_w)
    spans.append((0, 0))
    # x labels under the bars they name, every k-th so that they never touch
    lab_w = max(len(lab) for lab in labels)
    every = max(1, math.ceil((lab_w + 1) / slot))
    row = [" "] * width
    for i in range(0, n, every):
        col = start + i * slot
        if col + lab_w > width:
            break
        row[col : col + lab_w] = list(labels[i].ljust(lab_w))
    lines.append("".join(row))
    spans.append((0, 0))
    return lines, spans


class BarChart(Widget):
    """Bars of ``values`` (one per label), with a y and an x axis."""

    COMPONENT_CLASSES = {"barchart--bar", "barchart--axis"}
    DEFAULT_CSS = """
    BarChart { height: 1fr; min-height: 5; }
    BarChart > .barchart--bar { color: $accent; }
    BarChart > .barchart--axis { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.values: list[float] = []
        self.labels: list[str] = []
        self._lines: list[str] = []
        self._spans: list[tuple[int, int]] = []
        self._drawn_for: tuple[int, int] = (-1, -1)

    def set_data(self, values: list[float], labels: list[str]) -> None:
        self.values, self.labels = list(values), list(labels)
        self._drawn_for = (-1, -1)
        self.refresh()

    def text_lines(self) -> list[str]:
        """What the chart shows at its current size, as plain text (the tests read it)."""
        size = (self.size.width, self.size.height)
        if size != self._drawn_for:
            self._lines, self._spans = layout(self.values, self.labels, *size)
            self._drawn_for = size
        return self._lines

    def render_line(self, y: int) -> Strip:
        lines = self.text_lines()
        if y >= len(lines):
            return Strip.blank(self.size.width, self.rich_style)
        line, (a, b) = lines[y], self._spans[y]
        axis = self.rich_style + self.get_component_rich_style("barchart--axis")
        bar = self.rich_style + self.get_component_rich_style("barchart--bar")
        segments = [Segment(line[:a], axis), Segment(line[a:b], bar), Segment(line[b:], axis)]
        return Strip([s for s in segments if s.text], self.size.width)


__all__ = ["BarChart", "layout", "nice_ceiling"]
