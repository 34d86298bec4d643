"""Bar charts with axes, drawn with block characters to the widget's size.

One bar per label (a day, a week or a month), a y axis with round ticks in the
chart's unit, an x axis with dates that never overlap. A bar is either one value
(``layout``, ``BarChart``: the overview) or a stack of series (``stacked_layout``,
``StackedBarChart``: Over time), and both share one frame: the same ticks, the
same heights for the same totals, the same labels. Pure text: it renders the same
on every run (snapshots), reads on light and dark themes, and needs no plotting
package.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

#: Eighths of a cell, from empty to full.
BLOCKS = " ▁▂▃▄▅▆▇█"

#: One coloured run of a line: (start column, end column, series index).
Run = tuple[int, int, int]


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


@dataclass(frozen=True)
class Frame:
    """Where everything goes in a chart of ``width`` x ``height``: the y ticks, the
    plot area (rows ``blank`` to ``blank + plot_h``) and one slot of ``slot``
    columns per shown bar (the bars ``first`` to the last)."""

    width: int
    top: float  # the value at the top of the plot
    plot_h: int  # rows of bars
    blank: int  # empty rows above the plot (an even plot has its middle tick at half the top)
    ticks: dict[int, str]  # plot row -> tick text
    label_w: int
    plot_w: int
    first: int  # index of the first bar shown (the last ones are shown when they don't fit)
    n: int  # bars shown
    slot: int  # columns per bar
    bar_w: int  # columns of bar in a slot (one less than the slot when it leaves a gap)

    @property
    def start(self) -> int:
        """The column of the first bar."""
        return self.label_w + 2

    def bar_at(self, col: int) -> int | None:
        """Which shown bar (0 = the first shown) draws column ``col``, if any."""
        i, offset = divmod(col - self.start, self.slot)
        return i if col >= self.start and i < self.n and offset < self.bar_w else None

    def eighths(self, value: float) -> int:
        """A total's height in eighths of a cell: any value above zero shows."""
        if value <= 0:
            return 0
        return max(1, round(value / self.top * self.plot_h * 8))

    def plot_line(self, r: int, bars: str) -> str:
        tick = self.ticks.get(r, "")
        return f"{tick:>{self.label_w}} {'┤' if tick else '│'}" + bars.ljust(self.plot_w)[: self.plot_w]

    def axis_line(self) -> str:
        return f"{'0':>{self.label_w}} └" + "─" * self.plot_w

    def label_line(self, labels: list[str]) -> str:
        """The x labels under the bars they name, every k-th so that they never touch."""
        row = [" "] * self.width
        if not labels:
            return "".join(row)
        lab_w = max(len(lab) for lab in labels)
        every = max(1, math.ceil((lab_w + 1) / self.slot))
        for i in range(0, self.n, every):
            col = self.start + i * self.slot
            if col + lab_w > self.width:
                break
            row[col : col + lab_w] = list(labels[i].ljust(lab_w))
        return "".join(row)


#: Widest slot of one bar: a day or two on a wide screen stay bars, not a wall.
MAX_SLOT = 10


