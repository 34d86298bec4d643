"""The methodology in use: the boundary of the estimate and the sources of its factors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Markdown
from textual.worker import get_current_worker

from tui.screens.base import BaseScreen


def methodology_markdown(home: Path, warnings: list[str] | None = None) -> str:
    """The boundary and the factor sources as Markdown (needs ledger.impact), after
    the warnings of the estimate shown on the dashboard."""
    from ledger.config import load

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
        lines += [f"- `{k}` = `{settings[k]}`" for k in sorted(settings)]
    else:
        if warnings:
            lines += ["## Notes on the figures on screen", ""]
            lines += [f"- {w}" for w in warnings]
            lines.append("")
        lines.append(body)
    return "\n".join(lines)


class MethodologyScreen(BaseScreen):
    BINDINGS = [Binding("escape,m,backspace", "app.pop_screen", "Back")]

    class Ready(Message):
        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    def __init__(self, home: Path, warnings: list[str] | None = None) -> None:
        super().__init__()
        self.home = home
        self.warnings = list(warnings or [])

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◍")
        with VerticalScroll(id="methodology-scroll"):
            yield Markdown("Loading the methodology…", id="methodology")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.sub_title = "methodology"
        self.build()

    @work(thread=True, exclusive=True, group="methodology", exit_on_error=False, name="reading the methodology")
    def build(self) -> None:
        text = methodology_markdown(self.home, self.warnings)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Ready(text))

    @on(Ready)
    def _ready(self, event: Ready) -> None:
        md: Any = self.query_one("#methodology", Markdown)
        md.update(event.text)
        self.query_one("#methodology-scroll").focus()
