"""The first screen is never empty: a demo written at 00:30 on the first of a month
shows data, a ledger whose month has not started yet opens a period with data and
says so, and every view of the demo says "demo data"."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run
from tests.tui.dash import make_app, sql_tokens, text_of, wait_loaded, wait_until
from tui.data import tokens

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

NOW = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
FIRST = date(2026, 12, 1)


def status(app: Any) -> str:
    return text_of(app.dashboard.query_one("#status"))


async def test_demo_at_half_past_midnight_on_the_first_shows_data(home: Path) -> None:
    app = make_app(home, now=NOW, today=FIRST, demo_events=3000)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        s = dash.summary
        assert s.demo and dash.query_one("#banner").display
        assert s.period.key == "month" and s.current["requests"] > 0
        assert tokens(s.current) == sql_tokens(home / "demo.db", FIRST, FIRST)[0] > 0
        assert not [w for w in s.warnings if "not in the table" in w]
        await pilot.press("1")  # today has data too: a session is running
        await wait_loaded(pilot, loads=2)
        assert dash.summary.period.key == "today" and dash.summary.current["requests"] > 0


async def test_an_empty_month_opens_a_period_with_data_and_says_so(home: Path) -> None:
    events = [
        {"id": f"e{i}", "client": "manual", "model": "gpt-5-mini", "timestamp": f"2026-11-{day}T10:00:00Z",
         "input_tokens": 1000, "output_tokens": 100}
        for i, day in enumerate((28, 29, 30))
    ]
    p = run("log", "--json", "-", input=json.dumps(events))
    assert p.returncode == 0, p.stderr
    app = make_app(home, today=FIRST)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        assert dash.period == "week" and dash.summary.period.key == "week"
        assert dash.summary.current["requests"] == 3
        assert "this month has no usage yet: showing 7 days" in status(app)
        await pilot.press("3")  # asked for explicitly, the month is shown as it is
        await wait_loaded(pilot, loads=2)
        assert dash.summary.period.key == "month" and dash.summary.current["requests"] == 0
        assert "no usage yet" not in status(app)


async def test_every_view_of_the_demo_says_demo_data(home: Path) -> None:
    from tui.screens.session import SessionScreen

    app = make_app(home, demo=True, demo_events=3000)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        dash = app.dashboard
        assert "demo data" in text_of(dash.query_one("#banner")).lower()
        for key in ("o", "t", "d", "s", "w"):
            await pilot.press(key)
            await pilot.pause()
            assert dash.query_one("#banner").display, key
            assert "demo data" in status(app), key
            assert "demo data" in dash.sub_title, key
        await pilot.press("s")
        table = dash.query_one("#sessions-table")
        await wait_until(pilot, lambda: table.row_count > 0)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen))
        screen = app.screen
        assert "demo data" in screen.sub_title
        assert text_of(screen.query_one("#session-title")).startswith("Demo data")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("e")
        await wait_until(pilot, lambda: any("Exported" in n.message for n in app._notifications), timeout=20)
        assert any("Exported demo data to" in n.message for n in app._notifications)
        await pilot.press("E")
        folder = home / "exports"
        await wait_until(pilot, lambda: len(list(folder.iterdir())) == 2, timeout=20)
        for f in folder.iterdir():  # the files say so too (ledger.export marks a demo.db)
            assert "demo data" in f.read_text().lower(), f.name


def test_the_fallback_demo_is_written_again_when_an_hour_old(home: Path) -> None:
    """An empty ledger's demo follows the clock (so "today" has data), but a bigger
    demo written with ``tokenprint demo --events N`` is kept."""
    import sqlite3

    from ledger.demo import write_demo
    from tui.data import resolve_ledger

    def newest() -> int:
        with sqlite3.connect(home / "demo.db") as conn:
            return int(conn.execute("SELECT MAX(ts) FROM events").fetchone()[0])

    write_demo(home / "demo.db", events=800, days=10, now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    later = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    choice = resolve_ledger(home, False, demo_events=1000, now=later)
    choice.store.dispose()
    assert choice.fallback and newest() > int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)
    write_demo(home / "demo.db", events=5000, days=10, now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    before = newest()
    resolve_ledger(home, False, demo_events=1000, now=later).store.dispose()
    assert newest() == before
