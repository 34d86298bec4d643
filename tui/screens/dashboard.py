"""The main screen: overview, over time, what drives it, sessions, what would shrink it.

State lives in typed reactives (``period``, ``filter``, ``split``, ``summary``);
every ledger read runs in a thread worker that posts a message back; a watcher
worker polls ``PRAGMA data_version`` so a hook's write shows up within two seconds.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from tui.data import (
    DIMENSIONS,
    PERIOD_KEYS,
    PERIOD_LABELS,
    Filter,
    LedgerChoice,
    Savings,
    SessionRow,
    Snapshot,
    Summary,
    compute_savings,
    first_period_with_data,
    load_sessions,
    load_snapshots,
    period_bounds,
    resolve_ledger,
    summarize,
)
from tui.screens.base import BaseScreen
from tui.widgets.chart import TimeChart
from tui.widgets.overview import OverviewPanel
from tui.widgets.safe import error_text, escape
from tui.widgets.shrink import ShrinkPanel
from tui.widgets.tables import DriversTable, SessionsTable

#: How often the watcher looks at the ledger (seconds); a write shows within ~2 s.
POLL_S = 0.4

PERIOD_GROUP = Binding.Group("Period", compact=True)
VIEW_GROUP = Binding.Group("View", compact=True)
VIEWS = ("overview", "time", "drivers", "sessions", "shrink")
#: What ``b`` cycles the chart's bars through (the drivers table cycles DIMENSIONS too).
SPLITS = ("client", "model", "project")
assert set(SPLITS) == set(DIMENSIONS)


class DashboardScreen(BaseScreen):
    """Everything about the footprint of one period, with a filter."""

    BINDINGS = [
        *(
            Binding(str(i + 1), f"period('{k}')", k.capitalize(), group=PERIOD_GROUP)
            for i, k in enumerate(PERIOD_KEYS)
        ),
        Binding("o", "view('overview')", "Overview", group=VIEW_GROUP),
        Binding("t", "view('time')", "Over time", group=VIEW_GROUP),
        Binding("d", "view('drivers')", "Drivers", group=VIEW_GROUP),
        Binding("s", "view('sessions')", "Sessions", group=VIEW_GROUP),
        Binding("w", "view('shrink')", "What would shrink it", group=VIEW_GROUP),
        Binding("b", "by", "By"),
        Binding("g", "step", "Step"),
        Binding("f", "clear_filter", "Unfilter"),
        Binding("c", "settings", "Settings"),
        Binding("m", "methodology", "Method"),
        Binding("e", "export('md')", "Export"),
        Binding("E", "export('html')", "Export HTML", show=False),
        Binding("r", "reload", "Reload", show=False),
    ]

    # -- messages (posted by this screen's workers) -------------------------------------
    class DataLoaded(Message):
        """A snapshot of the period (first the current window, then complete)."""

        def __init__(
            self, choice: LedgerChoice, snapshot: Snapshot, summary: Summary, requested: str = ""
        ) -> None:
            self.choice = choice
            self.snapshot = snapshot
            self.summary = summary
            self.requested = requested or summary.period.key  # the period asked for
            super().__init__()

    class SummaryReady(Message):
        """The same snapshot summarised again (a new filter or split)."""

        def __init__(self, summary: Summary) -> None:
            self.summary = summary
            super().__init__()

    class SessionsLoaded(Message):
        def __init__(self, key: tuple[Any, ...], rows: list[SessionRow], has_impacts: bool) -> None:
            self.key = key
            self.rows = rows
            self.has_impacts = has_impacts
            super().__init__()

    class SavingsLoaded(Message):
        def __init__(self, key: tuple[Any, ...], savings: Savings) -> None:
            self.key = key
            self.savings = savings
            super().__init__()

    class LedgerChanged(Message):
        """Another process committed to the ledger."""

    class Exported(Message):
        def __init__(self, path: Path, demo: bool = False) -> None:
            self.path = path
            self.demo = demo
            super().__init__()

    # -- state ----------------------------------------------------------------------------
    period: reactive[str] = reactive("month", init=False)
    filter: reactive[Filter | None] = reactive(None, init=False)
    split: reactive[str] = reactive("client", init=False)
    step: reactive[str] = reactive("", init=False)  # chart bars: "" (the period's), daily, weekly, monthly
    summary: reactive[Summary | None] = reactive(None)

    def __init__(self, period: str = "month") -> None:
        super().__init__()
        self.set_reactive(DashboardScreen.period, period)
        self.choice: LedgerChoice | None = None
        self.snapshot: Snapshot | None = None
        self.generation = 0
        self.busy = False
        self.reload_pending = False
        self.sessions_key: tuple[Any, ...] | None = None
        self.savings_key: tuple[Any, ...] | None = None
        self.loads_done = 0
        #: Said in the status line when the first screen fell back to a period with data.
        self.fallback_note = ""

    @property
    def today(self) -> date:
        fixed: date | None = getattr(self.app, "today", None)
        return fixed or date.today()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◍")
        yield Static("", id="banner")
        yield Static("Opening the ledger…", id="status")
        with TabbedContent(initial="overview", id="views"):
            with TabPane("Overview", id="overview"):
                yield OverviewPanel(id="overview-panel").data_bind(DashboardScreen.summary)
            with TabPane("Over time", id="time"):
                yield TimeChart(id="time-chart").data_bind(DashboardScreen.summary)
            with TabPane("Drivers", id="drivers"):
                yield Static("", id="drivers-title")
                yield DriversTable(id="drivers-table").data_bind(DashboardScreen.summary)
            with TabPane("Sessions", id="sessions"):
                yield Static("Sessions of the period: Enter opens one.", id="sessions-title")
                yield SessionsTable(zone=self._zone(), id="sessions-table")
            with TabPane("Shrink", id="shrink"), VerticalScroll():
                yield ShrinkPanel(id="shrink-panel")
        yield Footer(compact=True)

    def _zone(self) -> Any:
        from ledger.timeutil import get_zone

        try:
            return get_zone(getattr(self.app, "tz", None))[1]
        except ValueError:
            return None

    def on_mount(self) -> None:
        self.query_one("#banner", Static).display = False
        self.load_data()

    # -- loading ---------------------------------------------------------------------------
    def request_load(self) -> None:
        """Reload now, or right after the load in flight (never starve on a busy ledger)."""
        if self.busy:
            self.reload_pending = True
        else:
            self.load_data()

    def load_data(self) -> None:
        """Load the period (first the current window, then the rest) in a worker."""
        self.busy = True
        self._load_worker()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False, name="loading the ledger")
    def _load_worker(self) -> None:
        from ledger.config import load as load_config

        worker = get_current_worker()
        app: Any = self.app
        first_open = self.choice is None
        choice = resolve_ledger(
            app.home, app.demo, self.choice, demo_events=app.demo_events, today=app.today,
            now=getattr(app, "now", None),
        )
        settings = load_config(app.home)
        today = self.today
        requested = self.period
        # the first screen is never empty: an empty window opens a period with data
        key = first_period_with_data(choice.store, requested, today, app.tz) if first_open else requested
        period = period_bounds(key, today)
        for snap in load_snapshots(choice.store, period, today, app.tz, settings, choice.demo):
            if worker.is_cancelled:
                return
            summary = summarize(snap, self.filter, self.split, self.step or None)
            self.post_message(self.DataLoaded(choice, snap, summary, requested))

    def worker_failed(self, worker: Worker[Any]) -> None:
        if worker.group == "load":
            self.busy = False
            self.query_one("#status", Static).update(f"[$error]Could not read the ledger: {error_text(worker.error)}[/]")

    @on(DataLoaded)
    def _data_loaded(self, event: DataLoaded) -> None:
        first_open = self.choice is None
        self.choice = event.choice
        self.snapshot = event.snapshot
        if event.snapshot.complete:
            self.busy = False
            self.generation += 1
            self.loads_done += 1
        s = event.summary
        if s.period.key != self.period and event.requested == self.period:
            # the first screen falls back to a period with data, and says so
            self.fallback_note = (
                f"{PERIOD_LABELS[self.period].lower()} has no usage yet: showing {s.period.label.lower()}"
            )
            self.set_reactive(DashboardScreen.period, s.period.key)
        if s.period.key != self.period:
            return
        if s.filter != self.filter or s.chart.split != self.split or not self._step_matches(s):
            self.resummarize()
        else:
            self.summary = s
        self._show_banner()
        if first_open and getattr(self.app, "live", True):
            self.watch_ledger()
        if event.snapshot.complete:
            self._refresh_active_view()
            if self.reload_pending:
                self.reload_pending = False
                self.load_data()

    @work(thread=True, exclusive=True, group="summary", exit_on_error=False, name="summarising")
    def resummarize(self) -> None:
        snap = self.snapshot
        if snap is None:
            return
        summary = summarize(snap, self.filter, self.split, self.step or None)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SummaryReady(summary))

    @on(SummaryReady)
    def _summary_ready(self, event: SummaryReady) -> None:
        s = event.summary
        if (
            s.filter == self.filter and s.chart.split == self.split and s.period.key == self.period
            and self._step_matches(s)
        ):
            self.summary = s

    def _step_matches(self, s: Summary) -> bool:
        return s.chart.step == (self.step or s.period.granularity)

    def watch_summary(self, s: Summary | None) -> None:
        if s is None:
            return
        source = "[b]demo data[/]" if s.demo else "your ledger"
        status = f"{source} · {s.period.label.lower()}"
        if self.fallback_note:
            status += f" · [$warning]{escape(self.fallback_note)}[/]"
        if s.filter is not None:
            status += f" · filter [b]{escape(s.filter.describe())}[/] ([b]f[/] clears)"
        if not s.complete:
            status += " · loading…"
        if s.methodology:
            status += f" · [dim]methodology {escape(str(s.methodology))}[/]"
        if getattr(self.app, "live", True):
            status += " · [dim]live[/]"
        self.query_one("#status", Static).update(status)
        self._drivers_title()
        self.sub_title = f"{s.period.label}" + (" · demo data" if s.demo else "")

    def _show_banner(self) -> None:
        banner = self.query_one("#banner", Static)
        text = self.choice.banner if self.choice else None
        banner.display = bool(text)
        if text:
            banner.update(text)

    def _drivers_title(self) -> None:
        table = self.query_one(DriversTable)
        self.query_one("#drivers-title", Static).update(
            f"By [b]{table.dim}[/] ([b]b[/]: model/client/project) · Enter filters on a row · [b]S[/] sorts"
        )

    # -- live -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="watch", exit_on_error=False, name="watching the ledger")
    def watch_ledger(self) -> None:
        from ledger.queries import ChangeProbe

        app: Any = self.app
        choice = self.choice
        assert choice is not None
        probe = ChangeProbe(store=choice.watch_store, path=choice.watch_path)
        worker = get_current_worker()
        try:
            probe.changed()
            while not worker.is_cancelled:
                time.sleep(POLL_S)
                if probe.changed() and not worker.is_cancelled:
                    self.post_message(self.LedgerChanged())
        finally:
            probe.close()
        del app

    @on(LedgerChanged)
    def _ledger_changed(self) -> None:
        self.request_load()

    # -- views ------------------------------------------------------------------------------
    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._refresh_active_view()
        self.refresh_bindings()

    def _active(self) -> str:
        return self.query_one(TabbedContent).active or "overview"

    def _refresh_active_view(self) -> None:
        view = self._active()
        if view == "sessions":
            key = (self.generation, self.period, self.filter)
            if key != self.sessions_key and self.choice is not None:
                self.sessions_key = key
                self.query_one("#sessions-title", Static).update("Loading the sessions of the period…")
                self.load_sessions_rows(key)
            self.query_one(SessionsTable).focus()
        elif view == "shrink":
            key = (self.generation, self.period, self.filter)
            if key != self.savings_key and self.snapshot is not None:
                self.savings_key = key
                self.query_one(ShrinkPanel).savings = None
                self.load_savings(key)
        elif view == "drivers":
            self.query_one(DriversTable).focus()

    @work(thread=True, exclusive=True, group="sessions", exit_on_error=False, name="loading sessions")
    def load_sessions_rows(self, key: tuple[Any, ...]) -> None:
        from ledger.config import load as load_config

        app: Any = self.app
        assert self.choice is not None
        settings = load_config(app.home)
        period = period_bounds(self.period, self.today)
        rows = load_sessions(self.choice.store, period, app.tz, settings, self.filter)
        has = any("co2e_g" in r.totals for r in rows)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SessionsLoaded(key, rows, has))

    @on(SessionsLoaded)
    def _sessions_loaded(self, event: SessionsLoaded) -> None:
        if event.key != self.sessions_key:
            return
        self.query_one(SessionsTable).show(event.rows, event.has_impacts)
        n = len(event.rows)
        flt = f" · {escape(self.filter.describe())}" if self.filter else ""
        self.query_one("#sessions-title", Static).update(
            f"{n:,} session{'s' if n != 1 else ''} in {period_bounds(self.period, self.today).label.lower()}"
            f"{flt} · Enter opens one · [b]S[/] sorts"
        )

    @on(SessionsTable.SessionChosen)
    def _session_chosen(self, event: SessionsTable.SessionChosen) -> None:
        from tui.screens.session import SessionScreen

        app: Any = self.app
        assert self.choice is not None
        self.app.push_screen(SessionScreen(
            self.choice.store, event.row, self._zone(), period=period_bounds(self.period, self.today),
            tz=app.tz, flt=self.filter, today=self.today, demo=self.choice.demo,
        ))

    @work(thread=True, exclusive=True, group="savings", exit_on_error=False, name="working out savings")
    def load_savings(self, key: tuple[Any, ...]) -> None:
        snap = self.snapshot
        if snap is None:
            return
        savings = compute_savings(snap, self.filter)
        if not get_current_worker().is_cancelled:
            self.post_message(self.SavingsLoaded(key, savings))

    @on(SavingsLoaded)
    def _savings_loaded(self, event: SavingsLoaded) -> None:
        if event.key == self.savings_key:
            self.query_one(ShrinkPanel).savings = event.savings

    @on(DriversTable.RowChosen)
    def _row_chosen(self, event: DriversTable.RowChosen) -> None:
        self.filter = Filter(event.dim, event.value)

    # -- reactions ---------------------------------------------------------------------------
    def watch_period(self) -> None:
        self.fallback_note = ""
        self.set_reactive(DashboardScreen.step, "")  # each period has its natural bar width
        self.load_data()

    def watch_filter(self) -> None:
        self.resummarize()
        self._refresh_active_view()
        self.refresh_bindings()

    def watch_split(self) -> None:
        self.resummarize()

    def watch_step(self) -> None:
        self.resummarize()

    # -- actions ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.filter is not None
        if action == "by":
            return self._active() in ("time", "drivers") if self.is_mounted else False
        if action == "step":
            return self._active() == "time" if self.is_mounted else False
        return True

    def action_period(self, key: str) -> None:
        self.period = key

    def action_view(self, view: str) -> None:
        self.query_one(TabbedContent).active = view

    def action_by(self) -> None:
        if self._active() == "drivers":
            self.query_one(DriversTable).cycle_dim()
            self._drivers_title()
        else:
            self.split = SPLITS[(SPLITS.index(self.split) + 1) % len(SPLITS)]

    def action_step(self) -> None:
        from tui.data import STEPS

        current = self.step or period_bounds(self.period, self.today).granularity
        self.step = STEPS[(STEPS.index(current) + 1) % len(STEPS)]

    def action_clear_filter(self) -> None:
        self.filter = None

    def action_reload(self) -> None:
        self.request_load()

    def action_settings(self) -> None:
        from tui.screens.settings import SettingsScreen

        app: Any = self.app

        def done(changed: bool | None) -> None:
            if changed:
                self.sessions_key = None
                self.savings_key = None
                self.request_load()

        app.push_screen(SettingsScreen(app.home), done)

    def action_methodology(self) -> None:
        from tui.screens.methodology import MethodologyScreen

        app: Any = self.app
        warnings = self.summary.warnings if self.summary is not None else []
        app.push_screen(MethodologyScreen(app.home, warnings))

    def action_export(self, fmt: str = "md") -> None:
        if self.choice is None:
            return
        self.export_period(fmt)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False, name="export")
    def export_period(self, fmt: str) -> None:
        """The period on screen as ``fmt`` (md or html) in ``<home>/exports/``."""
        from ledger.config import load as load_config
        from ledger.export import export_to_file

        app: Any = self.app
        assert self.choice is not None
        period = period_bounds(self.period, self.today)
        since = period.since
        if since is None and self.snapshot is not None and self.snapshot.groups:
            since = date.fromisoformat(min(g["key"] for g in self.snapshot.groups))
        label = "demo" if self.choice.demo else "ledger"
        folder = Path(app.home) / "exports"
        path = export_to_file(
            [(label, self.choice.store)], fmt, since or self.today - timedelta(days=30), period.until,
            folder, load_config(app.home), tz=app.tz, private_folder=True,
        )
        self.post_message(self.Exported(path, self.choice.demo))

    @on(Exported)
    def _exported(self, event: Exported) -> None:
        what = "Exported demo data to" if event.demo else "Exported to"
        self.notify(f"{what} {escape(str(event.path))}", title="Export", timeout=8)
