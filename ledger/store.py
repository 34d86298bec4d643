"""The ledger through SQLAlchemy: one code path for local SQLite and PostgreSQL.

Everything but the hook's hot path goes through here. No engine is created at
import; call :func:`open_store`. SQLite writes take ``BEGIN IMMEDIATE`` so that
concurrent writers queue on the busy timeout instead of failing with "database
is locked" when a read transaction would have to upgrade.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, text

from ledger import ingest
from ledger.events import Event
from ledger.fastpath import (
    GET_POSITION_SQL,
    SET_POSITION_SQL,
    Health,
    LedgerTooNew,
    check_file,
    corrupt_from,
    create_private_file,
    is_corruption,
    position_from_row,
    position_params,
)
from ledger.paths import ensure_home, ledger_path, resolve_home
from ledger.schema import CREATE_MIGRATIONS_TABLE, MIGRATIONS, SCHEMA_VERSION

DATABASE_URL_ENV = "TOKENPRINT_DATABASE_URL"
BUSY_TIMEOUT_S = 60.0
#: How long a command waits for another writer (seconds) when it is not the default.
BUSY_TIMEOUT_ENV = "TOKENPRINT_BUSY_TIMEOUT"


def busy_timeout(default: float = BUSY_TIMEOUT_S) -> float:
    """``$TOKENPRINT_BUSY_TIMEOUT`` (seconds) when set to a positive number, else ``default``."""
    try:
        value = float(os.environ.get(BUSY_TIMEOUT_ENV, "") or default)
    except ValueError:
        return default
    return value if 0 < value < 86400 else default


class StoreError(Exception):
    """A ledger that cannot be opened or used; the message says what to do."""


@dataclass
class Store:
    engine: Engine
    dialect: str
    path: Path | None  # the SQLite file, None for a server
    url: str
    health: Health | None = None  # what the check at open found (SQLite only)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (``BEGIN IMMEDIATE`` on SQLite). SQLite saying the file is
        damaged raises ``LedgerCorrupt`` (and marks it: no later writer uses it)."""
        with self._corruption_checked(), self.engine.connect() as conn:
            conn.info["immediate"] = True
            try:
                with conn.begin():
                    yield conn
            finally:
                conn.info["immediate"] = False

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot)."""
        with self._corruption_checked(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _corruption_checked(self) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            if self.path is not None and is_corruption(exc):
                raise corrupt_from(self.path, exc) from exc
            raise

    # -- schema ---------------------------------------------------------------------
    def schema_version(self, conn: Connection) -> int:
        try:
            with conn.begin_nested():
                return int(conn.execute(text("SELECT MAX(version) FROM schema_migrations")).scalar() or 0)
        except Exception:
            return 0

    def migrate(self) -> int:
        """Apply pending migrations in order, each in its own transaction.

        The common case (schema current) is one read, no write lock.
        """
        with self.read() as conn:
            current = self.schema_version(conn)
        if current == SCHEMA_VERSION:
            return current
        while True:
            with self.write() as conn:
                if self.dialect == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(7356001)"))
                conn.exec_driver_sql(CREATE_MIGRATIONS_TABLE)
                current = self.schema_version(conn)
                if current > SCHEMA_VERSION:
                    raise LedgerTooNew(
                        f"the ledger has schema version {current}, this tokenprint knows "
                        f"{SCHEMA_VERSION}: upgrade tokenprint"
                    )
                if current == SCHEMA_VERSION:
                    return current
                migration = MIGRATIONS[current]
                migration(conn.exec_driver_sql, self.dialect)
                conn.execute(
                    text(
                        "INSERT INTO schema_migrations (version, name, applied_ts) "
                        "VALUES (:v, :n, :t)"
                    ),
                    {"v": current + 1, "n": migration.__name__, "t": int(time.time() * 1000)},
                )

    # -- events ---------------------------------------------------------------------
    def write_events(self, conn: Connection, events: Iterable[Event]) -> ingest.IngestResult:
        """Upsert events inside the caller's write transaction."""
        batch = ingest.dedupe(events)
        by_client: dict[str, list[str]] = {}
        for client, event_id in batch:
            by_client.setdefault(client, []).append(event_id)
        select = text(ingest.select_existing_sql(0, style="named")).bindparams(
            bindparam("ids", expanding=True)
        )
        stored: dict[tuple[str, str], tuple] = {}
        for client, ids in by_client.items():
            for i in range(0, len(ids), ingest.CHUNK):
                rows = conn.execute(select, {"client": client, "ids": ids[i : i + ingest.CHUNK]})
                for row in rows:
                    stored[(client, row[0])] = tuple(row[1:])
        to_write, result = ingest.classify(batch, stored)
        if to_write:
            conn.execute(text(ingest.upsert_sql(self.dialect)), [ev.row() for ev in to_write])
        return result

    def ingest(self, events: Iterable[Event]) -> ingest.IngestResult:
        """Upsert events in one transaction: all or nothing."""
        with self.write() as conn:
            return self.write_events(conn, events)

    # -- read positions ---------------------------------------------------------------
    def get_position(self, conn: Connection, client: str, path: str) -> dict[str, Any] | None:
        row = conn.execute(text(GET_POSITION_SQL), {"client": client, "path": path}).first()
        return position_from_row(row)

    def set_position(self, conn: Connection, client: str, path: str, **fields: Any) -> None:
        conn.execute(text(SET_POSITION_SQL), position_params(client, path, **fields))

    def dispose(self) -> None:
        self.engine.dispose()
        health, self.health = self.health, None
        if health is not None:
            health.done()  # after the last close: the file as this process left it


