"""Reading the ledger back for assertions (stdlib sqlite3, UTC days), and syncing
Claude Code transcripts into it the way the hook does."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

BUCKETS = (
    "input_tokens",
    "cache_write_tokens",
    "cache_read_tokens",
    "output_tokens",
    "reasoning_tokens",
    "requests",
)


def buckets(db: Path) -> dict[tuple[str, str], dict[str, int]]:
    """(UTC day, model) -> summed buckets."""
    conn = sqlite3.connect(db)
    try:
        sums = ", ".join(f"SUM({b})" for b in BUCKETS)
        rows = conn.execute(
            f"SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS d, model, {sums} "
            "FROM events GROUP BY d, model"
        ).fetchall()
    finally:
        conn.close()
    return {(r[0], r[1]): dict(zip(BUCKETS, r[2:], strict=True)) for r in rows}


def sources(db: Path) -> dict[str, dict[str, object]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            'SELECT path, "offset", size, skipped_lines, skip_reasons FROM sources'
        ).fetchall()
    finally:
        conn.close()
    return {
        r[0]: {"offset": r[1], "size": r[2], "skipped": r[3], "reasons": json.loads(r[4])}
        for r in rows
    }


def text_columns(db: Path) -> list[str]:
    """Every string stored in the ledger (to check that no prompt text leaks)."""
    conn = sqlite3.connect(db)
    try:
        out: list[str] = []
        for table in ("events", "sources"):
            for row in conn.execute(f"SELECT * FROM {table}"):
                out += [v for v in row if isinstance(v, str)]
        return out
    finally:
        conn.close()


def sync_all(db: Path, files: list[str], **kw: Any) -> Any:
    """Read ``files`` into the ledger ``db`` through the hook's machinery (stdlib
    backend, one Syncer), returning the Syncer for its totals."""
    from hooks import claude_code
    from hooks.sync import FastBackend, Syncer
    from ledger import fastpath

    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "claude-code", claude_code.parse, **kw)
        positions = backend.load_positions("claude-code", None)
        for path in files:
            syncer.sync(path, positions.get(path))
        syncer.flush()
        return syncer
    finally:
        conn.close()
