"""llm ``logs.db`` fixtures built by llm's own migrations (``llm/migrations.py``, the
installed llm's), stopped at each historic schema, with rows written as llm writes them.

- ``0.5``: up to ``m012_attachments_tables``: ``responses`` without token counts;
- ``0.19``: ``m013_usage`` adds ``input_tokens``, ``output_tokens``, ``token_details``;
- ``0.27``: ``m019_resolved_model`` adds ``resolved_model``;
- ``0.32``: every migration (``m023_message_store``: ``turns`` and ``threads``; ...).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import sqlite_utils
from llm.migrations import MIGRATIONS, ensure_migrations_table

#: Schema name -> the last migration applied.
STAGES: dict[str, str] = {
    "0.5": "m012_attachments_tables",
    "0.19": "m013_usage",
    "0.27": "m019_resolved_model",
    "0.32": MIGRATIONS[-1].__name__,
}


def create(path: Path, stage: str = "0.32") -> sqlite_utils.Database:
    """A ``logs.db`` at ``path`` migrated up to ``stage`` (recorded in ``_llm_migrations``
    as llm records them)."""
    db = sqlite_utils.Database(path)
    ensure_migrations_table(db)
    last = STAGES[stage]
    for fn in MIGRATIONS:
        fn(db)
        db.table("_llm_migrations").insert({"name": fn.__name__, "applied_at": "2026-01-01 00:00:00+00:00"})
        if fn.__name__ == last:
            break
    return db


_TEMPLATES: dict[str, Path] = {}


def fresh(path: Path, stage: str = "0.32") -> sqlite_utils.Database:
    """:func:`create`'s database, copied from one built once per test process (running
    llm's 30 migrations takes half a second: too long for each hypothesis example)."""
    if stage not in _TEMPLATES:
        folder = Path(tempfile.mkdtemp(prefix="llm-schema-"))
        create(folder / "logs.db", stage).close()
        _TEMPLATES[stage] = folder / "logs.db"
    shutil.copyfile(_TEMPLATES[stage], path)
    return open_db(path, durable=False)


def open_db(path: Path, durable: bool = True) -> sqlite_utils.Database:
    """An existing ``logs.db``, to write more rows into (as a later llm run does);
    ``durable=False``: without an fsync per insert (the property tests' many writes)."""
    db = sqlite_utils.Database(path)
    if not durable:
        db.execute("PRAGMA synchronous = OFF")
    return db


def _dump(details: Any) -> Any:
    """``token_details`` as llm stores it: JSON, NULL when empty (``llm/logs.py``: ``_dump``)."""
    if isinstance(details, str) or details is None:
        return details
    return json.dumps(details) if details else None


def add_response(db: sqlite_utils.Database, ident: str, model: str, when: str, *, inp: int | None = None,
                 out: int | None = None, details: Any = None, resolved: str | None = None,
                 conversation: str | None = "conv1") -> None:
    """A row of ``responses`` holding only the columns its schema has."""
    cols = db.table("responses").columns_dict
    if conversation is not None and db.table("conversations").count_where("id = ?", [conversation]) == 0:
        db.table("conversations").insert({"id": conversation, "name": "a secret title", "model": model})
    row: dict[str, Any] = {"id": ident, "model": model, "prompt": "a secret prompt", "system": None,
                           "response": "a secret answer", "conversation_id": conversation,
                           "duration_ms": 1234, "datetime_utc": when}
    if "input_tokens" in cols:
        row.update(input_tokens=inp, output_tokens=out, token_details=_dump(details))
    if "resolved_model" in cols:
        row["resolved_model"] = resolved
    db.table("responses").insert(row)


def add_turn(db: sqlite_utils.Database, ident: str, model: str, when: str, *, inp: int | None = None,
             out: int | None = None, details: Any = None, resolved: str | None = None,
             thread: str = "thr1", replace: bool = False) -> None:
    """A row of ``turns`` as ``LogStore._log_in_transaction`` writes it (``replace=True``)."""
    if db.table("threads").count_where("id = ?", [thread]) == 0:
        db.table("threads").insert({"id": thread, "name": "a secret title", "datetime_utc": when})
    db.table("turns").insert({"id": ident, "thread_id": thread, "model": model, "resolved_model": resolved,
                        "options_json": None, "input_tokens": inp, "output_tokens": out,
                        "token_details": _dump(details), "duration_ms": 2000, "datetime_utc": when},
                       replace=replace)
