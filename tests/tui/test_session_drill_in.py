"""Session drill-in on a hand-made ledger: a session's requests are exactly those its
row in the sessions list counts (same client, period and filter), in time order,
dated when not today, under a header whose count is the number of rows.

The ledger is written by ``tokenprint log --json -`` (a real subprocess); every
expectation is read straight from the SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run
from tests.tui.dash import make_app, text_of, wait_loaded, wait_until

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

DAY = date(2026, 12, 1)


def ev(i: int, when: str, client: str, session: str | None = None, project: str | None = None) -> dict[str, Any]:
    e: dict[str, Any] = {"id": f"h-{i}", "client": client, "model": "claude-sonnet-4-5", "timestamp": when,
                         "input_tokens": 100 + i, "output_tokens": 10 * i}
    if session:
        e["session"] = session
    if project:
        e["project"] = project
    return e


#: Written out of time order on purpose.
EVENTS = [
    ev(1, "2026-12-01T09:05:00Z", "claude-code", "s1", "/p/a"),
    ev(2, "2026-12-01T09:00:00Z", "claude-code", "s1", "/p/a"),
    ev(3, "2026-11-28T10:00:00Z", "claude-code", "s1", "/p/a"),  # same session, 3 days before
    ev(4, "2026-12-01T08:00:00Z", "manual"),
    ev(5, "2026-12-01T07:00:00Z", "manual"),
    ev(6, "2026-11-30T09:30:00Z", "manual"),  # yesterday, no session
    ev(7, "2026-12-01T06:00:00Z", "manual", project="/p/b"),
    ev(8, "2026-12-01T09:30:00Z", "llm"),  # another client without a session
]


@pytest.fixture
def hand_home(home: Path) -> Path:
    p = run("log", "--json", "-", input=json.dumps(EVENTS))
    assert p.returncode == 0, p.stderr
    return home


def expected_times(db: Path, client: str, since: date, project: str | None = None) -> list[str]:
    lo = int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() * 1000)
    hi = int(datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC).timestamp() * 1000) + 86_400_000
    sql = "SELECT ts FROM events WHERE session IS NULL AND client = ? AND ts >= ? AND ts < ?"
    params: list[Any] = [client, lo, hi]
    if project is not None:
        sql += " AND project = ?"
        params.append(project)
    with sqlite3.connect(db) as conn:
        rows = [r[0] for r in conn.execute(sql + " ORDER BY ts", params)]
    out = []
    for ts in rows:
        dt = datetime.fromtimestamp(ts / 1000, tz=UTC)
        out.append(dt.strftime("%H:%M:%S" if dt.date() == DAY else "%m-%d %H:%M:%S"))
    return out


async def open_session(pilot: Any, session: str, client: str) -> Any:
    from tui.screens.session import SessionScreen

    app = pilot.app
    table = app.dashboard.query_one("#sessions-table")
    await wait_until(pilot, lambda: table.row_count > 0 and app.dashboard.sessions_key is not None)
    await pilot.pause(0.2)
    rows = [table.item_at(i) for i in range(table.row_count)]
    index = next(i for i, r in enumerate(rows) if (r.session, r.client) == (session, client))
    table.move_cursor(row=index)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen))
    screen = app.screen
    await wait_until(pilot, lambda: "Loading" not in text_of(screen.query_one("#session-title")))
    await pilot.pause()
    return screen, rows[index]


def shown(screen: Any) -> list[str]:
    table = screen.query_one("#requests")
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def header_count(screen: Any) -> int:
    import re

    m = re.search(r"(\d+) requests?\b", text_of(screen.query_one("#session-title")))
    assert m is not None, text_of(screen.query_one("#session-title"))
    return int(m.group(1))


async def test_none_session_is_one_client_within_the_period(hand_home: Path) -> None:
    db = hand_home / "ledger.db"
    app = make_app(hand_home, today=DAY, period="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("s")
        screen, row = await open_session(pilot, "(none)", "manual")
        want = expected_times(db, "manual", DAY)
        assert want == ["06:00:00", "07:00:00", "08:00:00"]
        assert shown(screen) == want
        assert header_count(screen) == len(want) == row.totals["requests"]
        assert "manual" in text_of(screen.query_one("#session-title"))
        await pilot.press("escape")
        await pilot.pause()
        # the same client over 7 days: yesterday's request comes first, with its date
        await pilot.press("2")
        await wait_loaded(pilot, loads=2)
        await pilot.press("s")
        screen, row = await open_session(pilot, "(none)", "manual")
        want = expected_times(db, "manual", date(2026, 11, 25))
        assert want[0] == "11-30 09:30:00" and len(want) == 4
        assert shown(screen) == want
        assert header_count(screen) == 4 == row.totals["requests"]


async def test_a_session_is_its_period_only(hand_home: Path) -> None:
    app = make_app(hand_home, today=DAY, period="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("s")
        screen, row = await open_session(pilot, "s1", "claude-code")
        assert shown(screen) == ["09:00:00", "09:05:00"]  # not the request of Nov 28
        assert header_count(screen) == 2 == row.totals["requests"]


async def test_drill_in_keeps_the_filter(hand_home: Path) -> None:
    from tui.data import Filter

    db = hand_home / "ledger.db"
    app = make_app(hand_home, today=DAY, period="today")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        app.dashboard.filter = Filter("project", "/p/b")
        await wait_loaded(pilot)
        await pilot.press("s")
        screen, row = await open_session(pilot, "(none)", "manual")
        want = expected_times(db, "manual", DAY, project="/p/b")
        assert shown(screen) == want == ["06:00:00"]
        assert header_count(screen) == 1 == row.totals["requests"]
        assert "project = /p/b" in text_of(screen.query_one("#session-title"))


def test_session_requests_query_is_scoped(hand_home: Path) -> None:
    """The query under the screen: period bounds, client and an empty project."""
    from ledger.queries import session_requests
    from ledger.store import open_store

    lo = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)
    store = open_store(hand_home)
    try:
        every = session_requests(store, "(none)")
        scoped = session_requests(store, "(none)", since_ms=lo, until_ms=lo + 86_400_000,
                                  where={"client": "manual", "project": None})
        with pytest.raises(ValueError, match="cannot narrow"):
            session_requests(store, "(none)", where={"session": "x"})
    finally:
        store.dispose()
    assert len(every) == 5
    assert [r["ts"] for r in scoped] == sorted(r["ts"] for r in scoped)
    assert [(r["client"], r["project"]) for r in scoped] == [("manual", None), ("manual", None)]
