"""The top drivers of a period (model, client, project) with share bars, laid out
to the widget's size: more rows per dimension when there is room, names cut
with an ellipsis so that the bars and percentages always fit."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from ledger.names import terminal_safe
from tui import format as fmt
from tui.data import BreakdownRow, Summary

DIMENSIONS = ("model", "client", "project")
#: Eighths of a cell filled from the left.
PARTIAL = " ▏▎▍▌▋▊▉█"
DIM_W = 8  # "project "
PCT_W = 7  # " <0.1 %"


def bar_text(share: float, width: int) -> tuple[str, str]:
    """(filled, rest) of a ``width``-cell bar for ``share`` (0..1); any share above
    zero shows at least an eighth."""
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    if share > 0:
        eighths = max(1, eighths)
    full, part = divmod(eighths, 8)
    filled = "█" * full + (PARTIAL[part] if part else "")
    return filled, "░" * (width - len(filled))


def cut(name: str, width: int) -> str:
    return name if len(name) <= width else name[: max(0, width - 1)] + "…"


def driver_rows(s: Summary, per_dim: int) -> list[tuple[str, BreakdownRow]]:
    rows = []
    for dim in DIMENSIONS:
        for row in (s.breakdown.get(dim) or [])[:per_dim]:
            rows.append((dim, row))
    return rows


def render_drivers(s: Summary | None, width: int, height: int) -> list[list[tuple[str, str]]]:
    """The lines as (text, role) pieces; role is "", "title", "dim", "bar", "rest"."""
    if s is None or width < 24 or height < 2:
        return []
    what = "CO2e" if s.has_impacts else "tokens"
    lines: list[list[tuple[str, str]]] = [[(cut(f"Top drivers · share of {what}", width), "title")]]
    per_dim = max(1, min(3, (height - 1) // len(DIMENSIONS)))
    rows = driver_rows(s, per_dim)
    if not rows:
        return [*lines, [("nothing recorded", "dim")]]
    names = [terminal_safe(fmt.short_project(r.name) if d == "project" else r.name) for d, r in rows]
    room = width - DIM_W - PCT_W - 1
    name_w = min(max(len(n) for n in names), max(8, room // 2))
    bar_w = max(4, room - name_w)
    last = ""
    for (dim, row), name in zip(rows, names, strict=True):
        filled, rest = bar_text(row.share, bar_w)
        label = dim if dim != last else ""
        last = dim
        lines.append([
            (f"{label:<{DIM_W}}", "dim"),
            (f"{cut(name, name_w):<{name_w}} ", ""),
            (filled, "bar"),
            (rest, "rest"),
            (f"{fmt.share(row.share):>{PCT_W}}", ""),
        ])
    return lines[:height]


class ShareBars(Widget):
    """Top drivers with share bars (what ``d`` shows in full)."""

    COMPONENT_CLASSES = {"sharebars--bar", "sharebars--rest", "sharebars--dim", "sharebars--title"}
    DEFAULT_CSS = """
    ShareBars { height: auto; min-height: 4; }
    ShareBars > .sharebars--bar { color: $accent; }
    ShareBars > .sharebars--rest { color: $panel-lighten-2; }
    ShareBars > .sharebars--dim { color: $text-muted; }
    ShareBars > .sharebars--title { text-style: bold; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id, classes=classes)
        self.summary: Summary | None = None

    def show(self, s: Summary | None) -> None:
        self.summary = s
        self.refresh(layout=True)

    def text_lines(self) -> list[str]:
        """What the widget shows at its size, as plain text (the tests read it)."""
        return ["".join(t for t, _ in line) for line in render_drivers(self.summary, self.size.width, self.size.height)]

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        # with the height left to it: two rows per dimension
        return 1 + len(driver_rows(self.summary, 2)) if self.summary is not None else 1

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        styles = {
            role: self.get_component_rich_style(f"sharebars--{role}")
            for role in ("bar", "rest", "dim", "title")
        }
        for i, line in enumerate(render_drivers(self.summary, self.size.width, self.size.height)):
            if i:
                text.append("\n")
            for piece, role in line:
                text.append(piece, styles.get(role))
        return text
