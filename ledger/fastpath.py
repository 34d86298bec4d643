"""The ledger through the standard library's ``sqlite3``: the hook's hot path.

Standard library only: runs on every turn of the user's client. Opens the local
SQLite file with the project's settings (file mode 0600, WAL, a busy timeout),
creates or migrates it when needed, and ingests events in one ``BEGIN IMMEDIATE``
transaction using the same SQL and merge rules as ``ledger.store``.

Corruption (see :func:`check_file`): a damaged ledger is never written to. Every
opener checks the file cheaply (header, a sticky ``ledger.db.corrupt`` marker, and
a full ``PRAGMA quick_check`` only when the file is not the one the last tokenprint
process left: its ``(device, inode, size, mtime)`` is kept in ``ledger.db.verified``).
A full check costs 13 ms on a 4 MB ledger and 350 ms on a 109 MB one (500,000
events): too slow for every hook run, cheap once after someone else touched the
file. Any ``SQLITE_CORRUPT``/``SQLITE_NOTADB`` met later marks the file too.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from ledger import ingest
from ledger.events import Event
from ledger.files import atomic_write, sqlite_read_uri
from ledger.schema import CREATE_MIGRATIONS_TABLE, MIGRATIONS, SCHEMA_VERSION


class LedgerBusy(Exception):
    """The ledger is locked by another writer for longer than we may wait."""


class LedgerTooNew(Exception):
    """The ledger was written by a newer tokenprint."""


class LedgerCorrupt(Exception):
    """The ledger file is damaged: nothing may be written to it. ``str()`` is one
    line saying what happened and how to restore (the newest backup, or ``.recover``)."""

    def __init__(self, path: Path, detail: str) -> None:
        self.path = Path(path)
        self.detail = detail
        super().__init__(corrupt_message(self.path, detail))


class LedgerUnverified(Exception):
    """The file could not be checked within the caller's deadline (a big ledger that
    another program touched); it is checked by the next command without a deadline."""


#: Busy message shared by every writer.
BUSY_MESSAGE = "the ledger is busy (another tokenprint is writing); try again"
VERIFIED_SUFFIX = ".verified"
CORRUPT_SUFFIX = ".corrupt"
_CORRUPT_CODES = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB
_CORRUPT_WORDS = ("malformed", "not a database", "corrupt", "file is encrypted")


def is_corruption(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite saying the file is damaged (not busy, not a bad query)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        orig = getattr(exc, "orig", None)  # a SQLAlchemy wrapper
        return orig is not None and orig is not exc and is_corruption(orig)
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _CORRUPT_CODES:
        return True
    text = str(exc).lower()
    return any(w in text for w in _CORRUPT_WORDS)


def is_busy(exc: BaseException) -> bool:
    if isinstance(exc, LedgerBusy):
        return True
    if not isinstance(exc, sqlite3.OperationalError):
        orig = getattr(exc, "orig", None)
        return orig is not None and orig is not exc and is_busy(orig)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def newest_backup(path: Path) -> Path | None:
    """The newest ``backups/ledger-*.db`` beside the ledger ``path`` (None when none)."""
    folder = Path(path).parent / "backups"
    try:
        names = [n for n in os.listdir(folder) if n.startswith("ledger-") and n.endswith(".db")]
    except OSError:
        return None
    return folder / max(names) if names else None


def corrupt_message(path: Path, detail: str) -> str:
    """One line: what happened, that nothing more is written, how to restore."""
    newest = newest_backup(path)
    if newest is not None:
        fix = f"restore the newest backup: tokenprint restore {newest}"
    else:
        fix = (f'no backup yet: salvage it with sqlite3 {path} ".recover" | sqlite3 recovered.db, '
               "then tokenprint restore recovered.db")
    return (f"the ledger {path} is damaged ({detail}); nothing more is written to it "
            f"(the hook keeps its work in the spool). To fix it, {fix}")


def _stat_key(st: os.stat_result) -> list[int]:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns]


def _read_json(path: Path) -> Any:
    try:
        with open(path, "rb") as f:
            return json.loads(f.read(4096))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    """Write a small state file (0600) by rename; a cache: no fsync, errors ignored."""
    try:
        atomic_write(path, json.dumps(data).encode(), durable=False)
    except OSError:
        pass


def header_problem(path: Path) -> str | None:
    """What is wrong with the file's 100-byte SQLite header (None: looks fine, or empty)."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
        size = os.stat(path).st_size
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    if size == 0:
        return None
    if len(head) < 100 or head[:16] != b"SQLite format 3\x00":
        return "file is not a database"
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        return f"bad page size {page} in the header"
    if size % page:
        return f"the file is {size} bytes, not a whole number of {page}-byte pages"
    return None


