"""Snapshot tests of the main screens at 80x24 and 120x40, grouped per feature.

Each shot is taken after pilot steps that wait for the workers, on the fixed
ledger of ``dash.py`` with a frozen "today" and UTC days. Update the SVGs after a
deliberate change with ``pytest tests/tui/test_snapshots.py --snapshot-update``
and look at them (``__snapshots__/``) before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.tui.dash import make_app, wait_loaded, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SIZES = [(80, 24), (120, 40)]


def steps(*keys: str, then: Any = None) -> Any:
    async def run_before(pilot: Any) -> None:
        await wait_loaded(pilot)
        for k in keys:
            await pilot.press(k)
            await pilot.pause()
        await wait_loaded(pilot)
        if then is not None:
            await then(pilot)
        await pilot.pause()

    return run_before


class TestOverview:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_this_month(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps())

    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_twelve_months(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        # bars per month with month labels; the layout of each size
        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("4"))

    def test_last_7_days_light_theme(self, snap_compare: Any, dash_home: Path) -> None:
        app = make_app(dash_home, theme="textual-light")
        assert snap_compare(app, terminal_size=(80, 24), run_before=steps("2"))

    def test_with_budget(self, snap_compare: Any, dash_home: Path) -> None:
        (dash_home / "config.toml").write_text("[budget]\nmonthly_kg = 2\n")
        assert snap_compare(make_app(dash_home), terminal_size=(120, 40), run_before=steps())

    def test_demo_banner_on_empty_ledger(self, snap_compare: Any, home: Path, ledger_template: Path) -> None:
        shutil.copyfile(ledger_template, home / "demo.db")
        assert snap_compare(make_app(home), terminal_size=(80, 24), run_before=steps())


class TestOverTime:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_by_client(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("t"))

    def test_twelve_months_by_model(self, snap_compare: Any, dash_home: Path) -> None:
        assert snap_compare(make_app(dash_home), terminal_size=(120, 40), run_before=steps("4", "t", "b"))


class TestDrivers:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_by_model(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("d"))

    def test_filtered_on_a_client(self, snap_compare: Any, dash_home: Path) -> None:
        # by client, pick the second row, then look at the overview it filters
        assert snap_compare(
            make_app(dash_home), terminal_size=(120, 40), run_before=steps("d", "b", "down", "enter", "o")
        )


class TestSessions:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_list(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        async def loaded(pilot: Any) -> None:
            table = pilot.app.dashboard.query_one("#sessions-table")
            await wait_until(pilot, lambda: table.row_count > 0)

        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("s", then=loaded))

    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_one_session(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        from tui.screens.session import SessionScreen

        async def open_first(pilot: Any) -> None:
            table = pilot.app.dashboard.query_one("#sessions-table")
            await wait_until(pilot, lambda: table.row_count > 0)
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen))
            await wait_until(pilot, lambda: pilot.app.screen.query_one("#requests").row_count > 0)

        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("s", then=open_first))


class TestShrink:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_top_models(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        async def computed(pilot: Any) -> None:
            panel = pilot.app.dashboard.query_one("#shrink-panel")
            await wait_until(pilot, lambda: panel.savings is not None)

        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("w", then=computed))


class TestScreens:
    @pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
    def test_settings(self, snap_compare: Any, dash_home: Path, size: tuple[int, int]) -> None:
        (dash_home / "config.toml").write_text('[user]\nregion = "FR"\n[budget]\nmonthly_kg = 12.5\n')

        async def opened(pilot: Any) -> None:
            from tui.screens.settings import SettingsScreen

            await wait_until(pilot, lambda: isinstance(pilot.app.screen, SettingsScreen))
            await wait_until(pilot, lambda: bool(pilot.app.screen.values))
            await pilot.pause()

        assert snap_compare(make_app(dash_home), terminal_size=size, run_before=steps("c", then=opened))

    def test_help(self, snap_compare: Any, dash_home: Path) -> None:
        assert snap_compare(make_app(dash_home), terminal_size=(80, 24), run_before=steps("question_mark"))

    def test_methodology(self, snap_compare: Any, dash_home: Path) -> None:
        async def opened(pilot: Any) -> None:
            from tui.screens.methodology import MethodologyScreen

            await wait_until(pilot, lambda: isinstance(pilot.app.screen, MethodologyScreen))
            await wait_until(pilot, lambda: "Boundary" in pilot.app.screen.query_one("#methodology").source)

        assert snap_compare(make_app(dash_home), terminal_size=(120, 40), run_before=steps("m", then=opened))
