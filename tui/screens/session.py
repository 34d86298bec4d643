"""One session's requests: time, model, token buckets and impact.

Exactly the events that the session's row in the sessions list counts: the same
client, the period on screen and the dashboard's filter (the "(none)" row of a
client is that client's events without a session id, not every such event of the
ledger), in time order. A request of another day than today carries its date.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import get_current_worker

from ledger.amounts import sum_all
from ledger.queries import SESSION_ROW_LIMIT
from tui import format as fmt
from tui.data import Filter, Period, SessionRow, load_session_requests, tokens
from tui.screens.base import BaseScreen
from tui.widgets.safe import escape, plain
from tui.widgets.tables import local_time

BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def request_time(ts_ms: int, zone: tzinfo | None, today: date) -> str:
    """``HH:MM:SS`` for a request of ``today`` (local), ``MM-DD HH:MM:SS`` otherwise."""
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=zone)
    return dt.strftime("%H:%M:%S" if dt.date() == today else "%m-%d %H:%M:%S")


class SessionScreen(BaseScreen):
    """The requests of one session, in time order."""

    BINDINGS = [Binding("escape,backspace", "app.pop_screen", "Back")]

    class RequestsLoaded(Message):
        def __init__(self, rows: list[dict[str, Any]]) -> None:
            self.rows = rows
            super().__init__()

    def __init__(
        self, store: Any, row: SessionRow, zone: tzinfo | None, *, period: Period | None = None,
        tz: str | None = None, flt: Filter | None = None, today: date | None = None, demo: bool = False,
    ) -> None:
        super().__init__()
        self.store = store
        self.row = row
        self.zone = zone
        self.period = period
        self.tz = tz
        self.flt = flt
        self.today = today or date.today()
        self.demo = demo
        self.rows: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◍")
        yield Static(self._title(None), id="session-title")
        yield DataTable(id="requests", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def _title(self, rows: list[dict[str, Any]] | None) -> str:
        """The header: counts of the rows below once loaded (the list's row before)."""
        r = self.row
        name = "Requests without a session" if r.session == "(none)" else f"Session [b]{escape(r.session)}[/]"
        where = [escape(r.client)]
        if r.project != "(none)":
            where.append(escape(fmt.short_project(r.project)))
        if self.period is not None:
            where.append(self.period.label.lower())
        if self.flt is not None:
            where.append(escape(self.flt.describe()))
        head = ("[b]Demo data[/] · " if self.demo else "") + f"{name} · {' · '.join(where)}"
        if rows is None:
            return f"{head}\nLoading the requests…"
        if not rows:
            return f"{head}\nNo requests in this period."
        totals = sum_all(rows)
        co2 = totals.get("co2e_g")
        impact = f" · CO2e {fmt.central(co2, 'g')} ({fmt.rng(co2, 'g')})" if isinstance(co2, dict) else ""
        n = len(rows)
        calls = int(totals["requests"])
        count = f"{n:,} request{'s' if n != 1 else ''}"
        if calls != n:
            count += f" ({calls:,} API calls)"
        if n >= SESSION_ROW_LIMIT:
            count = f"the first {count}"
        first, last = int(rows[0]["ts"]), int(rows[-1]["ts"])
        same_day = datetime.fromtimestamp(first / 1000, tz=self.zone).date() == datetime.fromtimestamp(
            last / 1000, tz=self.zone).date()
        span = f"{local_time(first, self.zone)} to {local_time(last, self.zone, with_date=not same_day)}"
        return f"{head}\n{span} · {count} · {fmt.count(tokens(totals))} tokens{impact}"

    def on_mount(self) -> None:
        self.sub_title = "session · demo data" if self.demo else "session"
        self.load()

    @work(thread=True, exclusive=True, group="session", exit_on_error=False, name="loading the session")
    def load(self) -> None:
        from ledger.config import load as load_config

        app: Any = self.app
        rows = load_session_requests(
            self.store, self.row, load_config(app.home), self.period, self.tz, self.flt
        )
        if not get_current_worker().is_cancelled:
            self.post_message(self.RequestsLoaded(rows))

    @on(RequestsLoaded)
    def _loaded(self, event: RequestsLoaded) -> None:
        self.rows = event.rows
        self.query_one("#session-title", Static).update(self._title(event.rows))
        table = self.query_one(DataTable)
        has = any("co2e_g" in r for r in event.rows)
        times = [request_time(int(r["ts"]), self.zone, self.today) for r in event.rows]
        cols = ["Time", "Model", "In", "Cache w", "Cache r", "Out", "Reason"]
        if has:
            cols += ["CO2e", "Energy"]
        widths = {"Time": max((len(t) for t in times), default=8), "Model": 28, "CO2e": 9, "Energy": 9}
        for c in cols:
            table.add_column(
                Text(c, justify="left" if c in ("Time", "Model") else "right"), key=c, width=widths.get(c, 7)
            )
        for when, r in zip(times, event.rows, strict=True):
            cells: list[Any] = [
                when,
                plain(r["model"]),
                *(Text(fmt.count(r[b]), justify="right") for b in BUCKETS),
            ]
            if has:
                cells.append(Text(fmt.central(r.get("co2e_g"), "g"), justify="right"))
                cells.append(Text(fmt.central(r.get("energy_wh"), "Wh"), justify="right"))
            table.add_row(*cells)
        table.focus()

