"""Bring source files into the ledger: positions and events in one transaction.

Standard library only (the hook uses it). The same :class:`Syncer` drives the
hook (through :class:`FastBackend`, stdlib ``sqlite3`` with a short busy timeout)
and ``tokenprint import`` (through ``hooks.backfill.StoreBackend``, SQLAlchemy,
so it also works on PostgreSQL): the adapter's ``parse`` is the same code for both.

Events and the positions of the files they came from are committed together, in
batches of about ``flush_bytes`` of input: a process killed at any point loses
nothing and doubles nothing, and memory stays bounded whatever the corpus size.

A source that is not an append-only file (a SQLite database: the adapter's
``source_kind`` says so) is read by ``hooks.dbsource`` through the adapter's
``read_source``, with the same queue, commits, totals and error counting.

One file never stops the others: a file that vanished, is not a regular file
(a FIFO named ``agent-x.jsonl``), cannot be read, was removed or replaced while
it was read, or made the adapter raise, is counted (and named in
``Totals.error_messages``, which the hook logs and ``import`` prints) and the
sync goes on; what was read from it before is kept.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Protocol

from hooks.tail import (
    CHUNK_BYTES,
    NotRegularFile,
    Parser,
    Position,
    Step,
    open_regular,
    steps_for,
    unchanged,
)
from ledger import fastpath
from ledger.events import Event
from ledger.ingest import IngestResult

POSITION_COLUMNS = 'path, identity, "offset", size, mtime_ns, skipped_lines, skip_reasons, state'


def position_from_row(row: Any) -> tuple[str, Position]:
    """``(path, Position)`` from a row of ``SELECT {POSITION_COLUMNS} FROM sources``."""
    return row[0], Position(
        identity=row[1] or "",
        offset=int(row[2] or 0),
        size=int(row[3]) if row[3] is not None else -1,
        mtime_ns=int(row[4] or 0),
        skipped_lines=int(row[5] or 0),
        skip_reasons=json.loads(row[6] or "{}"),
        state=json.loads(row[7] or "{}"),
    )


class Backend(Protocol):
    def load_positions(self, client: str, paths: list[str] | None) -> dict[str, Position]:
        """Stored positions of ``paths`` (all of the client's when None)."""
        ...

    def commit(
        self, client: str, events: list[Event], positions: dict[str, Position]
    ) -> IngestResult:
        """Upsert ``events`` and store ``positions`` in one transaction."""
        ...


class FastBackend:
    """The local SQLite ledger through stdlib ``sqlite3`` (``ledger.fastpath``).

    ``first_import``: when a client has no events at this backend's first commit for
    it, the ids it writes are kept (``fastpath.write_events``'s ``only``), and later
    commits look up only those (a first
    import of hundreds of thousands of events spent a tenth of its writes looking
    up ids that could not be there). Should another writer (a hook) add an event of
    that client meanwhile, the ledger is still right (the upsert merges); only this
    import's count of new and updated events could be off by it.
    """

    def __init__(self, conn: sqlite3.Connection, first_import: bool = False) -> None:
        self.conn = conn
        self._first_import = first_import
        self._written: dict[str, set[str] | None] = {}

    def load_positions(self, client: str, paths: list[str] | None) -> dict[str, Position]:
        sql = f"SELECT {POSITION_COLUMNS} FROM sources WHERE client = ?"
        if paths is None:
            rows = self.conn.execute(sql, (client,)).fetchall()
        else:
            rows = []
            for path in paths:
                rows += self.conn.execute(sql + " AND path = ?", (client, path)).fetchall()
        return dict(position_from_row(r) for r in rows)

    def commit(
        self, client: str, events: list[Event], positions: dict[str, Position]
    ) -> IngestResult:
        fastpath.begin(self.conn)
        try:
            written = None
            if self._first_import:
                if client not in self._written:
                    none_yet = self.conn.execute(
                        "SELECT 1 FROM events WHERE client = ? LIMIT 1", (client,)).fetchone() is None
                    self._written[client] = set() if none_yet else None
                written = self._written[client]
            result = fastpath.write_events(self.conn, events, None if written is None else {client: written})
            fastpath.set_positions(self.conn, client, ((path, pos.fields()) for path, pos in positions.items()))
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if self._first_import:
                self._written.pop(client, None)  # what was kept may not have been committed
            raise
        return result


@dataclass
class Totals:
    """What a sync did, for the summary line."""

    files: int = 0
    unchanged: int = 0
    read: int = 0
    missing: int = 0
    errors: int = 0
    restarted: int = 0  # truncated, replaced or rewritten files read again from the start
    irregular: int = 0  # FIFOs, sockets, devices, folders named like a source: not read
    vanished: int = 0  # removed or replaced while they were being read
    bytes: int = 0
    result: IngestResult = field(default_factory=IngestResult)
    skips: dict[str, int] = field(default_factory=dict)
    error_messages: list[str] = field(default_factory=list)

    @property
    def skipped_lines(self) -> int:
        return sum(self.skips.values())


class Syncer:
    """Reads files incrementally and commits their events with their positions."""

    def __init__(
        self,
        backend: Backend,
        client: str,
        parse: Parser,
        *,
        flush_bytes: int = 32 << 20,
        chunk_bytes: int = CHUNK_BYTES,
        max_bytes: int | None = None,
        on_bytes: Any = None,
        adapter: Any = None,
    ) -> None:
        self.backend = backend
        self._adapter = adapter
        self.client = client
        self.parse = parse
        self.flush_bytes = flush_bytes
        self.chunk_bytes = chunk_bytes
        self.max_bytes = max_bytes
        self.on_bytes = on_bytes
        self.totals = Totals()
        #: Helper processes a database source may fork to share a large read
        #: (``hooks.dbsource.Helper``): 0 in the hook; ``hooks.backfill`` sets it.
        self.helpers = 0
        self._events: list[Event] = []
        self._positions: dict[str, Position] = {}
        self._pending = 0

    @property
    def adapter(self) -> Any:
        """The client's adapter module (``hooks.ADAPTERS``; already imported by the caller)."""
        if self._adapter is None:
            import importlib

            from hooks import ADAPTERS

            self._adapter = importlib.import_module(ADAPTERS[self.client]) if self.client in ADAPTERS else False
        return self._adapter or None

    def kind_of(self, path: str) -> str:
        """``lines`` (``hooks.tail``) or another kind of source (``hooks.dbsource``)."""
        adapter = self.adapter
        if adapter is None or getattr(adapter, "source_kind", None) is None:
            return "lines"
        from hooks import dbsource

        return dbsource.kind_of(adapter, path)

    @property
    def exhausted(self) -> bool:
        return self.max_bytes is not None and self.totals.bytes >= self.max_bytes

    def sync(self, path: str, pos: Position | None, st: os.stat_result | None = None) -> None:
        """Read what is new in ``path`` (``pos``: its stored position)."""
        t = self.totals
        t.files += 1
        if "\0" in path:
            t.errors += 1
            t.error_messages.append(f"{path!r}: a NUL byte in the name: not read")
            return
        kind = self.kind_of(path)
        if kind != "lines":
            from hooks import dbsource

            dbsource.sync_source(self, path, pos, kind, self.adapter)
            return
        try:
            if st is None:
                st = os.stat(path)
            if unchanged(pos, st):
                t.unchanged += 1
                return
            if self.exhausted:
                return
            budget = None if self.max_bytes is None else self.max_bytes - t.bytes
            f, opened = open_regular(path)  # its fstat: what is read is what was checked
            with f:
                t.read += 1
                # A compressed source is read whole, a stateful adapter gets its state (hooks.tail).
                steps = steps_for(
                    path, f, opened, pos, self.parse, chunk_bytes=self.chunk_bytes, max_bytes=budget
                )
                first = True
                while True:
                    try:
                        step = next(steps)
                    except StopIteration:
                        break
                    except OSError:
                        raise
                    except Exception as exc:  # noqa: BLE001 - the adapter raised: this file stops here
                        self.adapter_failed(path, exc)
                        break
                    self.absorb(path, step, first=first)  # a failed commit propagates
                    first = False
            self.check_still_there(path, opened)
        except NotRegularFile as exc:
            t.irregular += 1
            t.error_messages.append(f"{path}: {exc}")
        except OSError as exc:
            self.failed(path, exc)

    def check_still_there(self, path: str, opened: os.stat_result) -> None:
        """Count (and name) a file removed or replaced while it was read: what was read
        from it is kept; a replacement is read from its start next time."""
        try:
            now = os.stat(path)
        except FileNotFoundError:
            what = "removed while it was read (what was read is kept)"
        else:
            if (now.st_ino, now.st_dev) == (opened.st_ino, opened.st_dev):
                return
            what = "replaced while it was read (what was read is kept; the new file is read next time)"
        self.totals.vanished += 1
        self.totals.error_messages.append(f"{path}: {what}")

    def adapter_failed(self, path: str, exc: Exception) -> None:
        """The adapter raised (a bug): the file is left where its last good chunk ended."""
        t = self.totals
        t.errors += 1
        t.error_messages.append(
            f"{path}: the {self.client} adapter failed ({type(exc).__name__}: {exc}); "
            "the rest of this file is left for the next run"
        )

    def absorb(self, path: str, step: Step, first: bool) -> None:
        """Queue one parsed chunk of ``path`` (committed with its position by ``flush``)."""
        if first and step.position.state.get("last_read") in ("truncated", "replaced", "rewritten"):
            self.totals.restarted += 1
        self.queue(path, step.parsed.events, step.position, step.nbytes, step.parsed.skips)

    def queue(
        self,
        path: str,
        events: list[Event],
        position: Position,
        nbytes: int,
        skips: dict[str, int],
        max_events: int | None = None,
    ) -> None:
        """Queue ``events`` with the position after them; commit every ``flush_bytes``
        of input (or ``max_events`` events). Every kind of source comes through here,
        and so does what ``hooks.backfill``'s reader processes read (replayed in order)."""
        t = self.totals
        self._events.extend(events)
        self._positions[path] = position
        self._pending += nbytes
        t.bytes += nbytes
        for reason, n in skips.items():
            t.skips[reason] = t.skips.get(reason, 0) + n
        if self.on_bytes is not None and nbytes:
            self.on_bytes(nbytes)
        if self._pending >= self.flush_bytes or (max_events is not None and len(self._events) >= max_events):
            self.flush()

    def failed(self, path: str, exc: OSError) -> None:
        """A file that vanished or cannot be read: counted, never fatal."""
        t = self.totals
        if isinstance(exc, FileNotFoundError):
            t.missing += 1
        else:
            t.errors += 1
            t.error_messages.append(f"{path}: {exc.strerror or exc}")

    def flush(self) -> None:
        if not self._events and not self._positions:
            return
        events, positions = self._events, self._positions
        self._events, self._positions, self._pending = [], {}, 0
        self.totals.result += self.backend.commit(self.client, events, positions)
