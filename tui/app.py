"""The tokenprint dashboard app: a thin shell around :class:`DashboardScreen`.

Everything the screens need to know about the run (home folder, demo, the fixed
"now" or "today" and time zone that tests pass, live watching) lives here as
attributes. A fixed ``now`` also dates the demo ledger written on an empty home.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from tui.screens.dashboard import DashboardScreen


class TokenprintApp(App[None]):
    """``tokenprint`` with no arguments."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "tokenprint"
    SUB_TITLE = "footprint of your AI clients"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("T", "toggle_theme", "Theme", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(
        self,
        home: str | Path | None = None,
        *,
        demo: bool = False,
        today: date | None = None,
        now: datetime | None = None,
        tz: str | None = None,
        live: bool = True,
        period: str = "month",
        demo_events: int = 20_000,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        from ledger.paths import resolve_home

        self.home = resolve_home(home)
        self.demo = demo
        self.now = now
        self.today = today if today is not None or now is None else _local_date(now, tz)
        self.tz = tz
        self.live = live
        self.period = period
        self.demo_events = demo_events
        if theme:
            self.theme = theme

    def get_default_screen(self) -> DashboardScreen:
        return DashboardScreen(period=self.period)

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    @property
    def dashboard(self) -> Any:
        return self.screen_stack[0] if self.screen_stack else None


def _local_date(now: datetime, tz: str | None) -> date:
    from ledger.timeutil import get_zone

    return now.astimezone(get_zone(tz)[1]).date()
