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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hooks import ADAPTERS
from hooks.sync import POSITION_COLUMNS, Backend, FastBackend, Syncer, Totals, position_from_row
from hooks.tail import Parser, Position, unchanged
from ledger import fastpath
from ledger.events import Event
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
    return FastBackend(conn), conn.close


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


def run_import(
    backend: Backend,
    client: str,
    paths: list[Path] | None,
    *,
    on_plan: Callable[[Plan], None] | None = None,
    on_bytes: Callable[[int], None] | None = None,
    flush_bytes: int = 32 << 20,
) -> Totals:
    """Import ``paths`` (default: the client's own locations) and return the totals.

    (Parsing in worker processes was tried: on a 2-vCPU machine that gives one
    core's throughput it was slower, so files are read in this process.)
    """
    adapter = importlib.import_module(ADAPTERS[client])
    roots = paths if paths else adapter.default_roots()
    files = adapter.transcripts(list(roots))
    p = plan(backend, client, files, adapter)
    if on_plan is not None:
        on_plan(p)
    syncer = Syncer(
        backend, client, backfill_parser(adapter), flush_bytes=flush_bytes, on_bytes=on_bytes,
        adapter=adapter,
    )
    t = syncer.totals
    t.files += p.files - len(p.todo)
    t.unchanged += p.files - len(p.todo)
    # Parsing makes many short-lived, acyclic objects: the cycle collector only slows it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for path, st in p.todo:
            syncer.sync(path, p.positions.get(path), st)
        syncer.flush()
    finally:
        if was_enabled:
            gc.enable()
    t.missing += len(files) - p.files
    return t


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
