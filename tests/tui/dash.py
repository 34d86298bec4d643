"""Helpers for the dashboard tests: a fixed ledger, a frozen "today", waiting for workers."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

TODAY = date(2026, 11, 26)
END = datetime(2026, 11, 26, 12, tzinfo=UTC)
EVENTS = 3000
DAYS = 60
SEED = 11


def write_fixture_ledger(path: Path) -> None:
    """A small realistic ledger with fixed timestamps (the demo generator, pinned)."""
    from ledger.demo import INSERT_SQL, generate
    from ledger.store import open_store

    store = open_store(path=path)
    try:
        with store.write() as conn:
            conn.exec_driver_sql(INSERT_SQL, list(generate(EVENTS, DAYS, SEED, now=END)))
    finally:
        store.dispose()


def install_ledger(template: Path, home: Path) -> Path:
    dest = home / "ledger.db"
    shutil.copyfile(template, dest)
    return dest


def make_app(home: Path, **kw: Any) -> Any:
    from tui.app import TokenprintApp

    kw.setdefault("today", TODAY)
    kw.setdefault("tz", "UTC")
    kw.setdefault("live", False)
    return TokenprintApp(home, **kw)


async def wait_until(pilot: Pilot[Any], cond: Any, timeout: float = 10.0, step: float = 0.05) -> None:
    waited = 0.0
    while not cond():
        if waited >= timeout:
            raise AssertionError("timed out waiting for the dashboard")
        await pilot.pause(step)
        waited += step


async def wait_loaded(pilot: Pilot[Any], loads: int = 1, timeout: float = 10.0) -> None:
    """Wait until the dashboard finished ``loads`` complete loads and shows their summary."""
    app: Any = pilot.app

    def done() -> bool:
        dash = app.dashboard
        return (
            dash is not None
            and dash.loads_done >= loads
            and not dash.busy
            and dash.summary is not None
            and dash.summary.complete
            and dash.summary.filter == dash.filter
            and dash.summary.period.key == dash.period
            and dash.summary.chart.split == dash.split
            and dash._step_matches(dash.summary)
        )

    await wait_until(pilot, done, timeout)
    await pilot.pause()


def text_of(widget: Any) -> str:
    visual = widget.visual
    return str(getattr(visual, "plain", visual))


def sql_tokens(db: Path, since: date | None = None, until: date | None = None, **where: str) -> tuple[int, int]:
    """(tokens, requests) straight from SQLite, UTC days, as an independent check."""
    clauses, params = [], []
    if since is not None:
        clauses.append("ts >= ?")
        params.append(int(datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp() * 1000))
    if until is not None:
        clauses.append("ts < ?")
        end = datetime(until.year, until.month, until.day, tzinfo=UTC).timestamp() + 86400
        params.append(int(end * 1000))
    for col, value in where.items():
        clauses.append(f"{col} = ?")
        params.append(value)
    sql = (
        "SELECT SUM(input_tokens + cache_write_tokens + cache_read_tokens + output_tokens + "
        "reasoning_tokens), SUM(requests) FROM events"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
    )
    with sqlite3.connect(db) as conn:
        tok, req = conn.execute(sql, params).fetchone()
    return int(tok or 0), int(req or 0)
