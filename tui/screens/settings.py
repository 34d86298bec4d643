"""Settings that change how history is read: region, grid, basis, training, budget.

Writes ``config.toml`` through ``ledger.config.set_value`` (comments and layout kept);
dismisses with ``True`` when something was saved, so the dashboard reloads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Select, Static, Switch
from textual.worker import get_current_worker

from tui.screens.base import BaseModal
from tui.widgets.safe import error_text, escape_lines

#: Regions offered in the pickers (factors.md §4); any other zone can be typed in config.
ZONES = ("World", "US", "FR", "DE", "GB", "SE", "NO", "PL", "IE", "NL", "IN", "CN", "JP", "AU", "CA", "BR")


def _options(values: tuple[str, ...], current: str) -> list[tuple[str, str]]:
    vals = list(values)
    if current and current not in vals:
        vals.insert(0, current)
    return [(v, v) for v in vals]


class SettingsScreen(BaseModal):
    """Edit the settings; Ctrl+S saves, Escape cancels."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel"),
    ]

    class Loaded(Message):
        def __init__(self, values: dict[str, Any], problems: list[str]) -> None:
            self.values = values
            self.problems = problems
            super().__init__()

    class Saved(Message):
        def __init__(self, changed: list[str], error: str | None) -> None:
            self.changed = changed
            self.error = error
            super().__init__()

    def __init__(self, home: Path) -> None:
        super().__init__()
        self.home = home
        self.values: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-box"):
            yield Static("[b]Settings[/] · saved to config.toml · impacts are recomputed from stored tokens", id="settings-head")
            with Grid(id="settings-grid"):
                yield Label("Where you live (equivalents)")
                yield Select(_options(ZONES, "World"), id="user-region", allow_blank=False, value="World")
                yield Label("Data-centre grid")
                yield Select(_options(("auto", *ZONES[1:]), "auto"), id="grid-region", allow_blank=False, value="auto")
                yield Label("Carbon basis")
                yield Select([("location", "location"), ("market", "market")], id="grid-basis", allow_blank=False, value="location")
                yield Label("Include training share")
                yield Switch(value=False, id="training")
                yield Label("Monthly budget (kg CO2e)")
                yield Input(placeholder="none", id="budget", restrict=r"[0-9.]*")
            yield Static("", id="settings-error")
            with Horizontal(id="settings-buttons"):
                yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.load_values()

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False, name="reading settings")
    def load_values(self) -> None:
        from ledger.config import load, problems

        # as stored: a hand-edited bad value is shown (and named below) so it can be fixed here
        values = load(self.home, strict=False)
        found = problems(self.home)
        if not get_current_worker().is_cancelled:
            self.post_message(self.Loaded(values, found))

    @on(Loaded)
    def _loaded(self, event: Loaded) -> None:
        v = self.values = event.values
        user = self.query_one("#user-region", Select)
        user.set_options(_options(ZONES, str(v.get("user.region") or "World")))
        user.value = str(v.get("user.region") or "World")
        grid = self.query_one("#grid-region", Select)
        grid.set_options(_options(("auto", *ZONES[1:]), str(v.get("grid.region") or "auto")))
        grid.value = str(v.get("grid.region") or "auto")
        self.query_one("#grid-basis", Select).value = str(v.get("grid.basis") or "location")
        self.query_one("#training", Switch).value = bool(v.get("impact.include_training"))
        budget = v.get("budget.monthly_kg")
        self.query_one("#budget", Input).value = "" if budget is None else f"{float(budget):g}"
        if event.problems:
            self.query_one("#settings-error", Static).update(
                "[$error]" + escape_lines("\n".join(event.problems)) + "[/]"
            )
        self.query_one("#user-region", Select).focus()

    def form(self) -> dict[str, str]:
        budget = self.query_one("#budget", Input).value.strip()
        return {
            "user.region": str(self.query_one("#user-region", Select).value),
            "grid.region": str(self.query_one("#grid-region", Select).value),
            "grid.basis": str(self.query_one("#grid-basis", Select).value),
            "impact.include_training": "true" if self.query_one("#training", Switch).value else "false",
            "budget.monthly_kg": budget or "none",
        }

    def _changed(self, form: dict[str, str]) -> dict[str, str]:
        from ledger.config import ConfigError, parse_value

        out = {}
        for k, text in form.items():
            try:
                new = parse_value(k, text)
            except ConfigError:
                out[k] = text  # let the save report it
                continue
            if new != self.values.get(k):
                out[k] = text
        return out

    def action_save(self) -> None:
        self.save(self._changed(self.form()))

    @work(thread=True, exclusive=True, group="settings", exit_on_error=False, name="saving settings")
    def save(self, changes: dict[str, str]) -> None:
        from ledger.config import ConfigError, set_value

        done: list[str] = []
        error = None
        for k, text in changes.items():
            try:
                set_value(self.home, k, text)
                done.append(k)
            except ConfigError as exc:
                error = str(exc)
                break
        self.post_message(self.Saved(done, error))

    @on(Saved)
    def _saved(self, event: Saved) -> None:
        if event.error:
            self.query_one("#settings-error", Static).update(f"[$error]{error_text(event.error)}[/]")
            return
        if event.changed:
            self.notify("Saved " + ", ".join(event.changed), title="Settings", timeout=4)
        self.dismiss(bool(event.changed))

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()
