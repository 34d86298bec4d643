"""The migrated schema is pinned, and the SQLModel tables agree with it."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect

from ledger import fastpath
from ledger.models import SchemaMigration, SourcePosition, UsageEvent
from ledger.schema import MIGRATIONS, SCHEMA_VERSION
from ledger.store import open_store

PINNED_EVENTS_COLUMNS = [
    ("id", "INTEGER", 0, 1),
    ("client", "VARCHAR", 1, 0),
    ("event_id", "VARCHAR", 1, 0),
    ("provider", "VARCHAR", 0, 0),
    ("model", "VARCHAR", 1, 0),
    ("ts", "BIGINT", 1, 0),
    ("session", "VARCHAR", 0, 0),
    ("project", "VARCHAR", 0, 0),
    ("input_tokens", "BIGINT", 1, 0),
    ("cache_write_tokens", "BIGINT", 1, 0),
    ("cache_read_tokens", "BIGINT", 1, 0),
    ("output_tokens", "BIGINT", 1, 0),
    ("reasoning_tokens", "BIGINT", 1, 0),
    ("requests", "BIGINT", 1, 0),
    ("cost_usd", "REAL", 0, 0),
    ("source", "VARCHAR", 0, 0),
    ("tokens_estimated", "VARCHAR", 0, 0),
]
PINNED_SOURCES_COLUMNS = [
    "id", "client", "path", "identity", "offset", "size", "mtime_ns",
    "skipped_lines", "skip_reasons", "state", "updated_ts",
]
PINNED_INDEXES = {
    "ix_events_ts": ["ts"],
    "ix_events_session": ["session"],
}


def _columns(conn: sqlite3.Connection, table: str) -> list[tuple]:
    return [(r[1], r[2], r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table})")]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    store = open_store(path=tmp_path / "ledger.db")
    store.dispose()
    return tmp_path / "ledger.db"


def test_migrated_schema_is_pinned(db: Path) -> None:
    conn = sqlite3.connect(db)
    assert _columns(conn, "events") == PINNED_EVENTS_COLUMNS
    assert [c[0] for c in _columns(conn, "sources")] == PINNED_SOURCES_COLUMNS
    indexes = {
        r[1]: [c[2] for c in conn.execute(f"PRAGMA index_info({r[1]})")]
        for r in conn.execute("PRAGMA index_list(events)")
    }
    for name, cols in PINNED_INDEXES.items():
        assert indexes[name] == cols
    unique = [cols for name, cols in indexes.items() if name.startswith("sqlite_autoindex")]
    assert ["client", "event_id"] in unique
    rows = conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    assert rows == [(i + 1, m.__name__) for i, m in enumerate(MIGRATIONS)]
    assert SCHEMA_VERSION == len(MIGRATIONS) == 1


def test_sqlmodel_tables_mirror_the_migrations(db: Path) -> None:
    store = open_store(path=db)
    insp = inspect(store.engine)
    for model in (UsageEvent, SourcePosition, SchemaMigration):
        table = model.__table__  # type: ignore[attr-defined]
        db_cols = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(db_cols) == {c.name for c in table.columns}, table.name
        for col in table.columns:
            assert bool(db_cols[col.name]["nullable"]) == bool(col.nullable) or col.primary_key, (
                table.name,
                col.name,
            )
    store.dispose()


def test_stdlib_and_sqlalchemy_migrations_make_the_same_schema(tmp_path: Path, db: Path) -> None:
    conn = fastpath.open_ledger(tmp_path / "fast.db")
    a = sorted(conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)
    b = sorted(sqlite3.connect(db).execute("SELECT type, name, sql FROM sqlite_master").fetchall(), key=str)
    assert a == b


def test_ledger_file_is_private_and_in_wal_mode(db: Path) -> None:
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_no_column_can_hold_prompt_or_response_text(db: Path) -> None:
    """Privacy by construction: counts and metadata only."""
    conn = sqlite3.connect(db)
    names = {r[1] for t in ("events", "sources") for r in conn.execute(f"PRAGMA table_info({t})")}
    forbidden = {"prompt", "response", "text", "content", "message", "title", "summary", "body"}
    assert not names & forbidden
    assert not any(n.startswith(("prompt", "response", "content")) for n in names)


def test_a_newer_ledger_is_refused_with_a_clear_message(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO schema_migrations VALUES (99, 'm099_future', 0)")
    conn.commit()
    from ledger.store import StoreError

    with pytest.raises(StoreError, match="upgrade tokenprint"):
        open_store(path=db)
    with pytest.raises(fastpath.LedgerTooNew):
        fastpath.open_ledger(db)
