"""The ledger through the standard library's ``sqlite3``: the hook's hot path.

Standard library only: runs on every turn of the user's client. Opens the local
SQLite file with the project's settings (file mode 0600, WAL, a busy timeout),
creates or migrates it when needed, and ingests events in one ``BEGIN IMMEDIATE``
transaction using the same SQL and merge rules as ``ledger.store``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ledger import ingest
from ledger.events import Event
from ledger.schema import CREATE_MIGRATIONS_TABLE, MIGRATIONS, SCHEMA_VERSION


class LedgerBusy(Exception):
    """The ledger is locked by another writer for longer than we may wait."""


class LedgerTooNew(Exception):
    """The ledger was written by a newer tokenprint."""


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 if it does not exist (never loosen a file)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """An autocommit connection (we issue BEGIN ourselves) with WAL and a busy timeout."""
    create_private_file(path)
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    try:
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise LedgerBusy(str(exc)) from exc
        raise
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations, each in its own ``BEGIN IMMEDIATE`` transaction."""
    current = schema_version(conn)
    if current > SCHEMA_VERSION:
        raise LedgerTooNew(
            f"the ledger has schema version {current}, this tokenprint knows {SCHEMA_VERSION}: upgrade tokenprint"
        )
    while current < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(CREATE_MIGRATIONS_TABLE)
            current = schema_version(conn)
            if current < SCHEMA_VERSION:
                migration = MIGRATIONS[current]
                migration(conn.execute, "sqlite")
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_ts) VALUES (?, ?, ?)",
                    (current + 1, migration.__name__, int(time.time() * 1000)),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        current = schema_version(conn)
    return current


def open_ledger(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    conn = connect(path, timeout)
    try:
        migrate(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _stored(conn: sqlite3.Connection, client: str, ids: list[str]) -> dict[tuple[str, str], tuple]:
    out: dict[tuple[str, str], tuple] = {}
    for i in range(0, len(ids), ingest.CHUNK):
        chunk = ids[i : i + ingest.CHUNK]
        sql = ingest.select_existing_sql(len(chunk))
        for row in conn.execute(sql, (client, *chunk)):
            out[(client, row[0])] = tuple(row[1:])
    return out


def write_events(conn: sqlite3.Connection, events: Iterable[Event]) -> ingest.IngestResult:
    """Upsert events inside the caller's transaction."""
    batch = ingest.dedupe(events)
    by_client: dict[str, list[str]] = {}
    for client, event_id in batch:
        by_client.setdefault(client, []).append(event_id)
    stored: dict[tuple[str, str], tuple] = {}
    for client, ids in by_client.items():
        stored.update(_stored(conn, client, ids))
    to_write, result = ingest.classify(batch, stored)
    if to_write:
        conn.executemany(ingest.upsert_sql("sqlite"), [ev.row() for ev in to_write])
    return result


def begin(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise LedgerBusy(str(exc)) from exc
        raise


def ingest_events(conn: sqlite3.Connection, events: Iterable[Event]) -> ingest.IngestResult:
    """Upsert events in one transaction."""
    begin(conn)
    try:
        result = write_events(conn, events)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return result


# -- read positions of source files ---------------------------------------------------


GET_POSITION_SQL = (
    'SELECT identity, "offset", size, mtime_ns, skipped_lines, skip_reasons, state '
    "FROM sources WHERE client = :client AND path = :path"
)


def position_from_row(row: Any) -> dict[str, Any] | None:
    """A ``GET_POSITION_SQL`` row as a dict (None when there is no row)."""
    if row is None:
        return None
    return {
        "identity": row[0],
        "offset": row[1],
        "size": row[2],
        "mtime_ns": row[3],
        "skipped_lines": row[4],
        "skip_reasons": json.loads(row[5] or "{}"),
        "state": json.loads(row[6] or "{}"),
    }


def get_position(conn: sqlite3.Connection, client: str, path: str) -> dict[str, Any] | None:
    return position_from_row(conn.execute(GET_POSITION_SQL, {"client": client, "path": path}).fetchone())


SET_POSITION_SQL = (
    'INSERT INTO sources (client, path, identity, "offset", size, mtime_ns, skipped_lines, '
    "skip_reasons, state, updated_ts) VALUES (:client, :path, :identity, :offset, :size, "
    ":mtime_ns, :skipped_lines, :skip_reasons, :state, :updated_ts) "
    "ON CONFLICT (client, path) DO UPDATE SET identity = excluded.identity, "
    '"offset" = excluded."offset", size = excluded.size, mtime_ns = excluded.mtime_ns, '
    "skipped_lines = excluded.skipped_lines, skip_reasons = excluded.skip_reasons, "
    "state = excluded.state, updated_ts = excluded.updated_ts"
)


def position_params(
    client: str,
    path: str,
    *,
    identity: str,
    offset: int,
    size: int,
    mtime_ns: int,
    skipped_lines: int = 0,
    skip_reasons: dict[str, int] | None = None,
    state: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "client": client,
        "path": path,
        "identity": identity,
        "offset": offset,
        "size": size,
        "mtime_ns": mtime_ns,
        "skipped_lines": skipped_lines,
        "skip_reasons": json.dumps(skip_reasons or {}, sort_keys=True),
        "state": json.dumps(state or {}, sort_keys=True),
        "updated_ts": int(time.time() * 1000),
    }


def set_position(conn: sqlite3.Connection, client: str, path: str, **fields: Any) -> None:
    """Record how far ``path`` was read (inside the caller's transaction)."""
    conn.execute(SET_POSITION_SQL, position_params(client, path, **fields))