def _sqlite_engine(path: Path, timeout: float) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": timeout, "isolation_level": None, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA mmap_size = 1073741824")  # faster full scans for reports
        cur.execute(f"PRAGMA threads = {min(4, os.cpu_count() or 1)}")  # parallel GROUP BY sorts
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("immediate") else "BEGIN")

    return engine


def open_store(
    home: str | os.PathLike[str] | None = None,
    *,
    demo: bool = False,
    url: str | None = None,
    path: Path | None = None,
    migrate: bool = True,
    timeout: float | None = None,
) -> Store:
    """Open the ledger: ``url``, else ``$TOKENPRINT_DATABASE_URL`` (unless ``demo`` or
    ``path``), else the SQLite file in the home folder.

    A SQLite file is checked first (``ledger.fastpath.check_file``): a damaged one
    raises ``LedgerCorrupt``, whose message says how to restore. ``timeout``: the
    busy timeout (default :func:`busy_timeout`)."""
    if timeout is None:
        timeout = busy_timeout()
    if url is None and path is None and not demo:
        url = os.environ.get(DATABASE_URL_ENV, "").strip() or None
    if url is not None and not url.startswith("sqlite"):
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        from ledger.redact import redact_text, redact_url

        try:
            engine = create_engine(url, pool_pre_ping=True)
        except Exception as exc:  # bad URL or missing driver
            raise StoreError(
                f"cannot use database URL {redact_url(url)}: {redact_text(exc)} "
                "(install the driver with: pip install 'tokenprint[postgres]')"
            ) from exc
        store = Store(engine=engine, dialect=engine.dialect.name, path=None, url=url)
    else:
        if url is not None:
            path = Path(url.split(":///", 1)[1])
        if path is None:
            home_dir = ensure_home(resolve_home(home))
            path = ledger_path(home_dir, demo=demo)
        health = check_file(path)
        create_private_file(path)
        engine = _sqlite_engine(path, timeout)
        store = Store(engine=engine, dialect="sqlite", path=path, url=f"sqlite:///{path}", health=health)
    if migrate:
        try:
            store.migrate()
        except LedgerTooNew as exc:
            store.dispose()
            raise StoreError(str(exc)) from exc
        except BaseException:
            store.dispose()
            raise
    return store
