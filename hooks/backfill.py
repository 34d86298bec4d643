"""Backfill: read a client's whole history into the ledger (``tokenprint import``).

Not on the hook's path: this goes through ``ledger.store`` (SQLAlchemy), so it
works on the local SQLite file and on PostgreSQL alike. The parsing is the
adapter's ``parse``, the same code the hook runs; files are read through the same
``hooks.sync.Syncer``. Positions of every known file are loaded in one query and
compared with ``stat()``: a file that has not changed since the last read is not
opened, so importing again with nothing new costs one ``stat()`` per file.
"""

from __future__ import annotations

import functools
import gc
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from itertools import starmap
from pathlib import Path
from typing import Any

from hooks import ADAPTERS
from hooks.sync import POSITION_COLUMNS, Backend, FastBackend, Syncer, Totals, position_from_row
from hooks.tail import Parser, Position, unchanged
from ledger import fastpath
from ledger.events import Event, as_row
from ledger.ingest import IngestResult


class StoreBackend:
    """Positions and events through ``ledger.store.Store``."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def load_positions(self, client: str, paths: list[str] | None) -> dict[str, Position]:
        from sqlalchemy import text

        with self.store.read() as conn:
            rows = conn.execute(
                text(f"SELECT {POSITION_COLUMNS} FROM sources WHERE client = :c"), {"c": client}
            ).fetchall()
        out = dict(position_from_row(r) for r in rows)
        if paths is not None:
            wanted = set(paths)
            out = {p: v for p, v in out.items() if p in wanted}
        return out

    def commit(
        self, client: str, events: list[Event], positions: dict[str, Position]
    ) -> IngestResult:
        with self.store.write() as conn:
            result: IngestResult = self.store.write_events(conn, events)
            for path, pos in positions.items():
                self.store.set_position(conn, client, path, **pos.fields())
        return result


def open_backend(home: Path) -> tuple[Backend, Callable[[], None]]:
    """The ledger to import into, and how to close it.

    With ``$TOKENPRINT_DATABASE_URL`` (PostgreSQL, or any SQLAlchemy URL), the
    SQLAlchemy ``Store``. Otherwise the local SQLite file through stdlib
    ``sqlite3`` (``ledger.fastpath``): the same schema, migrations, upsert SQL
    and merge rules, without importing SQLAlchemy, which was a tenth of the time
    of a cold import and most of a warm one. ``tests/hooks/test_backfill.py``
    checks that both give the same ledger.
    """
    from ledger.paths import ensure_home, ledger_path

    if os.environ.get("TOKENPRINT_DATABASE_URL", "").strip():  # ledger.store.DATABASE_URL_ENV
        from ledger.store import open_store

        store = open_store(home)
        return StoreBackend(store), store.dispose
    conn = fastpath.open_ledger(ledger_path(ensure_home(home)), timeout=60.0)
    return FastBackend(conn, first_import=True), conn.close


@dataclass
class Plan:
    """The files of one import: how many, which changed, and what they weigh."""

    files: int  # files that exist
    todo: list[tuple[str, os.stat_result]]  # files with something new, in order
    positions: dict[str, Position]
    todo_bytes: int  # bytes not yet read in those files


def plan(backend: Backend, client: str, files: list[str], adapter: Any = None) -> Plan:
    """``stat()`` every file and find what is new (nothing is opened).

    A database source (``adapter.source_kind``) is unchanged when its signature (the
    file and its ``-wal``: ``hooks.dbsource.signature``) is the one stored with its
    last complete read; a folder source is always walked (its reader skips old files).
    """
    from hooks import dbsource

    kinds = getattr(adapter, "source_kind", None)
    positions = backend.load_positions(client, None)
    todo: list[tuple[str, os.stat_result]] = []
    n = todo_bytes = 0
    for path in files:
        try:
            st = os.stat(path)
        except OSError:
            continue
        n += 1
        pos = positions.get(path)
        kind = dbsource.kind_of(adapter, path) if kinds is not None else dbsource.LINES
        if kind != dbsource.LINES:
            if not dbsource.unchanged(pos, path, kind):
                todo.append((path, st))
                todo_bytes += st.st_size if pos is None else 0
            continue
        if not unchanged(pos, st):
            todo.append((path, st))
            todo_bytes += st.st_size - (pos.offset if pos and pos.offset <= st.st_size else 0)
    return Plan(n, todo, positions, todo_bytes)


def backfill_parser(adapter: Any) -> Parser:
    """The adapter's ``parse``, with its faster line decoder when it has one."""
    make_fast = getattr(adapter, "fast_loads", None)
    loads = make_fast() if make_fast is not None else None
    if loads is None:
        return adapter.parse  # type: ignore[no-any-return]
    return functools.partial(adapter.parse, loads=loads)