def mark_corrupt(path: Path, detail: str) -> None:
    """Remember that ``path`` (this very file: device and inode) is damaged."""
    try:
        st = os.stat(path)
    except OSError:
        return
    _write_json(Path(str(path) + CORRUPT_SUFFIX), {"stat": _stat_key(st), "detail": detail, "ts": time.time()})
    try:
        os.unlink(str(path) + VERIFIED_SUFFIX)
    except OSError:
        pass


def corrupt_mark(path: Path) -> str | None:
    """The recorded damage of this file (None when unmarked; a marker left by a file
    that was since replaced, by ``restore`` or by hand, is removed)."""
    marker = Path(str(path) + CORRUPT_SUFFIX)
    data = _read_json(marker)
    if data is None:
        return None
    try:
        st = os.stat(path)
        same = isinstance(data, dict) and list(data.get("stat", []))[:2] == [st.st_dev, st.st_ino]
    except OSError:
        same = False
    if not same:
        try:
            marker.unlink()
        except OSError:
            pass
        return None
    return str(data.get("detail") or "damaged")


def clear_marks(path: Path) -> None:
    for suffix in (CORRUPT_SUFFIX, VERIFIED_SUFFIX):
        try:
            os.unlink(str(path) + suffix)
        except OSError:
            pass


def quick_check(conn: sqlite3.Connection, deadline: float | None = None, full: bool = False) -> str | None:
    """``PRAGMA quick_check`` (``integrity_check`` when ``full``): None when ok, else the
    first problem. Raises ``LedgerUnverified`` when ``deadline`` (``time.monotonic()``)
    passes first."""
    if deadline is not None:
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        rows = conn.execute("PRAGMA integrity_check" if full else "PRAGMA quick_check").fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc).lower():
            raise LedgerUnverified(str(exc)) from exc
        if is_corruption(exc):
            return str(exc)
        raise
    except sqlite3.DatabaseError as exc:
        return str(exc)
    finally:
        if deadline is not None:
            conn.set_progress_handler(None, 0)
    if rows and rows[0][0] == "ok":
        return None
    first = str(rows[0][0]) if rows else "no answer"
    return first if len(rows) == 1 else f"{first} (and {len(rows) - 1} more problems)"


class Health:
    """What :func:`check_file` found at open; ``done()`` after the last close keeps the
    verified state for the next process (only if nobody else changed it meanwhile)."""

    def __init__(self, path: Path, record: Any, trusted: bool) -> None:
        self.path = path
        self.record = record
        self.trusted = trusted

    def done(self) -> None:
        if not self.trusted:
            return
        rec_path = Path(str(self.path) + VERIFIED_SUFFIX)
        if _read_json(rec_path) != self.record:
            return  # another process recorded since: let the next opener decide
        try:
            st = os.stat(self.path)
        except OSError:
            return
        if corrupt_mark(self.path) is None:
            _write_json(rec_path, _stat_key(st))


def check_file(path: Path, conn: sqlite3.Connection | None = None, deadline: float | None = None) -> Health:
    """The cheap check every opener runs before writing (see the module docstring).

    Raises ``LedgerCorrupt`` (and marks the file) when it is damaged,
    ``LedgerUnverified`` when a needed full check did not finish by ``deadline``.
    """
    path = Path(path)
    detail = corrupt_mark(path)
    if detail is not None:
        raise LedgerCorrupt(path, detail)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return Health(path, None, True)
    record = _read_json(Path(str(path) + VERIFIED_SUFFIX))
    if st.st_size == 0:
        return Health(path, record, True)
    problem = header_problem(path)
    if problem is None and record == _stat_key(st):
        return Health(path, record, True)
    own = conn is None
    if own:
        conn = sqlite3.connect(sqlite_read_uri(path), uri=True, timeout=1.0, isolation_level=None)
    assert conn is not None
    try:
        found = quick_check(conn, deadline)
    except sqlite3.DatabaseError as exc:
        if not is_corruption(exc):
            raise
        found = str(exc)
    finally:
        if own:
            conn.close()
    if found is not None:
        mark_corrupt(path, found)
        raise LedgerCorrupt(path, found)
    key = _stat_key(os.stat(path))
    _write_json(Path(str(path) + VERIFIED_SUFFIX), key)
    return Health(path, key, True)


