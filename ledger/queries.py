"""Small read queries the dashboard needs beside ``ledger.report``: is the ledger
empty, the requests of one session, and a cheap "has anything changed?" probe.

Aggregations stay in ``ledger.report.query_groups`` (SQL ``GROUP BY``); these
queries touch only the rows they name (the ``session`` and ``ts`` indexes) or
nothing at all (``PRAGMA data_version``).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ledger.store import Store
from ledger.vocab import COUNT_FIELDS

#: Most requests a session view loads (a runaway agent session can have thousands).
SESSION_ROW_LIMIT = 2000


def has_events(store: Store) -> bool:
    """Whether the ledger holds at least one event (one index probe)."""
    with store.read() as conn:
        return conn.execute(text("SELECT 1 FROM events LIMIT 1")).first() is not None


def session_requests(store: Store, session: str, limit: int = SESSION_ROW_LIMIT) -> list[dict[str, Any]]:
    """The events of one session in time order: ``ts`` (UTC ms), client, model, project,
    the count fields and ``cost_usd``. ``(none)`` selects the events without a session."""
    cols = ", ".join(COUNT_FIELDS)
    where = "session IS NULL" if session == "(none)" else "session = :s"
    sql = (
        f"SELECT ts, client, model, project, {cols}, cost_usd FROM events "
        f"WHERE {where} ORDER BY ts, id LIMIT :n"
    )
    with store.read() as conn:
        rows = conn.execute(text(sql), {"s": session, "n": limit}).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        for c in COUNT_FIELDS:
            d[c] = int(d[c] or 0)
        out.append(d)
    return out


class ChangeProbe:
    """Tells, cheaply and repeatedly, whether the ledger changed since the last call.

    On SQLite it keeps one private connection and reads ``PRAGMA data_version``,
    which changes whenever another connection commits (no table is read). The file
    may not exist yet (an empty home): then it waits for it. On a server it
    compares ``MAX(id)`` and ``COUNT(*)`` (an index lookup each). Use it from one
    thread only.
    """

    def __init__(self, store: Store | None = None, path: Path | None = None) -> None:
        self.store = store
        self.path = path if path is not None else (store.path if store is not None else None)
        self._conn: sqlite3.Connection | None = None
        self._last: Any = None
        self._primed = False

    def _sqlite_token(self) -> Any:
        assert self.path is not None
        if self._conn is None:
            if not self.path.exists():
                return None
            self._conn = sqlite3.connect(str(self.path), timeout=1.0, check_same_thread=False)
        row = self._conn.execute("PRAGMA data_version").fetchone()
        return (self.path.stat().st_ino, row[0])

    def _server_token(self) -> Any:
        assert self.store is not None
        with self.store.read() as conn:
            return tuple(conn.execute(text("SELECT MAX(id), COUNT(*) FROM events")).first() or ())

    def token(self) -> Any:
        return self._sqlite_token() if self.path is not None else self._server_token()

    def changed(self) -> bool:
        """True when the ledger changed since the previous call (False on the first)."""
        try:
            tok = self.token()
        except sqlite3.Error:
            self.close()
            tok = None
        changed = self._primed and tok != self._last
        self._primed = True
        self._last = tok
        return changed

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
