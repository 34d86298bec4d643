"""Sortable tables: what drives the footprint (by model, client or project) and the
sessions of the period. Each posts its own message when a row is chosen."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import events, on
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from tui import format as fmt
from tui.data import DIMENSIONS, BreakdownRow, SessionRow, Summary, metric, tokens
from tui.widgets.safe import plain


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: Callable[[Any], Any]
    cell: Callable[[Any], Text | str]
    width: int = 8  # fixed: auto widths are measured late and make shots differ
    numeric: bool = True


def _right(s: str) -> Text:
    return Text(s, justify="right")


def _impact(row_totals: dict[str, Any], name: str, unit: str) -> Text:
    r = row_totals.get(name)
    return _right(fmt.central(r, unit) if isinstance(r, dict) else "–")


def _impact_sort(name: str) -> Callable[[Any], float]:
    def key(r: Any) -> float:
        v = r.totals.get(name) if hasattr(r, "totals") else None
        return float(v["central"]) if isinstance(v, dict) else 0.0

    return key


class SortableTable(DataTable[Any]):
    """A DataTable whose rows are objects, sorted by a column (``o`` or a header click)."""

    BINDINGS = [Binding("S", "cycle_sort", "Sort")]

    sort_key: reactive[str] = reactive("")
    sort_reverse: reactive[bool] = reactive(True)
    #: Narrower than ``WIDE`` cells: ``columns_spec`` may drop or narrow columns.
    narrow: reactive[bool] = reactive(False)
    WIDE = 92

    def __init__(self, **kw: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kw)
        self.items: list[Any] = []

    def columns_spec(self) -> list[Column]:  # pragma: no cover - abstract
        raise NotImplementedError

    def row_key_of(self, item: Any) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def set_items(self, items: list[Any]) -> None:
        self.items = list(items)
        self._render_rows()

    def _render_rows(self) -> None:
        spec = self.columns_spec()
        if not spec:
            return
        by = {c.key: c for c in spec}
        col = by.get(self.sort_key) or spec[0]
        items = sorted(self.items, key=col.sort, reverse=self.sort_reverse if col.numeric else not self.sort_reverse)
        keep = self.cursor_row
        self.clear(columns=True)
        for c in spec:
            arrow = (" ↓" if self.sort_reverse else " ↑") if c.key == col.key else ""
            self.add_column(Text(c.label + arrow, justify="right" if c.numeric else "left"), key=c.key, width=c.width)
        self.add_rows([[c.cell(it) for c in spec] for it in items])
        self._row_items = items
        if items:
            self.move_cursor(row=min(keep, len(items) - 1))

    def item_at(self, row: int) -> Any:
        items = getattr(self, "_row_items", [])
        return items[row] if 0 <= row < len(items) else None

    def watch_sort_key(self) -> None:
        self._render_rows()

    def on_resize(self, event: events.Resize) -> None:
        self.narrow = event.size.width < self.WIDE

    def watch_narrow(self) -> None:
        self._render_rows()

    def watch_sort_reverse(self) -> None:
        self._render_rows()

    def action_cycle_sort(self) -> None:
        keys = [c.key for c in self.columns_spec()]
        if not keys:
            return
        i = keys.index(self.sort_key) if self.sort_key in keys else 0
        self.sort_key = keys[(i + 1) % len(keys)]

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key == self.sort_key:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_key = key


class DriversTable(SortableTable):
    """Shares of the period by model, client or project; Enter filters the screen."""

    class RowChosen(Message):
        """The user picked a row: filter the dashboard on it."""

        def __init__(self, dim: str, value: str) -> None:
            self.dim = dim
            self.value = value
            super().__init__()

    dim: reactive[str] = reactive("model")
    summary: reactive[Summary | None] = reactive(None)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.set_reactive(DriversTable.sort_key, "co2e")

    def columns_spec(self) -> list[Column]:
        has = self.summary is not None and self.summary.has_impacts
        name_label = self.dim.capitalize()
        name_width = NAME_WIDTHS.get(self.dim, 24) - (2 if self.narrow else 0)
        cols = [
            Column("name", name_label, lambda r: r.name.lower(), lambda r: _name_cell(self.dim, r.name), name_width, False),
            Column("share", "Share", lambda r: r.share, lambda r: _right(fmt.share(r.share)), 7),
        ]
        if has:
            cols.append(Column("co2e", "CO2e", _impact_sort("co2e_g"), lambda r: _impact(r.totals, "co2e_g", "g"), 9))
        cols.append(
            Column("tokens", "Tokens", lambda r: tokens(r.totals), lambda r: _right(fmt.count(tokens(r.totals))), 8)
        )
        if not (self.narrow and has):  # at 80 columns, requests give way to energy and water
            cols.append(Column("requests", "Reqs", lambda r: r.totals["requests"],
                               lambda r: _right(fmt.count(r.totals["requests"])), 7))
        if has:
            cols += [
                Column("energy", "Energy", _impact_sort("energy_wh"), lambda r: _impact(r.totals, "energy_wh", "Wh"), 9),
                Column("water", "Water", _impact_sort("water_ml"), lambda r: _impact(r.totals, "water_ml", "mL"), 9),
            ]
        return cols

    def watch_summary(self, s: Summary | None) -> None:
        if s is None:
            return
        if self.sort_key == "co2e" and not s.has_impacts:
            self.set_reactive(DriversTable.sort_key, "share")
        self.set_items(s.breakdown.get(self.dim, []))

    def watch_dim(self) -> None:
        if self.summary is not None:
            self.set_items(self.summary.breakdown.get(self.dim, []))

    def cycle_dim(self) -> str:
        self.dim = DIMENSIONS[(DIMENSIONS.index(self.dim) + 1) % len(DIMENSIONS)]
        return self.dim

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row: BreakdownRow | None = self.item_at(event.cursor_row)
        if row is not None:
            self.post_message(self.RowChosen(self.dim, row.name))


#: Width of the name column per dimension (model ids run long; projects are shortened).
NAME_WIDTHS = {"model": 26, "client": 16, "project": 24}


def _name_cell(dim: str, name: str) -> Text:
    return plain(fmt.short_project(name) if dim == "project" else name)


def local_time(ts_ms: int, zone: tzinfo | None, with_date: bool = True) -> str:
    dt = datetime.fromtimestamp(ts_ms / 1000, tz=zone)
    return dt.strftime("%m-%d %H:%M" if with_date else "%H:%M:%S")


class SessionsTable(SortableTable):
    """The sessions of the period; Enter opens one."""

    class SessionChosen(Message):
        """The user picked a session to drill into."""

        def __init__(self, row: SessionRow) -> None:
            self.row = row
            super().__init__()

    def __init__(self, zone: tzinfo | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.zone = zone
        self.has_impacts = False
        self.set_reactive(SessionsTable.sort_key, "start")

    def columns_spec(self) -> list[Column]:
        cols = [
            Column("start", "Start", lambda r: r.first_ts, lambda r: local_time(r.first_ts, self.zone), 11),
            Column("client", "Client", lambda r: r.client, lambda r: plain(r.client), 14, False),
        ]
        if self.has_impacts:
            cols.append(Column("co2e", "CO2e", lambda r: metric(r.totals), lambda r: _impact(r.totals, "co2e_g", "g"), 9))
        cols += [
            Column("tokens", "Tokens", lambda r: tokens(r.totals), lambda r: _right(fmt.count(tokens(r.totals))), 8),
            Column("requests", "Reqs", lambda r: r.totals["requests"], lambda r: _right(fmt.count(r.totals["requests"])), 7),
            Column("model", "Model", lambda r: ",".join(r.models), lambda r: _models_cell(r.models), 26, False),
            Column("project", "Project", lambda r: r.project, lambda r: plain(fmt.short_project(r.project)), 20, False),
        ]
        return cols

    def show(self, rows: list[SessionRow], has_impacts: bool) -> None:
        self.has_impacts = has_impacts
        self.set_items(rows)

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.item_at(event.cursor_row)
        if row is not None:
            self.post_message(self.SessionChosen(row))


def _models_cell(models: list[str]) -> Text:
    return plain(models[0] if len(models) == 1 else f"{models[0]} +{len(models) - 1}")