def corrupt_from(path: Path, exc: BaseException) -> LedgerCorrupt:
    """Mark ``path`` damaged after SQLite said so in ``exc``; the exception to raise."""
    detail = str(getattr(exc, "orig", None) or exc)
    mark_corrupt(path, detail)
    return LedgerCorrupt(path, detail)


def create_private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 if it does not exist (never loosen a file)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class LedgerConnection(sqlite3.Connection):
    """A connection that, on ``close()``, records the file as verified for the next
    process (when it was trusted at open: see :class:`Health`)."""

    health: Health | None = None

    def close(self) -> None:
        super().close()
        health, self.health = self.health, None
        if health is not None:
            health.done()


def connect(path: Path, timeout: float = 30.0) -> sqlite3.Connection:
    """An autocommit connection (we issue BEGIN ourselves) with WAL and a busy timeout."""
    create_private_file(path)
    conn = sqlite3.connect(str(path), timeout=timeout, isolation_level=None, factory=LedgerConnection)
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


def open_ledger(path: Path, timeout: float = 30.0, deadline: float | None = None) -> sqlite3.Connection:
    """Check (:func:`check_file`), connect and migrate. Raises ``LedgerCorrupt`` on a
    damaged file (nothing is written to it), ``LedgerBusy``, ``LedgerUnverified``."""
    health = check_file(path, deadline=deadline)
    try:
        conn = connect(path, timeout)
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise corrupt_from(path, exc) from exc
        raise
    try:
        migrate(conn)
    except BaseException as exc:
        conn.close()
        if is_corruption(exc):
            raise corrupt_from(path, exc) from exc
        raise
    assert isinstance(conn, LedgerConnection)
    conn.health = health
    return conn


def _stored(conn: sqlite3.Connection, client: str, ids: list[str]) -> dict[tuple[str, str], tuple]:
    out: dict[tuple[str, str], tuple] = {}
    for i in range(0, len(ids), ingest.CHUNK):
        chunk = ids[i : i + ingest.CHUNK]
        sql = ingest.select_existing_sql(len(chunk))
        for row in conn.execute(sql, (client, *chunk)):
            out[(client, row[0])] = tuple(row[1:])
    return out


def _positional(sql: str) -> str:
    """``ingest.upsert_sql``'s statement with ``?`` markers in ``EVENT_COLUMNS`` order:
    the same merge SQL, bound from a tuple. sqlite3 binds a dict by looking every
    name up (16 per row): the upsert took 18 us per event with dicts, 12 with tuples."""
    named = "VALUES (" + ", ".join(f":{c}" for c in ingest.EVENT_COLUMNS) + ")"
    assert sql.count(named) == 1, "ingest.upsert_sql no longer has the VALUES list expected"
    return sql.replace(named, "VALUES (" + ", ".join("?" * len(ingest.EVENT_COLUMNS)) + ")")


UPSERT_SQL = _positional(ingest.upsert_sql("sqlite"))
#: Rows per upsert statement (``INSERT ... VALUES (...), (...), ...``): each row is
#: upserted in order as with one statement per row, but the statement is stepped,
#: reset and its parameters cleared once per block, not once per row. On the 16,304
#: events of the 200 MB Codex corpus: 0.19 s one row per statement, 0.11 s in blocks of
#: 50 to 200 rows, 0.16 s in blocks of 1,000 (a longer statement to prepare and a
#: larger parameter list to build). 60 x 16 = 960 parameters: within SQLite's limit
#: even before 3.32 (999; 32,766 since), and the upsert needs 3.24.
UPSERT_BLOCK = 60
_ONE_ROW = "(" + ", ".join("?" * len(ingest.EVENT_COLUMNS)) + ")"
assert UPSERT_SQL.count(_ONE_ROW) == 1
UPSERT_BLOCK_SQL = UPSERT_SQL.replace(_ONE_ROW, ", ".join([_ONE_ROW] * UPSERT_BLOCK))
#: An event's ``events`` row as a tuple in ``ingest.EVENT_COLUMNS`` order (what
#: ``Event.row()`` holds, built in C: no dict per event).
row_tuple = attrgetter(*("ts_ms" if c == "ts" else c for c in ingest.EVENT_COLUMNS))