#: Below this many bytes to read, or with one file, reader processes cost more than they save.
PARALLEL_MIN_BYTES = 8 << 20
#: ``TOKENPRINT_IMPORT_WORKERS``: how many reader processes (1: read in this process).
WORKERS_ENV = "TOKENPRINT_IMPORT_WORKERS"
MAX_WORKERS = 8
#: Files a reader process has in hand at a time.
DEPTH = 2


def worker_count(todo: int, todo_bytes: int, min_bytes: int = PARALLEL_MIN_BYTES) -> int:
    """Reader processes for an import of ``todo`` files (1: none, read here).

    One per CPU this process may run on (at most ``MAX_WORKERS`` and ``todo``), or
    ``$TOKENPRINT_IMPORT_WORKERS``; none for an import of less than ``min_bytes``
    (unless asked for), and none where processes cannot be forked (they inherit the
    parser and the positions)."""
    raw = os.environ.get(WORKERS_ENV, "").strip()
    if raw:
        try:
            n = int(raw)
        except ValueError:
            n = 1  # not a number: read here (``doctor`` has nothing to say about it)
        forced = True
    else:
        try:
            n = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):
            n = os.cpu_count() or 1
        forced = False
    if not forced and todo_bytes < min_bytes:
        return 1
    if not hasattr(os, "fork") or sys.platform == "darwin":  # macOS: fork is unsafe with its frameworks
        return 1
    return max(1, min(n, MAX_WORKERS, todo))


def helper_count(workers: int | None, todo_bytes: int) -> int:
    """How many helper processes a database source being read may fork to share its
    read (``hooks.dbsource.Helper``; an opencode data folder is one database, most of
    its import): one when two reader processes would be used (``workers``, else
    :func:`worker_count`), none otherwise.

    Measured on the 200 MB opencode bench, idle 2-core machine, cold import + report:
    1.60 s with the helper against 1.79 s without (the database read is the import's
    critical path; the helper costs 0.3 s of CPU for 0.1-0.15 s less in the reader,
    which is a gain where that CPU would otherwise wait, as the other reader does once
    the legacy ``storage/`` is read). The reader processes are not held back on a busy
    machine either: the same rule for both."""
    if workers is not None:
        return 1 if workers > 1 else 0
    return 1 if worker_count(2, todo_bytes) >= 2 else 0


