"""opencode databases for tests and benches, in opencode's real schema.

The DDL is opencode's own (drizzle, ``packages/opencode/src/session/session.sql.ts``
and ``packages/opencode/src/project/project.sql.ts``; the statements its
migrations in ``packages/opencode/migration/*/migration.sql`` produce, with the
indexes of the current schema: ``message(session_id, time_created, id)``,
``part(message_id, id)``, ``part(session_id)``). opencode opens it with
``PRAGMA journal_mode = WAL`` (``packages/core/src/database/database.ts``).

:func:`make_db` is what ``bench/hook_latency.py`` imports: a database of about
``target_bytes`` with realistic rows (text and tool parts much larger than the
step-finish parts, several steps per assistant message).
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path
from typing import Any

DDL = """
CREATE TABLE `project` (
  `id` text PRIMARY KEY,
  `worktree` text NOT NULL,
  `vcs` text,
  `name` text,
  `icon_url` text,
  `icon_color` text,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `time_initialized` integer,
  `sandboxes` text NOT NULL
);
CREATE TABLE `session` (
  `id` text PRIMARY KEY,
  `project_id` text NOT NULL,
  `workspace_id` text,
  `parent_id` text,
  `slug` text NOT NULL,
  `directory` text NOT NULL,
  `path` text,
  `title` text NOT NULL,
  `version` text NOT NULL,
  `share_url` text,
  `summary_additions` integer,
  `summary_deletions` integer,
  `summary_files` integer,
  `summary_diffs` text,
  `cost` real DEFAULT 0 NOT NULL,
  `tokens_input` integer DEFAULT 0 NOT NULL,
  `tokens_output` integer DEFAULT 0 NOT NULL,
  `tokens_reasoning` integer DEFAULT 0 NOT NULL,
  `tokens_cache_read` integer DEFAULT 0 NOT NULL,
  `tokens_cache_write` integer DEFAULT 0 NOT NULL,
  `revert` text,
  `permission` text,
  `agent` text,
  `model` text,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `time_compacting` integer,
  `time_archived` integer,
  CONSTRAINT `fk_session_project_id_project_id_fk` FOREIGN KEY (`project_id`) REFERENCES `project`(`id`) ON DELETE CASCADE
);
CREATE TABLE `message` (
  `id` text PRIMARY KEY,
  `session_id` text NOT NULL,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `data` text NOT NULL,
  CONSTRAINT `fk_message_session_id_session_id_fk` FOREIGN KEY (`session_id`) REFERENCES `session`(`id`) ON DELETE CASCADE
);
CREATE TABLE `part` (
  `id` text PRIMARY KEY,
  `message_id` text NOT NULL,
  `session_id` text NOT NULL,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `data` text NOT NULL,
  CONSTRAINT `fk_part_message_id_message_id_fk` FOREIGN KEY (`message_id`) REFERENCES `message`(`id`) ON DELETE CASCADE
);
CREATE INDEX `message_session_time_created_id_idx` ON `message` (`session_id`,`time_created`,`id`);
CREATE INDEX `part_message_id_id_idx` ON `part` (`message_id`,`id`);
CREATE INDEX `part_session_idx` ON `part` (`session_id`);
CREATE INDEX `session_project_idx` ON `session` (`project_id`);
CREATE INDEX `session_workspace_idx` ON `session` (`workspace_id`);
CREATE INDEX `session_parent_idx` ON `session` (`parent_id`);
"""

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_counter: dict[int, int] = {}


def ascending_id(prefix: str, ms: int, rng: random.Random | None = None) -> str:
    """An id as opencode's ``Identifier.ascending`` makes it (``packages/opencode/src/id/id.ts``):
    ``prefix_`` + 12 hex digits of ``ms * 0x1000 + counter`` (48 bits) + 14 base62 characters."""
    n = _counter.get(ms, 0) + 1
    _counter[ms] = n
    value = (ms * 0x1000 + n) & ((1 << 48) - 1)
    r = rng or random
    return f"{prefix}_{value:012x}" + "".join(r.choice(_B62) for _ in range(14))


def connect(path: Path | str) -> sqlite3.Connection:
    """A writer connection as opencode opens it (WAL, synchronous NORMAL, busy timeout 5 s)."""
    conn = sqlite3.connect(str(path), isolation_level=None, timeout=5.0, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def create(path: Path | str) -> sqlite3.Connection:
    """A new empty opencode database (the DDL above), open for writing."""
    conn = connect(path)
    conn.executescript(DDL)
    return conn


def add_project(conn: sqlite3.Connection, pid: str, worktree: str, ms: int) -> None:
    conn.execute("INSERT INTO project (id, worktree, vcs, time_created, time_updated, sandboxes) "
                 "VALUES (?, ?, 'git', ?, ?, '[]')", (pid, worktree, ms, ms))


def add_session(conn: sqlite3.Connection, sid: str, pid: str, directory: str, ms: int,
                parent: str | None = None) -> None:
    conn.execute("INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, "
                 "time_created, time_updated) VALUES (?, ?, ?, ?, ?, 'a title we never read', '1.18.0', ?, ?)",
                 (sid, pid, parent, sid[-6:], directory, ms, ms))


def user_message(mid: str, sid: str, ms: int) -> dict[str, Any]:
    return {"role": "user", "time": {"created": ms}, "agent": "build",
            "model": {"providerID": "anthropic", "modelID": "claude-sonnet-4-5"}, "sessionID": sid}


def assistant_message(sid: str, ms: int, model: str, provider: str, cwd: str | None,
                      tokens: dict[str, Any], cost: float, completed: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "role": "assistant", "time": {"created": ms}, "parentID": "msg_parent", "modelID": model,
        "providerID": provider, "mode": "build", "agent": "build", "cost": cost, "tokens": tokens,
        "finish": "stop",
    }
    if cwd is not None:
        data["path"] = {"cwd": cwd, "root": cwd}
    if completed is not None:
        data["time"]["completed"] = completed
    return data


def tokens(inp: int, out: int, reasoning: int = 0, read: int = 0, write: int = 0) -> dict[str, Any]:
    return {"input": inp, "output": out, "reasoning": reasoning, "cache": {"read": read, "write": write}}


def step_finish(tokens_: dict[str, Any], cost: float) -> dict[str, Any]:
    """A ``step-finish`` part's data as ``processor.ts`` writes it (id, sessionID and
    messageID are columns, not data: ``session.sql.ts`` ``PartData``)."""
    return {"reason": "tool-calls", "snapshot": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "type": "step-finish", "tokens": tokens_, "cost": cost}


def insert_message(conn: sqlite3.Connection, mid: str, sid: str, ms: int, data: dict[str, Any],
                   updated: int | None = None) -> None:
    conn.execute(
        "INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, time_updated = excluded.time_updated",
        (mid, sid, ms, updated if updated is not None else ms, json.dumps(data)),
    )


def insert_part(conn: sqlite3.Connection, pid: str, mid: str, sid: str, ms: int, data: Any,
                updated: int | None = None) -> None:
    raw = data if isinstance(data, str) else json.dumps(data)
    conn.execute(
        "INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET data = excluded.data, time_updated = excluded.time_updated",
        (pid, mid, sid, ms, updated if updated is not None else ms, raw),
    )


MODELS = (("claude-sonnet-4-5", "anthropic"), ("gpt-5", "openai"), ("gemini-2.5-pro", "google"))


def fill_session(conn: sqlite3.Connection, rng: random.Random, sid: str, cwd: str, start_ms: int,
                 turns: int, text_bytes: int) -> tuple[int, int]:
    """A session of ``turns`` user/assistant exchanges (2-4 steps each, text and tool
    parts of about ``text_bytes``). Returns (steps written, last instant)."""
    ms = start_ms
    steps = 0
    for _ in range(turns):
        umid = ascending_id("msg", ms, rng)
        insert_message(conn, umid, sid, ms, user_message(umid, sid, ms))
        insert_part(conn, ascending_id("prt", ms, rng), umid, sid, ms,
                    {"type": "text", "text": "x" * rng.randint(50, 400)})
        ms += rng.randint(500, 3000)
        model, provider = MODELS[rng.randrange(len(MODELS))]
        amid = ascending_id("msg", ms, rng)
        created = ms
        total_cost = 0.0
        last = tokens(0, 0)
        insert_message(conn, amid, sid, created,
                       assistant_message(sid, created, model, provider, cwd, last, 0.0, None))
        for _s in range(rng.randint(2, 4)):
            ms += rng.randint(1000, 8000)
            insert_part(conn, ascending_id("prt", ms, rng), amid, sid, ms,
                        {"type": "text", "text": "y" * rng.randint(text_bytes // 2, text_bytes * 3 // 2)})
            insert_part(conn, ascending_id("prt", ms, rng), amid, sid, ms,
                        {"type": "tool", "tool": "read", "callID": "c", "state": {
                            "status": "completed", "input": {}, "output": "z" * rng.randint(text_bytes, text_bytes * 3),
                            "title": "t", "metadata": {}, "time": {"start": ms, "end": ms}}})
            last = tokens(rng.randint(10, 5000), rng.randint(10, 2000), rng.randint(0, 300),
                          rng.randint(0, 60000), rng.randint(0, 4000))
            cost = round(rng.random() / 50, 6)
            total_cost += cost
            insert_part(conn, ascending_id("prt", ms, rng), amid, sid, ms, step_finish(last, cost))
            steps += 1
        insert_message(conn, amid, sid, created,
                       assistant_message(sid, created, model, provider, cwd, last, total_cost, ms), updated=ms)
        ms += rng.randint(2000, 20000)
    conn.execute("UPDATE session SET time_updated = ? WHERE id = ?", (ms, sid))
    return steps, ms


def make_db(path: str | os.PathLike[str], target_bytes: int, seed: int = 0) -> dict[str, Any]:
    """An opencode database of about ``target_bytes`` at ``path`` (WAL mode, checkpointed,
    closed), for the hook bench. Returns ``{"path", "sessions", "steps", "last_session",
    "bytes"}``: ``last_session`` is the most recent session (what a hook payload names)."""
    rng = random.Random(seed)
    p = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    conn = create(p)
    add_project(conn, "prj_bench", "/home/u/project", 1_780_000_000_000)
    ms = 1_780_000_000_000
    sessions = steps = 0
    last_sid = ""
    conn.execute("BEGIN")
    while True:
        sid = ascending_id("ses", ms, rng)
        add_session(conn, sid, "prj_bench", f"/home/u/project{sessions % 7}", ms)
        n, ms = fill_session(conn, rng, sid, f"/home/u/project{sessions % 7}", ms, rng.randint(5, 25), 2000)
        steps += n
        sessions += 1
        last_sid = sid
        if sessions % 20 == 0:
            conn.execute("COMMIT")
            size = p.stat().st_size + (os.stat(str(p) + "-wal").st_size if os.path.exists(str(p) + "-wal") else 0)
            if size >= target_bytes:
                break
            conn.execute("BEGIN")
        ms += rng.randint(60_000, 3_600_000)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"path": str(p), "sessions": sessions, "steps": steps, "last_session": last_sid,
            "bytes": p.stat().st_size}
