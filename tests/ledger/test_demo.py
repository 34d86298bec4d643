"""The demo ledger looks like real use: clients, model sizes, weekday rhythm, heavy sessions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from ledger.demo import write_demo
from tests.conftest import run


def test_demo_is_realistic_and_deterministic(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert write_demo(db, events=20_000, days=90, seed=3) == 20_000
    conn = sqlite3.connect(db)
    clients = {r[0] for r in conn.execute("SELECT DISTINCT client FROM events")}
    assert {"claude-code", "codex", "gemini-cli", "llm", "chatgpt-export"} <= clients
    models = {r[0] for r in conn.execute("SELECT DISTINCT model FROM events")}
    assert {"claude-opus-4-1-20250805", "claude-haiku-4-5-20251001", "llama3.1:8b"} <= models
    assert conn.execute("SELECT COUNT(DISTINCT project) FROM events").fetchone()[0] >= 5
    days: dict[int, int] = {}
    for (ts,) in conn.execute("SELECT ts FROM events"):
        wd = datetime.fromtimestamp(ts / 1000, tz=UTC).weekday()
        days[wd] = days.get(wd, 0) + 1
    weekday = sum(days.get(d, 0) for d in range(5)) / 5
    weekend = (days.get(5, 0) + days.get(6, 0)) / 2
    assert weekday > 3 * weekend
    span = conn.execute("SELECT (MAX(ts) - MIN(ts)) / 86400000.0 FROM events").fetchone()[0]
    assert 85 <= span <= 91
    # heavy agent sessions with large cached contexts
    big = conn.execute(
        "SELECT session, COUNT(*), MAX(cache_read_tokens) FROM events WHERE client = 'claude-code' "
        "GROUP BY session ORDER BY COUNT(*) DESC LIMIT 1"
    ).fetchone()
    assert big[1] >= 100 and big[2] >= 100_000
    first = conn.execute("SELECT SUM(input_tokens + output_tokens) FROM events").fetchone()[0]
    write_demo(db, events=20_000, days=90, seed=3)
    again = sqlite3.connect(db).execute("SELECT COUNT(*), SUM(input_tokens + output_tokens) FROM events").fetchone()
    assert again == (20_000, first)


def test_demo_command_writes_demo_db_only(home: Path) -> None:
    p = run("demo", "--events", "3000", "--days", "30")
    assert p.returncode == 0, p.stderr
    assert (home / "demo.db").exists() and not (home / "ledger.db").exists()
    p = run("report", "monthly", "--demo", "--json")
    assert p.returncode == 0 and '"requests": 3000' in p.stdout
