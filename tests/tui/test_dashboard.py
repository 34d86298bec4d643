"""The dashboard driven by Textual's pilot: periods, filters, sessions, settings, quit.

Every figure asserted here is recomputed straight from the SQLite file, so a test
fails when the dashboard shows a wrong total, not only when it crashes.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.tui.dash import TODAY, make_app, sql_tokens, text_of, wait_loaded, wait_until
from tui import format as fmt
from tui.data import tokens

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def headline(app: Any) -> str:
    return text_of(app.dashboard.query_one("#ov-headline"))


async def test_overview_shows_this_month(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        s = app.dashboard.summary
        want_tokens, want_requests = sql_tokens(dash_home / "ledger.db", TODAY.replace(day=1), TODAY)
        assert (tokens(s.current), s.current["requests"]) == (want_tokens, want_requests)
        text = headline(app)
        assert "This month · Nov 1–26" in text
        assert f"Tokens    {fmt.count(want_tokens)}" in text
        assert f"Requests {want_requests:,}" in text
        prev_tokens, _ = sql_tokens(dash_home / "ledger.db", date(2026, 10, 1), date(2026, 10, 26))
        assert tokens(s.previous) == prev_tokens
        assert "vs Oct 1–26" in text
        assert app.dashboard.query_one("#banner").display is False


@pytest.mark.parametrize(
    ("key", "label", "since"),
    [
        ("1", "Today", TODAY),
        ("2", "7 days", TODAY - timedelta(days=6)),
        ("4", "12 months", TODAY - timedelta(days=364)),
        ("5", "All time", None),
    ],
)
async def test_switch_period(dash_home: Path, key: str, label: str, since: date | None) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press(key)
        await wait_loaded(pilot, loads=2)
        s = app.dashboard.summary
        assert s.period.label == label
        want, requests = sql_tokens(dash_home / "ledger.db", since, TODAY)
        assert tokens(s.current) == want and s.current["requests"] == requests
        assert headline(app).startswith(label)
        if since is None:
            assert s.previous is None and "No earlier period" in headline(app)


async def test_filter_by_model_then_clear(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("d")
        table = app.dashboard.query_one("#drivers-table")
        await wait_until(pilot, lambda: table.row_count > 0)
        top = app.dashboard.summary.breakdown["model"][0].name
        await pilot.press("enter")
        await wait_loaded(pilot)
        dash = app.dashboard
        assert dash.filter is not None and (dash.filter.dim, dash.filter.value) == ("model", top)
        want, _ = sql_tokens(dash_home / "ledger.db", TODAY.replace(day=1), TODAY, model=top)
        assert tokens(dash.summary.current) == want
        assert f"model = {top}" in headline(app)
        assert [r.name for r in dash.summary.breakdown["model"]] == [top]
        assert "filter" in text_of(dash.query_one("#status"))
        await pilot.press("f")
        await wait_loaded(pilot)
        assert dash.filter is None
        assert len(dash.summary.breakdown["model"]) > 1


@pytest.mark.parametrize(("size", "columns"), [
    ((80, 24), ["name", "share", "co2e", "tokens", "energy", "water"]),
    ((120, 40), ["name", "share", "co2e", "tokens", "requests", "energy", "water"]),
])
async def test_drivers_columns_fit_the_width(dash_home: Path, size: tuple[int, int], columns: list[str]) -> None:
    """At 80 columns every impact stays on screen (requests give way); wider, all show."""
    app = make_app(dash_home)
    async with app.run_test(size=size) as pilot:
        await wait_loaded(pilot)
        await pilot.press("d")
        table = app.dashboard.query_one("#drivers-table")
        await wait_until(pilot, lambda: table.row_count > 0)
        await pilot.pause()
        assert [str(k.value) for k in table.columns] == columns
        assert table.virtual_size.width <= table.size.width


async def test_drivers_switch_dimension_and_sort(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("d")
        table = app.dashboard.query_one("#drivers-table")
        await pilot.press("b")
        await pilot.pause()
        assert table.dim == "client"
        names = {r.name for r in app.dashboard.summary.breakdown["client"]}
        assert {str(table.get_row_at(i)[0]) for i in range(table.row_count)} == names
        shares = [r.share for r in app.dashboard.summary.breakdown["client"]]
        assert abs(sum(shares) - 1.0) < 1e-9
        before = table.sort_key
        await pilot.press("S")
        await pilot.pause()
        assert table.sort_key != before
        await pilot.press("b", "b")
        await pilot.pause()
        assert table.dim == "model"


async def test_chart_split_by_model(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t")
        assert app.dashboard.summary.chart.split == "client"
        assert app.dashboard.summary.chart.labels[0] == "2026-11-01"
        assert len(app.dashboard.summary.chart.labels) == 26
        await pilot.press("b")
        await wait_loaded(pilot)
        chart = app.dashboard.summary.chart
        assert chart.split == "model"
        total = sum(sum(v) for v in chart.series.values())
        if chart.metric == "tokens":
            assert total == tokens(app.dashboard.summary.current)


async def test_chart_step_daily_weekly_monthly(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("t", "g")
        await wait_loaded(pilot)
        chart = app.dashboard.summary.chart
        assert chart.step == "weekly"
        assert chart.labels == ["2026-W44", "2026-W45", "2026-W46", "2026-W47", "2026-W48"]
        if chart.metric == "co2e_g":
            total = sum(sum(v) for v in chart.series.values())
            assert total == pytest.approx(app.dashboard.summary.current["co2e_g"]["central"])
        await pilot.press("g")
        await wait_loaded(pilot)
        assert app.dashboard.summary.chart.labels == ["2026-11"]
        await pilot.press("g")
        await wait_loaded(pilot)
        assert app.dashboard.summary.chart.step == "daily"
        await pilot.press("g", "4")  # a new period starts from its own step
        await wait_loaded(pilot, loads=2)
        assert app.dashboard.summary.chart.step == "monthly"
        assert "per week" not in text_of(app.dashboard.query_one("#chart-title"))


async def test_open_a_session(dash_home: Path) -> None:
    import sqlite3

    from tui.screens.session import SessionScreen

    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("s")
        table = app.dashboard.query_one("#sessions-table")
        await wait_until(pilot, lambda: table.row_count > 0)
        row = table.item_at(0)
        with sqlite3.connect(dash_home / "ledger.db") as conn:
            n = conn.execute("SELECT COUNT(*) FROM events WHERE session = ?", (row.session,)).fetchone()[0]
        assert row.totals["requests"] == n
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen))
        screen = app.screen
        requests = screen.query_one("#requests")
        await wait_until(pilot, lambda: requests.row_count == n)
        assert row.session in text_of(screen.query_one("#session-title"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard


async def test_change_budget_setting(dash_home: Path) -> None:
    from tui.screens.settings import SettingsScreen

    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        assert "No budget set" in text_of(app.dashboard.query_one("#ov-budget"))
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.values))
        screen.query_one("#budget").focus()
        await pilot.press("2", "5")
        screen.query_one("#grid-basis").value = "market"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.dashboard)
        await wait_loaded(pilot, loads=2)
        config = tomllib.loads((dash_home / "config.toml").read_text())
        assert config["budget"]["monthly_kg"] == 25
        assert config["grid"]["basis"] == "market"
        budget = text_of(app.dashboard.query_one("#ov-budget"))
        assert "25 kg" in budget


async def test_bad_setting_is_refused_with_reason(dash_home: Path) -> None:
    from tui.screens.settings import SettingsScreen

    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.values))
        screen.query_one("#budget").value = "1.2.3"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "budget.monthly_kg" in text_of(screen.query_one("#settings-error")))
        assert isinstance(app.screen, SettingsScreen)
        assert not (dash_home / "config.toml").exists()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard


async def test_help_methodology_theme_and_quit(dash_home: Path) -> None:
    from tui.screens.help import HelpScreen
    from tui.screens.methodology import MethodologyScreen

    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "what would shrink it" in text_of(app.screen.query_one("#help-text"))
        await pilot.press("escape")
        await pilot.press("m")
        await wait_until(pilot, lambda: isinstance(app.screen, MethodologyScreen))
        await pilot.press("escape")
        await pilot.pause()
        dark = app.current_theme.dark
        await pilot.press("T")
        assert app.current_theme.dark is not dark
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_broken_config_is_reported_once(dash_home: Path) -> None:
    (dash_home / "config.toml").write_text("[budget\nmonthly_kg = 3\n")
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        status = app.dashboard.query_one("#status") if app.dashboard else None
        await wait_until(pilot, lambda: "Could not read" in text_of(app.dashboard.query_one("#status")))
        assert status is not None
        assert "config.toml" in text_of(status)
        await wait_until(pilot, lambda: any("config.toml" in n.message for n in app._notifications))
        assert len([n for n in app._notifications if n.severity == "error"]) == 1


async def test_empty_ledger_opens_the_demo_with_a_banner(home: Path) -> None:
    app = make_app(home, demo_events=2000)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        banner = app.dashboard.query_one("#banner")
        assert banner.display is True
        assert "No usage recorded yet" in text_of(banner)
        assert "tokenprint hooks install --all" in text_of(banner)
        assert (home / "demo.db").exists()
        assert app.dashboard.summary.demo is True


async def test_export_keys_write_the_period(dash_home: Path) -> None:
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("e")
        folder = dash_home / "exports"
        await wait_until(pilot, lambda: folder.exists() and any(folder.iterdir()), timeout=20)
        files = list(folder.iterdir())
        assert len(files) == 1 and files[0].suffix == ".md"
        assert "2026-11" in files[0].name
        await wait_until(pilot, lambda: any("Exported to" in n.message for n in app._notifications))
        await pilot.press("E")
        await wait_until(pilot, lambda: len(list(folder.iterdir())) == 2, timeout=20)
        html = next(f for f in folder.iterdir() if f.suffix == ".html")
        assert html.read_text().lstrip().lower().startswith("<!doctype html>")


def test_dashboard_command_line(home: Path) -> None:
    from tests.conftest import run

    p = run("dashboard", "--help")
    assert p.returncode == 0 and "--period" in p.stdout and "--no-live" in p.stdout
    p = run("dashboard", "--tz", "Mars/Olympus")
    assert p.returncode == 2 and "unknown time zone" in p.stderr


async def test_training_share_and_estimate_warnings_are_shown(dash_home: Path) -> None:
    pytest.importorskip("ledger.impact")
    from tests.conftest import run

    (dash_home / "config.toml").write_text("[impact]\ninclude_training = true\n[grid]\nbasis = \"market\"\n")
    # a model id the table does not know (the demo has none): sized by a family rule, with a warning
    p = run("log", "--client", "claude-export", "--model", "claude.ai", "--timestamp", "2026-11-20T10:00:00Z",
            "--input", "500", "--output", "200")
    assert p.returncode == 0, p.stderr
    app = make_app(dash_home)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        s = app.dashboard.summary
        text = headline(app)
        assert "Training  +" in text and "market-based" in text
        assert s.current["co2e_training_g"]["central"] > 0
        assert any("claude.ai" in w for w in s.warnings)  # sized by a family rule
        warn = text_of(app.dashboard.query_one("#ov-warnings"))
        assert warn.startswith("⚠")


@pytest.mark.parametrize("args", [(), ("dashboard",), ("dashboard", "--demo")], ids=["bare", "dashboard", "demo"])
def test_no_terminal_is_refused_at_once(home: Path, args: tuple[str, ...]) -> None:
    """Without a terminal (a pipe, cron, CI) the dashboard would write escape codes and
    wait for keys forever: it exits 2 within a second and names the report command."""
    import subprocess
    import time

    from tests.conftest import TOKENPRINT

    t0 = time.monotonic()
    p = subprocess.run([TOKENPRINT, *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
    assert time.monotonic() - t0 < 1.0
    assert p.returncode == 2 and p.stdout == ""
    assert "needs a terminal" in p.stderr and "tokenprint report" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1


def test_a_terminal_on_stdin_only_is_not_enough(home: Path) -> None:
    import os
    import pty
    import subprocess

    from tests.conftest import TOKENPRINT

    leader, follower = pty.openpty()
    try:
        p = subprocess.run([TOKENPRINT, "dashboard"], stdin=follower, capture_output=True, text=True, timeout=20)
    finally:
        os.close(leader)
        os.close(follower)
    assert p.returncode == 2 and "stdout is not one" in p.stderr


async def test_hand_edited_bad_region_is_named_and_fixed_in_settings(dash_home: Path) -> None:
    """A config.toml holding an unknown region stops the figures (no silent World grid);
    the settings screen still opens, names the problem, and saving a known region fixes it."""
    from tui.screens.settings import SettingsScreen

    (dash_home / "config.toml").write_text('[grid]\nregion = "XX"\n')
    app = make_app(dash_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SettingsScreen))
        screen = app.screen
        await wait_until(pilot, lambda: bool(screen.values))
        error = text_of(screen.query_one("#settings-error"))
        assert "grid.region" in error and "XX" in error
        screen.query_one("#grid-region").value = "FR"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen is app.dashboard)
        await wait_until(pilot, lambda: tomllib.loads((dash_home / "config.toml").read_text())["grid"]["region"] == "FR")
        await wait_loaded(pilot)
