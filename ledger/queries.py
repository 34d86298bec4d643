"""Small read queries the dashboard needs beside ``ledger.report``: is the ledger
empty, when was the newest event, the requests of one session (within a period
and a filter), and a cheap "has anything changed?" probe.

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


def latest_ts(store: Store, before_ms: int | None = None) -> int | None:
    """The newest event's instant (UTC ms), only among those before ``before_ms``
    when given; None on an empty ledger (one probe of the ``ts`` index)."""
    where = " WHERE ts < :hi" if before_ms is not None else ""
    with store.read() as conn:
        value = conn.execute(text(f"SELECT MAX(ts) FROM events{where}"), {"hi": before_ms}).scalar()
    return None if value is None else int(value)


#: The columns a session's requests can be narrowed on (the dashboard's filter).
SCOPE_COLUMNS = ("client", "model", "project")


def session_requests(
    store: Store,
    session: str,
    limit: int = SESSION_ROW_LIMIT,
    *,
    since_ms: int | None = None,
    until_ms: int | None = None,
    where: dict[str, str | None] | None = None,
) -> list[dict[str, Any]]:
    """The events of one session in time order: ``ts`` (UTC ms), client, model, project,
    the count fields and ``cost_usd``. ``(none)`` selects the events without a session.

    ``since_ms`` (inclusive) and ``until_ms`` (exclusive) bound the instants; ``where``
    keeps only the events whose client, model or project is the value given (None:
    the column is empty), so the requests of "(none)" are those of one client and
    filter, not every session-less event of the ledger.
    """
    cols = ", ".join(COUNT_FIELDS)
    clauses = ["session IS NULL" if session == "(none)" else "session = :s"]
    params: dict[str, Any] = {"s": session, "n": limit}
    if since_ms is not None:
        clauses.append("ts >= :lo")
        params["lo"] = since_ms
    if until_ms is not None:
        clauses.append("ts < :hi")
        params["hi"] = until_ms
    for col, value in (where or {}).items():
        if col not in SCOPE_COLUMNS:
            raise ValueError(f"cannot narrow a session on {col!r} (use {', '.join(SCOPE_COLUMNS)})")
        if value is None:
            clauses.append(f"{col} IS NULL")
        else:
            clauses.append(f"{col} = :w_{col}")
            params[f"w_{col}"] = value
    sql = (
        f"SELECT ts, client, model, project, {cols}, cost_usd FROM events "
        f"WHERE {' AND '.join(clauses)} ORDER BY ts, id LIMIT :n"
    )
    with store.read() as conn:
        rows = conn.execute(text(sql), params).mappings().all()
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
