"""Words that match the code: the help names every key the dashboard binds, ``b``
cycles client / model / project wherever it splits, and the methodology screen
opens at once (laid out off the UI thread, only visible lines drawn)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.tui.dash import make_app, wait_loaded, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DISPLAY = {"question_mark": "?", "escape": "Escape"}


def bound_keys() -> set[str]:
    from tui.app import TokenprintApp
    from tui.screens.dashboard import DashboardScreen
    from tui.screens.help import HelpScreen
    from tui.screens.methodology import MethodologyScreen
    from tui.screens.session import SessionScreen
    from tui.screens.settings import SettingsScreen
    from tui.widgets.tables import SortableTable

    keys: set[str] = set()
    for cls in (DashboardScreen, TokenprintApp, SortableTable, SessionScreen, MethodologyScreen,
                SettingsScreen, HelpScreen):
        for b in cls.BINDINGS:
            key = b.key if hasattr(b, "key") else b[0]  # type: ignore[index]
            keys.update(k.strip() for k in key.split(","))
    keys.discard("backspace")  # a second way back where Escape is named
    return keys


def test_help_names_every_bound_key() -> None:
    from tui.screens.help import HELP

    plain = re.sub(r"\[/?b\]", "", HELP)
    missing = [k for k in sorted(bound_keys())
               if not re.search(rf"(?<![\w-]){re.escape(DISPLAY.get(k, k))}(?![\w-])", plain)]
    assert not missing, f"keys bound but not in the help: {missing}"
    assert "g bars per day / week / month" in plain
    assert "b cycles client / model / project" in plain


async def test_b_cycles_three_splits_in_over_time_and_drivers(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        await pilot.press("t")
        seen = [dash.summary.chart.split]
        for _ in range(3):
            await pilot.press("b")
            await wait_loaded(pilot)
            seen.append(dash.summary.chart.split)
        assert seen == ["client", "model", "project", "client"]
        projects = {r.name for r in dash.summary.breakdown["project"]}
        await pilot.press("b", "b")
        await wait_loaded(pilot)
        assert set(dash.summary.chart.series) - {"other"} <= projects
        await pilot.press("d")
        table = dash.query_one("#drivers-table")
        dims = [table.dim]
        for _ in range(3):
            await pilot.press("b")
            await pilot.pause()
            dims.append(table.dim)
        assert dims == ["model", "client", "project", "model"]


async def test_methodology_opens_at_once(dash_home: Path) -> None:
    from tui.screens.methodology import MethodologyScreen

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.pause(0.3)
        t0 = time.perf_counter()
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MethodologyScreen))
        view = app.screen.query_one("#methodology")
        await wait_until(pilot, lambda: "Boundary" in view.source, step=0.01)
        await pilot.pause()
        elapsed = time.perf_counter() - t0
        # one view drawing only its visible lines, not a widget per table cell
        assert len(list(app.screen.query("*"))) < 25
        lines = [s.text for s in view.lines]
        assert any("Boundary" in line for line in lines) and any("j_per_flop" in line for line in lines)
        assert elapsed < 1.5, f"the methodology took {elapsed:.2f} s to show"
        await pilot.press("end")
        await pilot.pause()
        assert view.scroll_y > 0
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard

