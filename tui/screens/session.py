"""One session's requests: time, model, token buckets and impact."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.markup import escape
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from tui import format as fmt
from tui.data import SessionRow, load_session_requests, tokens
from tui.screens.base import BaseScreen
from tui.widgets.tables import local_time


class SessionScreen(BaseScreen):
    """The requests of one session, in time order."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back")]

    class RequestsLoaded(Message):
        def __init__(self, rows: list[dict[str, Any]]) -> None:
            self.rows = rows
            super().__init__()

    def __init__(self, store: Any, row: SessionRow, zone: tzinfo | None) -> None:
        super().__init__()
        self.store = store
        self.row = row
        self.zone = zone
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◍")
        yield Static(self._title(), id="session-title")
        yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def _title(self) -> str:
        r = self.row
        co2 = r.totals.get("co2e_g")
        impact = f" · CO2e {fmt.central(co2, 'g')} ({fmt.rng(co2, 'g')})" if isinstance(co2, dict) else ""
        return (
            f"Session [b]{escape(r.session)}[/] · {escape(r.client)} · {escape(fmt.short_project(r.project))}\n"
            f"{local_time(r.first_ts, self.zone)} to {local_time(r.last_ts, self.zone, with_date=False)} · "
            f"{r.totals['requests']:,} requests · {fmt.count(tokens(r.totals))} tokens{impact}"
        )

    def on_mount(self) -> None:
        self.sub_title = "session"
        self.load()

    @work(thread=True, exclusive=True, group="session", exit_on_error=False, name="loading the session")
    def load(self) -> None:
        from ledger.config import load as load_config

        app: Any = self.app
        rows = load_session_requests(self.store, self.row.session, load_config(app.home))
        if not get_current_worker().is_cancelled:
            self.post_message(self.RequestsLoaded(rows))

    @on(RequestsLoaded)
    def _loaded(self, event: RequestsLoaded) -> None:
        self.rows = event.rows
        table = self.query_one(DataTable)
        has = any("co2e_g" in r for r in event.rows)
        cols = ["Time", "Model", "In", "Cache w", "Cache r", "Out", "Reason"]
        if has:
            cols += ["CO2e", "Energy"]
        widths = {"Time": 8, "Model": 28, "CO2e": 9, "Energy": 9}
        for c in cols:
            table.add_column(
                Text(c, justify="left" if c in ("Time", "Model") else "right"), key=c, width=widths.get(c, 7)
            )
        for r in event.rows:
            cells: list[Any] = [
                local_time(int(r["ts"]), self.zone, with_date=False),
                r["model"],
                *(Text(fmt.count(r[b]), justify="right") for b in (
                    "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")),
            ]
            if has:
                cells.append(Text(fmt.central(r.get("co2e_g"), "g"), justify="right"))
                cells.append(Text(fmt.central(r.get("energy_wh"), "Wh"), justify="right"))
            table.add_row(*cells)
        table.focus()