def run_import(
    backend: Backend,
    client: str,
    paths: list[Path] | None,
    *,
    on_plan: Callable[[Plan], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    flush_bytes: int = 32 << 20,
    workers: int | None = None,
) -> Totals:
    """Import ``paths`` (default: the client's own locations) and return the totals.

    Files are independent until the upsert, so with more than one CPU they are read
    and parsed in reader processes (``workers``, default :func:`worker_count`), one
    file at a time each, and what they read is written from this process, in the
    order of the files, through the same queue and commits as a serial read: the
    ledger, the positions and the summary are the same either way.
    """
    adapter = importlib.import_module(ADAPTERS[client])
    roots = paths if paths else adapter.default_roots()
    files = adapter.transcripts(list(roots))
    p = plan(backend, client, files, adapter)
    if on_plan is not None:
        on_plan(p)
    # The adapter's fast decoder (msgspec) is loaded only when there is something to read.
    parser = backfill_parser(adapter) if p.todo else adapter.parse
    syncer = Syncer(backend, client, parser, flush_bytes=flush_bytes, on_bytes=on_bytes, adapter=adapter)
    t = syncer.totals
    t.files += p.files - len(p.todo)
    t.unchanged += p.files - len(p.todo)
    n = workers if workers is not None else worker_count(len(p.todo), p.todo_bytes)
    # Parsing makes many short-lived, acyclic objects: the cycle collector only slows it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        syncer.helpers = helper_count(workers, p.todo_bytes)
        if n > 1 and len(p.todo) > 1:
            _read_in_workers(syncer, p, parser, adapter, min(n, len(p.todo)))
        else:
            for path, st in p.todo:
                syncer.sync(path, p.positions.get(path), st)
        syncer.flush()
    finally:
        if was_enabled:
            gc.enable()
    t.missing += len(files) - p.files
    return t


#: A reader process sends what it has read every this many bytes of input (or
#: ``STREAM_EVENTS`` events), so that a large file is committed while it is read.
STREAM_BYTES = 8 << 20
STREAM_EVENTS = 5000
#: With reader processes, this process also commits every this many events.
COMMIT_EVENTS = 10_000


class _Recorder(Syncer):
    """A reader process's syncer: what it would queue is sent to the importing
    process, which replays it into its own queue (and commits it) in the order of
    the files; it never touches the ledger."""

    def __init__(self, conn: Any, task: int, client: str, parse: Any, adapter: Any,
                 positions: dict[str, Position], helpers: int = 0) -> None:
        super().__init__(_Positions(positions), client, parse, adapter=adapter)
        self.conn = conn
        self.task = task
        self.entries: list[tuple[Any, ...]] = []
        self._size = self._count = 0
        #: A database source may share a large read with a forked helper process
        #: (``hooks.dbsource.Source.helper``, :func:`helper_count`): one file can be most
        #: of an import (an opencode database), read alone while the others are done.
        self.helpers = helpers

    def queue(self, path: str, events: list[Event], position: Position, nbytes: int,
              skips: dict[str, int], max_events: int | None = None) -> None:
        self._positions[path] = position  # a database source looks its queued position up
        self.entries.append((path, list(map(as_row, events)), position, nbytes, skips, max_events))
        self._size += nbytes
        self._count += len(events)
        if self._size >= STREAM_BYTES or self._count >= STREAM_EVENTS:
            try:
                self.conn.send((self.task, False, self.entries))
            except OSError as exc:  # not a read error of the file (Syncer.sync would count it so)
                raise _Gone from exc
            self.entries, self._size, self._count = [], 0, 0

    def flush(self) -> None:
        self._positions = {}


class _Positions:
    """The positions a reader process starts from (loaded once, before the fork)."""

    def __init__(self, positions: dict[str, Position]) -> None:
        self.positions = positions

    def load_positions(self, client: str, paths: list[str] | None) -> dict[str, Position]:
        if paths is None:
            return dict(self.positions)
        return {q: self.positions[q] for q in paths if q in self.positions}

    def commit(self, client: str, events: list[Event], positions: dict[str, Position]) -> IngestResult:
        raise AssertionError("a reader process never commits")  # pragma: no cover


#: The counts of ``Totals`` a reader process sends back (bytes and skips come with what it queued).
_COUNTS = ("files", "unchanged", "read", "missing", "errors", "restarted", "irregular", "vanished")


def _reader(conn: Any, client: str, parse: Any, adapter: Any, positions: dict[str, Position],
            theirs: list[Any], helpers: int = 0) -> None:
    """A reader process: read the files it is sent, one at a time. For each, it sends
    ``(task, False, entries)`` as it goes and ``(task, True, (entries, counts,
    messages))`` at the end. Ctrl-C is the importing process's to handle."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The importing process's ends of the pipes, inherited by the fork: closed, so
    # that its death is an end of file here rather than a wait for ever.
    for c in theirs:
        c.close()
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            i, path, st = task
            rec = _Recorder(conn, i, client, parse, adapter, positions, helpers)
            try:
                rec.sync(path, positions.get(path), st)
            except _Gone:
                return
            except Exception as exc:  # noqa: BLE001 - a failed read stops this file, not the import
                rec.totals.errors += 1
                rec.totals.error_messages.append(
                    f"{path}: reading failed ({type(exc).__name__}: {exc}); the rest of this file is left "
                    "for the next run"
                )
            t = rec.totals
            conn.send((i, True, (rec.entries, tuple(getattr(t, k) for k in _COUNTS), t.error_messages)))
    except (EOFError, OSError):
        return  # the importing process is gone (killed): so is its work


class _Gone(Exception):
    """The importing process stopped listening (it was killed): stop reading."""


def _read_in_workers(syncer: Syncer, p: Plan, parse: Any, adapter: Any, n: int) -> None:
    """Read ``p.todo`` in ``n`` forked reader processes and replay what they read
    into ``syncer`` in the order of the files (``run_import``).

    A thread of this process hands the files out (each reader process has up to
    ``DEPTH`` in hand) and receives what was read, so a reader process is never held
    up (by a full pipe, or waiting for its next file) while this one commits. The
    file at the head of the order is replayed as its pieces arrive; the others wait
    their turn. A reader process that dies (killed, out of memory) costs the rest of
    the file it was reading: what it had sent is kept, the file is counted and left
    for the next run, its other files go to the others, and when none is left the
    rest is read here.
    """
    import multiprocessing
    import queue
    import threading
    from collections import deque
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    procs: list[Any] = []
    conns: list[Any] = []
    for _ in range(n):
        ours, theirs = ctx.Pipe()
        proc = ctx.Process(target=_reader, args=(theirs, syncer.client, parse, adapter, p.positions,
                                                 [*conns, ours], syncer.helpers), daemon=True)
        proc.start()
        theirs.close()
        procs.append(proc)
        conns.append(ours)
    #: (task, last piece?, piece); "here" for a file no reader process is left to read;
    #: an exception of the thread; None when it is done.
    results: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def hand_out() -> None:
        tasks = deque(range(len(p.todo)))
        held: dict[Any, deque[int]] = {c: deque() for c in conns}  # files each one has in hand
        try:
            while True:
                for level in range(DEPTH):  # one each first: a few files go to all of them
                    for c, mine in held.items():
                        if tasks and len(mine) <= level:
                            i = tasks.popleft()
                            c.send((i, *p.todo[i]))
                            mine.append(i)
                if not held:  # no reader process left: the rest is read here
                    for i in tasks:
                        results.put((i, True, "here"))
                    break
                waiting = [c for c, mine in held.items() if mine]
                if not waiting:
                    break
                ready: list[Any] = wait(waiting)
                for c in ready:
                    mine = held[c]
                    try:
                        i, last, piece = c.recv()
                    except (EOFError, OSError):
                        i = mine.popleft()
                        results.put((i, True, ([], (1, 0, 0, 0, 1, 0, 0, 0), [
                            f"{p.todo[i][0]}: the reader process stopped while reading it; what was read "
                            "is kept, the rest is left for the next run"])))
                        tasks.extendleft(reversed(mine))
                        del held[c]
                        c.close()
                        continue
                    if last:
                        mine.popleft()
                    results.put((i, last, piece))
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread
            results.put(exc)
        finally:
            results.put(None)

    t = syncer.totals

    def replay(i: int, last: bool, piece: Any) -> None:
        if piece == "here":
            path, st = p.todo[i]
            syncer.sync(path, p.positions.get(path), st)
            return
        entries = piece
        if last:
            entries, counts, messages = piece
            for k, v in zip(_COUNTS, counts, strict=True):
                setattr(t, k, getattr(t, k) + v)
            t.error_messages.extend(messages)
        for path, rows, position, nbytes, skips, max_events in entries:
            syncer.queue(path, list(starmap(Event, rows)), position, nbytes, skips, max_events)
        if len(syncer._events) >= COMMIT_EVENTS:
            syncer.flush()  # while the reader processes go on (a database's rows weigh few bytes)

    feeder = threading.Thread(target=hand_out, name="tokenprint-import-feeder", daemon=True)
    feeder.start()
    waiting: dict[int, list[tuple[bool, Any]]] = {}  # pieces of files after the head
    upto = 0  # the file at the head of the order
    try:
        while True:
            item = results.get()
            if item is None:
                break
            if isinstance(item, BaseException):
                raise item
            i, last, piece = item
            if i != upto:
                waiting.setdefault(i, []).append((last, piece))
                continue
            replay(i, last, piece)
            while last:
                upto += 1
                pieces = waiting.pop(upto, [])
                for last, piece in pieces:
                    replay(upto, last, piece)
                if not pieces:
                    break
    finally:
        if feeder.is_alive():  # this process failed (a commit, Ctrl-C): stop them now
            for proc in procs:
                proc.terminate()
        else:
            for c in conns:
                try:
                    c.send(None)
                except OSError:
                    pass
        for proc in procs:
            proc.join(timeout=0.5)
            if proc.is_alive():
                proc.terminate()
                proc.join()
        feeder.join(timeout=1.0)
        for c in conns:
            c.close()


SKIP_LABELS = {
    "invalid-json": "invalid JSON",
    "not-an-object": "not a JSON object",
    "synthetic": "<synthetic> model",
    "api-error": "API error",
    "progress-copy": "progress copy of a subagent record",
    "no-model": "no model",
    "no-id": "no id",
    "bad-timestamp": "bad timestamp",
    "bad-usage": "bad usage counts",
    "too-deep": "nested too deep",
    "undecodable": "undecodable",
    "not-assistant": "usage on a non-assistant line",
    "absurd-count": "count above the maximum per request",
    "far-instant": "instant outside the accepted window",
    "long-text": "field too long",
    "no-message": "step without its message",
    "in-analytics-log": "history session also in an analytics log",
    "no-session": "report line before any session header",
    "not-a-conversation": "not a conversation",
    "no-thread": "message outside its conversation's tree",
    "no-usage": "no token counts",
}


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``, ``0 files`` (``many`` for irregular plurals)."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


def summary(client: str, t: Totals) -> str:
    """The one line ``tokenprint import`` always prints."""
    parts = [
        f"{client}: {plural(t.files, 'file')} ({t.read} read, {t.unchanged} unchanged"
        + (f", {t.restarted} truncated, replaced or rewritten" if t.restarted else "")
        + (f", {t.missing} gone" if t.missing else "")
        + (f", {t.vanished} removed or replaced while read" if t.vanished else "")
        + (f", {plural(t.irregular, 'not a regular file', 'not regular files')}" if t.irregular else "")
        + (f", {t.errors} unreadable" if t.errors else "")
        + ")",
        f"{plural(t.result.new, 'new event')}",
        f"{t.result.updated} updated",
    ]
    if t.skips:
        why = ", ".join(
            f"{n} {SKIP_LABELS.get(k, k)}" for k, n in sorted(t.skips.items(), key=lambda kv: -kv[1])
        )
        parts.append(f"{plural(t.skipped_lines, 'line')} skipped ({why})")
    else:
        parts.append("0 lines skipped")
    mb = t.bytes / 1e6
    parts.append(f"{mb:.1f} MB read")
    return ", ".join(parts)