# ``ingest.COMPARE_COLUMNS[1:]``, the stored values ``_changes`` unpacks, in order.
assert ingest.COMPARE_COLUMNS[1:] == (
    "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
    "reasoning_tokens", "requests", "ts", "cost_usd",
)


def _changes(old: tuple, ev: Event) -> bool:
    """Whether upserting ``ev`` changes the stored ``old`` (``COMPARE_COLUMNS[1:]``).

    ``ingest.classify``'s test (``merged_counts(old, new) != old``, an earlier
    instant, a larger cost) written out on the values, without two dicts per event:
    a bucket merges to its maximum, so it changes exactly when the new one is larger;
    the output family merges as ``ingest.merged_counts`` does, same operations.
    """
    o_in, o_cw, o_cr, o_out, o_rs, o_req, o_ts, o_cost = old
    if (
        ev.input_tokens > o_in
        or ev.cache_write_tokens > o_cw
        or ev.cache_read_tokens > o_cr
        or ev.requests > o_req
        or ev.ts_ms < o_ts
    ):
        return True
    cost = ev.cost_usd
    if cost is not None and (o_cost is None or cost > o_cost):
        return True
    whole = max(o_out + o_rs, ev.output_tokens + ev.reasoning_tokens)
    reasoning = min(max(o_rs, ev.reasoning_tokens), whole)
    return reasoning != o_rs or whole - reasoning != o_out


def write_events(
    conn: sqlite3.Connection, events: Iterable[Event], only: Mapping[str, set[str]] | None = None
) -> ingest.IngestResult:
    """Upsert events inside the caller's transaction.

    The same result as ``ingest.classify`` then ``ingest.upsert_sql`` with
    ``Event.row()`` (what ``ledger.store`` runs), at about a third of the cost per
    event: the stored values of the batch's ids are read first (the counts of new,
    updated and unchanged events need them, and an unchanged event is not written),
    then the positional upsert over tuples (:func:`upsert_rows`). ``only``: for a
    client in it, the only ids that may be stored (the rest is not looked up); the
    batch's ids of that client are added to it.
    """
    batch = ingest.dedupe(events)
    by_client: dict[str, list[str]] = {}
    for client, event_id in batch:
        ids = by_client.get(client)
        if ids is None:
            by_client[client] = [event_id]
        else:
            ids.append(event_id)
    stored: dict[tuple[str, str], tuple] = {}
    for client, ids in by_client.items():
        known = None if only is None else only.get(client)
        if known is not None:
            maybe = [i for i in ids if i in known]
            known.update(ids)
            ids = maybe
        if ids:
            stored.update(_stored(conn, client, ids))
    result = ingest.IngestResult()
    if not stored:  # a first import: every event is new
        rows = list(map(row_tuple, batch.values()))
        result.new = len(rows)
    else:
        rows = []
        for key, ev in batch.items():
            old = stored.get(key)
            if old is None:
                result.new += 1
            elif _changes(old, ev):
                result.updated += 1
            else:
                result.unchanged += 1
                continue
            rows.append(row_tuple(ev))
    if rows:
        upsert_rows(conn, rows)
    return result


def upsert_rows(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """The upsert of ``rows`` (tuples in ``EVENT_COLUMNS`` order), in blocks of
    :data:`UPSERT_BLOCK` rows per statement, the rest one row per statement."""
    whole = len(rows) - len(rows) % UPSERT_BLOCK
    if whole:
        flat = chain.from_iterable
        conn.executemany(UPSERT_BLOCK_SQL, (list(flat(rows[i : i + UPSERT_BLOCK]))
                                            for i in range(0, whole, UPSERT_BLOCK)))
    if whole < len(rows):
        conn.executemany(UPSERT_SQL, rows[whole:])


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


def set_positions(conn: sqlite3.Connection, client: str, positions: Iterable[tuple[str, dict[str, Any]]]) -> None:
    """Record how far each path was read (inside the caller's transaction), in one
    ``executemany``: an import commits hundreds of positions at a time."""
    conn.executemany(SET_POSITION_SQL, [position_params(client, path, **fields) for path, fields in positions])
