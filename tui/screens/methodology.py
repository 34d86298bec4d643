"""The methodology in use: the boundary of the estimate and the sources of its factors.

Laid out by Rich's Markdown in a worker thread, at the width of the screen, and
shown as styled lines in a scrolling Static; not Textual's Markdown widget, which
mounts a widget per table cell (the factor, grid, calibration and price tables make
about 700), asks Pygments to guess the language of every unlabelled code block
(it took the formulas for Objective-C), and lays all of it out on the UI thread:
2 to 5 s before the screen showed anything but "Loading" (``bench/methodology_open.py``).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rich.segment import Segment
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from tui.screens.base import BaseScreen


def methodology_markdown(home: Path, warnings: list[str] | None = None) -> str:
    """The boundary and the factor sources as Markdown (needs ledger.impact), after
    the warnings of the estimate shown on the dashboard."""
    from ledger.config import load
    from ledger.export import md

    settings = load(home)
    lines: list[str] = []
    try:
        from tui import methodology_text
    except ImportError:  # pragma: no cover
        methodology_text = None  # type: ignore[assignment]
    body = methodology_text.render(settings) if methodology_text is not None else None
    if body is None:
        lines += [
            "# Methodology",
            "",
            "The impact methodology (`ledger.impact`) is not available in this build, so the",
            "dashboard shows tokens only. Every figure will be computed from the stored tokens",
            "as soon as it is: the ledger stores facts, never derived numbers.",
        ]
        lines += ["", "## Settings in use", ""]
        lines += [f"- {md.code(k)} = {md.code(settings[k])}" for k in sorted(settings)]
    else:
        if warnings:
            lines += ["## Notes on the figures on screen", ""]
            lines += [f"- {md.text(w)}" for w in warnings]  # names from the data: text only
            lines.append("")
        lines.append(body)
    return "\n".join(lines)


def render_markdown(source: str, width: int) -> list[Strip]:
    """``source`` laid out by Rich's Markdown at ``width`` columns, one strip a line."""
    from rich.console import Console
    from rich.markdown import Markdown as RichMarkdown

    console = Console(width=max(width, 20), color_system="truecolor", force_terminal=True, file=io.StringIO())
    md = RichMarkdown(source, code_theme="ansi_dark", inline_code_theme="ansi_dark")
    return [Strip(line) for line in console.render_lines(md, console.options, pad=False)]


class MethodologyText(ScrollView, can_focus=True):
    """Lines laid out off the UI thread; only the visible ones are drawn.

    ``source`` is the Markdown on screen, ``laid_out_at`` the width of its layout.
    """

    def __init__(self, source: str = "", **kw: Any) -> None:
        super().__init__(**kw)
        self.source = source
        self.lines: list[Strip] = [Strip([Segment(source)])]
        self.laid_out_at = 0
        self.virtual_size = Size(len(source), 1)

    def text_width(self) -> int:
        """The columns a layout may use: the widget less its padding and scrollbar."""
        return max(self.size.width - self.styles.scrollbar_size_vertical, 20)

    def show(self, source: str, lines: list[Strip], width: int) -> None:
        self.source = source
        self.lines = lines
        self.laid_out_at = width
        self.virtual_size = Size(width, len(lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        style = self.rich_style
        i = scroll_y + y
        if i >= len(self.lines):
            return Strip.blank(self.size.width, style)
        line = self.lines[i].apply_style(style).crop_extend(scroll_x, scroll_x + self.size.width, style)
        return line.apply_offsets(scroll_x, i)


class MethodologyScreen(BaseScreen):
    BINDINGS = [Binding("escape,m,backspace", "app.pop_screen", "Back")]

    class Ready(Message):
        def __init__(self, source: str, lines: list[Strip], width: int) -> None:
            self.source = source
            self.lines = lines
            self.width = width
            super().__init__()

    def __init__(self, home: Path, warnings: list[str] | None = None) -> None:
        super().__init__()
        self.home = home
        self.warnings = list(warnings or [])
        self.source: str | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◍")
        with Vertical(id="methodology-scroll"):
            yield MethodologyText("Reading the methodology…", id="methodology")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "methodology"
        self.call_after_refresh(self._lay_out)  # once the view has its size

    def _lay_out(self) -> None:
        self.build(self.query_one("#methodology", MethodologyText).text_width())

    @work(thread=True, exclusive=True, group="methodology", exit_on_error=False, name="reading the methodology")
    def build(self, width: int) -> None:
        source = self.source if self.source is not None else methodology_markdown(self.home, self.warnings)
        lines = render_markdown(source, width)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ready(source, lines, width))

    @on(Ready)
    def _ready(self, event: Ready) -> None:
        first = self.source is None
        self.source = event.source
        view = self.query_one("#methodology", MethodologyText)
        view.show(event.source, event.lines, event.width)
        if first:
            view.focus()

    def on_resize(self) -> None:
        view = self.query_one("#methodology", MethodologyText)
        if self.source is not None and view.text_width() != view.laid_out_at:
            self._lay_out()
