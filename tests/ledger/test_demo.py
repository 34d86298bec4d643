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


NOW = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # half past midnight on the first of a month


def test_demo_runs_up_to_now_and_is_deterministic_for_a_seed_and_now() -> None:
    from ledger.demo import generate

    rows = list(generate(5000, 30, 5, now=NOW))
    assert len(rows) == 5000
    now_ms = int(NOW.timestamp() * 1000)
    stamps = [r[4] for r in rows]
    assert max(stamps) <= now_ms  # nothing in the future
    # a session is still running: its last request is minutes old, so "today" has data
    assert now_ms - max(stamps) <= 5 * 60_000
    midnight = int(datetime(2026, 12, 1, tzinfo=UTC).timestamp() * 1000)
    assert any(midnight <= t for t in stamps)
    # every one of the last 30 days has events (so every period does)
    days = {datetime.fromtimestamp(t / 1000, tz=UTC).date() for t in stamps}
    assert all(datetime.fromtimestamp((midnight - d * 86_400_000) / 1000, tz=UTC).date() in days for d in range(30))
    assert list(generate(5000, 30, 5, now=NOW)) == rows
    later = list(generate(5000, 30, 5, now=datetime(2026, 12, 1, 15, 0, tzinfo=UTC)))
    assert max(r[4] for r in later) > max(stamps)


def test_demo_models_are_all_in_the_model_table(tmp_path: Path) -> None:
    """No demo model is sized by a rule or a size class: none carries a warning."""
    from ledger.demo import PROFILES
    from ledger.impact.models import resolve_model

    db = tmp_path / "demo.db"
    write_demo(db, events=5000, days=30, seed=2, now=NOW)
    used = set(sqlite3.connect(db).execute("SELECT DISTINCT client, model FROM events").fetchall())
    assert used <= {(p.client, p.model) for p in PROFILES}
    for p in PROFILES:
        entry = resolve_model(p.model, p.client)
        assert entry.warnings == [], (p.client, p.model, entry.warnings)