def make_frame(peak: float, count: int, width: int, height: int, gap_from: int = 3) -> Frame | None:
    """The frame for ``count`` bars whose highest is ``peak``, or None when nothing fits
    (fewer than 12 columns or 4 lines, or no bars). Slots of ``gap_from`` columns or
    more leave a blank column between bars; a slot is at most :data:`MAX_SLOT` wide."""
    if width < 12 or height < 4 or count <= 0:
        return None
    top = nice_ceiling(peak)
    plot_h = height - 2  # the x axis and the x labels
    blank = plot_h % 2
    plot_h -= blank
    ticks = {0: tick_text(top), plot_h // 2: tick_text(top / 2)}
    label_w = max(len(t) for t in (*ticks.values(), "0"))
    plot_w = width - label_w - 2
    n = min(count, plot_w)
    slot = max(1, min(plot_w // n, MAX_SLOT))
    bar_w = slot - 1 if slot >= max(gap_from, 2) else slot
    return Frame(width, top, plot_h, blank, ticks, label_w, plot_w, count - n, n, slot, bar_w)


def cell_owners(stack: list[float], frame: Frame) -> list[int]:
    """The series drawn in each cell of one bar, from the bottom: the one that covers
    most of the cell (ties go to the upper one). A series worth 0 covers nothing, so
    it is never drawn; one worth at least a cell covers at least half of some cell,
    so it always is. As many cells as the bar's total fills (``Frame.eighths``)."""
    per_cell = frame.plot_h / frame.top
    bounds: list[tuple[float, float]] = []
    level = 0.0
    for v in stack:
        nxt = level + max(v, 0.0) * per_cell
        bounds.append((level, nxt))
        level = nxt
    cells = -(-frame.eighths(sum(max(v, 0.0) for v in stack)) // 8)
    owners = []
    for k in range(cells):
        best, cover = -1, 0.0
        for s, (a, b) in enumerate(bounds):
            c = min(b, k + 1) - max(a, k)
            if c > 0 and c >= cover:
                best, cover = s, c
        if best < 0:  # only rounding can leave a drawn cell uncovered: the top series that has a value
            best = max(s for s, v in enumerate(stack) if v > 0)
        owners.append(best)
    return owners


@dataclass(frozen=True)
class StackedLayout:
    """A chart as plain lines of exactly its width, and for each line its coloured runs."""

    lines: list[str]
    runs: list[list[Run]]  # per line, left to right, the cells of each series
    frame: Frame | None


def stacked_layout(
    series: list[list[float]], labels: list[str], width: int, height: int, gap_from: int = 2
) -> StackedLayout:
    """Bars stacked from ``series`` (one list of values per series, one value per
    label; the first series at the bottom), as ``height`` lines: the plot, the x axis,
    the x labels. The heights are those of ``layout`` for the totals; each cell takes
    the colour of the series that covers most of it (``cell_owners``), the top cell
    its eighth block. When there are more bars than columns, the last ones are shown
    (the most recent). Bars keep a blank column between them from slots of
    ``gap_from`` columns (2: stacks of the same colour side by side would read as one
    bar; ``layout`` keeps 3, its bars are one colour anyway)."""
    width, height = max(width, 0), max(height, 0)
    columns = [list(col) for col in zip(*series, strict=True)] if series else []
    totals = [sum(max(v, 0.0) for v in col) for col in columns]
    frame = make_frame(max(totals, default=0.0), len(totals), width, height, gap_from)
    if frame is None:
        return StackedLayout([" " * width for _ in range(height)], [[] for _ in range(height)], None)
    columns, labels = columns[frame.first :], labels[frame.first :]
    heights = [frame.eighths(t) for t in totals[frame.first :]]
    owners = [cell_owners(col, frame) for col in columns]
    lines = [" " * width] * frame.blank
    runs: list[list[Run]] = [[] for _ in range(frame.blank)]
    gap = " " * (frame.slot - frame.bar_w)
    for r in range(frame.plot_h):
        level = frame.plot_h - 1 - r  # cells below this row
        cells: list[str] = []
        line_runs: list[Run] = []
        for i, e in enumerate(heights):
            fill = min(8, max(0, e - level * 8))
            cells.append(BLOCKS[fill] * frame.bar_w + gap)
            if fill:
                a = frame.start + i * frame.slot
                s = owners[i][level]
                if line_runs and line_runs[-1][1] == a and line_runs[-1][2] == s:
                    a = line_runs.pop()[0]
                line_runs.append((a, frame.start + i * frame.slot + frame.bar_w, s))
        lines.append(frame.plot_line(r, "".join(cells)))
        runs.append(line_runs)
    lines += [frame.axis_line(), frame.label_line(labels)]
    runs += [[], []]
    return StackedLayout(lines, runs, frame)


def layout(
    values: list[float], labels: list[str], width: int, height: int
) -> tuple[list[str], list[tuple[int, int]]]:
    """The chart of one series as plain lines of exactly ``width`` characters, and
    for each line the (start, end) columns of its bars (what takes the bar style).

    ``height`` lines: the plot, the x axis, the x labels. The y ticks label the
    top, the middle and zero. When there are more bars than columns, the last
    ones are shown (the most recent)."""
    drawn = stacked_layout([list(values)] if values else [], labels, width, height, gap_from=3)
    f = drawn.frame
    if f is None:
        return drawn.lines, [(0, 0)] * len(drawn.lines)
    bars = (f.start, f.start + f.slot * f.n)
    spans = [bars if f.blank <= y < f.blank + f.plot_h else (0, 0) for y in range(len(drawn.lines))]
    return drawn.lines, spans


class BlockChart(Widget):
    """What both charts share: a layout cached per size, drawn line by line with the
    axis style and a style per coloured run."""

    COMPONENT_CLASSES = {"barchart--bar", "barchart--axis"}
    DEFAULT_CSS = """
    BlockChart { height: 1fr; min-height: 5; }
    BlockChart > .barchart--bar { color: $accent; }
    BlockChart > .barchart--axis { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self._drawn = StackedLayout([], [], None)
        self._drawn_for: tuple[int, int] = (-1, -1)

    def draw(self, width: int, height: int) -> StackedLayout:
        raise NotImplementedError

    def run_style(self, series: int) -> Style:
        return self.get_component_rich_style("barchart--bar")

    def redraw(self) -> None:
        self._drawn_for = (-1, -1)
        self.refresh()

    @property
    def drawn(self) -> StackedLayout:
        """The layout at the current size (redrawn when the size changes)."""
        size = (self.size.width, self.size.height)
        if size != self._drawn_for:
            self._drawn = self.draw(*size)
            self._drawn_for = size
        return self._drawn

    def text_lines(self) -> list[str]:
        """What the chart shows at its current size, as plain text (the tests read it)."""
        return self.drawn.lines

    def render_line(self, y: int) -> Strip:
        drawn = self.drawn
        if y >= len(drawn.lines):
            return Strip.blank(self.size.width, self.rich_style)
        line = drawn.lines[y]
        axis = self.rich_style + self.get_component_rich_style("barchart--axis")
        segments, at = [], 0
        for a, b, series in drawn.runs[y]:
            segments += [Segment(line[at:a], axis), Segment(line[a:b], self.rich_style + self.run_style(series))]
            at = b
        segments.append(Segment(line[at:], axis))
        return Strip([s for s in segments if s.text], self.size.width)


class BarChart(BlockChart):
    """Bars of ``values`` (one per label), with a y and an x axis, in ``$accent``."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.values: list[float] = []
        self.labels: list[str] = []

    def set_data(self, values: list[float], labels: list[str]) -> None:
        self.values, self.labels = list(values), list(labels)
        self.redraw()

    def draw(self, width: int, height: int) -> StackedLayout:
        return stacked_layout([self.values] if self.values else [], self.labels, width, height, gap_from=3)


class StackedBarChart(BlockChart):
    """Bars stacked from several series (the first at the bottom), each in its colour."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.series: list[list[float]] = []
        self.labels: list[str] = []
        self.colours: list[str] = []

    def set_data(self, series: list[list[float]], labels: list[str], colours: list[str]) -> None:
        """``colours[i]`` (``#rrggbb``) draws ``series[i]``."""
        self.series, self.labels, self.colours = [list(s) for s in series], list(labels), list(colours)
        self.redraw()

    def draw(self, width: int, height: int) -> StackedLayout:
        return stacked_layout(self.series, self.labels, width, height)

    def run_style(self, series: int) -> Style:
        return Style(color=self.colours[series % len(self.colours)]) if self.colours else super().run_style(series)


__all__ = ["BarChart", "Frame", "StackedBarChart", "StackedLayout", "layout", "nice_ceiling", "stacked_layout"]
