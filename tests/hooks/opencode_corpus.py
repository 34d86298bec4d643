"""opencode databases for tests and benches, in opencode's real schema.

The DDL is opencode's own: the ``CREATE`` statements of the tables ``project``,
``session``, ``message``, ``part`` and ``session_message`` and their indexes, as
read from ``sqlite_master`` of the database opencode 1.18.33 (``opencode-ai`` on
npm) creates (drizzle, ``packages/opencode/src/session/session.sql.ts``): no index
covers ``time_updated``. opencode opens it with ``PRAGMA journal_mode = WAL``
(``packages/core/src/database/database.ts``).

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
  `icon_url_override` text,
  `icon_color` text,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `time_initialized` integer,
  `sandboxes` text NOT NULL,
  `commands` text
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
  `metadata` text,
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
CREATE TABLE `session_message` (
  `id` text PRIMARY KEY,
  `session_id` text NOT NULL,
  `type` text NOT NULL,
  `seq` integer NOT NULL,
  `time_created` integer NOT NULL,
  `time_updated` integer NOT NULL,
  `data` text NOT NULL,
  CONSTRAINT `fk_session_message_session_id_session_id_fk` FOREIGN KEY (`session_id`) REFERENCES `session`(`id`) ON DELETE CASCADE
);
CREATE INDEX `message_session_time_created_id_idx` ON `message` (`session_id`,`time_created`,`id`);
CREATE INDEX `part_message_id_id_idx` ON `part` (`message_id`,`id`);
CREATE INDEX `part_session_idx` ON `part` (`session_id`);
CREATE UNIQUE INDEX `session_message_session_seq_idx` ON `session_message` (`session_id`,`seq`);
CREATE INDEX `session_message_session_time_created_id_idx` ON `session_message` (`session_id`,`time_created`,`id`);
CREATE INDEX `session_message_session_type_seq_idx` ON `session_message` (`session_id`,`type`,`seq`);
CREATE INDEX `session_message_time_created_idx` ON `session_message` (`time_created`);
CREATE INDEX `session_parent_idx` ON `session` (`parent_id`);
CREATE INDEX `session_project_idx` ON `session` (`project_id`);
CREATE INDEX `session_workspace_idx` ON `session` (`workspace_id`);
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


def tokens(inp: int, out: int, reasoning: int = 0, read: int = 0, write: int = 0,
           total: bool = False) -> dict[str, Any]:
    """opencode's ``tokens``; ``total``: as opencode 1.18 writes them (output without the
    reasoning, and a ``total`` of every bucket), else as older versions did (no total)."""
    got: dict[str, Any] = {"input": inp, "output": out, "reasoning": reasoning,
                           "cache": {"read": read, "write": write}}
    if total:
        got = {"total": inp + out + reasoning + read + write, **got}
    return got


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


# -- the fixture with every trap of shared/reference/clients.md --------------------------

#: hooks.opencode.SLACK_MS (kept here so the bench needs no import of hooks).
SLACK_MS = 60_000
DAY1 = 1_793_620_800_000  # 2026-11-02T10:00:00Z
DAY2 = DAY1 + 86_400_000  # 2026-11-03T10:00:00Z
SONNET, GPT5, GEMINI = "claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"
SES_A, SES_B = "ses_fixture_alpha", "ses_fixture_beta"
SES_DEV, SES_ENV = "ses_fixture_dev", "ses_fixture_env"

#: (UTC day, model) -> buckets, by hand:
#: day 1 sonnet: the three steps of A1 (100/200/1000/50/0, 10/0/2000/20-5/5 as an opencode before
#: 1.18 wrote them, output holding the reasoning, 30/100/3000/40/0) and the dev channel's step
#: (1/4/3/2/0); day 2 sonnet: B's step as opencode 1.18 writes it (output apart from reasoning, a
#: total of all), once although it is in the database and in storage/ (7/0/0/3/2); day 2 gpt-5: A2 without steps, from its own tokens
#: (500/0/0/300-100/100), and $OPENCODE_DB's step (11/0/0/22/0); day 2 gemini: the storage-only
#: step whose reasoning (200) is more than its output (100), so stated apart (1000/0/0/100/200).
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("2026-11-02", SONNET): {"input_tokens": 141, "cache_write_tokens": 304, "cache_read_tokens": 6003,
                             "output_tokens": 107, "reasoning_tokens": 5, "requests": 4},
    ("2026-11-03", SONNET): {"input_tokens": 7, "cache_write_tokens": 0, "cache_read_tokens": 0,
                             "output_tokens": 3, "reasoning_tokens": 2, "requests": 1},
    ("2026-11-03", GPT5): {"input_tokens": 511, "cache_write_tokens": 0, "cache_read_tokens": 0,
                           "output_tokens": 222, "reasoning_tokens": 100, "requests": 2},
    ("2026-11-03", GEMINI): {"input_tokens": 1000, "cache_write_tokens": 0, "cache_read_tokens": 0,
                             "output_tokens": 100, "reasoning_tokens": 200, "requests": 1},
}
#: Without the legacy storage/ tree (what the hook reads: databases only).
EXPECTED_DB = {k: v for k, v in EXPECTED.items() if k[1] != GEMINI}


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")


def build_fixture(root: Path) -> dict[str, Any]:
    """A machine with opencode data: ``root/home`` (``$HOME``), ``root/data/opencode``
    (``$XDG_DATA_HOME/opencode``: opencode.db, opencode-dev.db, storage/) and
    ``root/elsewhere/custom.db`` (``$OPENCODE_DB``). Returns the paths, the ``env``
    to run with, and the ids a test needs."""
    rng = random.Random(11)
    data = root / "data" / "opencode"
    data.mkdir(parents=True)
    (root / "home").mkdir(exist_ok=True)
    ids: dict[str, str] = {}

    # -- opencode.db: sessions A and B ------------------------------------------------------
    db = data / "opencode.db"
    conn = create(db)
    add_project(conn, "prj_alpha", "/p/alpha", DAY1)
    add_session(conn, SES_A, "prj_alpha", "/p/alpha", DAY1)
    add_session(conn, SES_B, "prj_alpha", "/p/beta", DAY2)
    u1 = ascending_id("msg", DAY1, rng)
    insert_message(conn, u1, SES_A, DAY1, user_message(u1, SES_A, DAY1))
    insert_part(conn, ascending_id("prt", DAY1, rng), u1, SES_A, DAY1, {"type": "text", "text": "a prompt"})
    # A1: three steps; the message's tokens are those of the last step only.
    a1 = ids["a1"] = ascending_id("msg", DAY1 + 1000, rng)
    steps = [(tokens(100, 50, 0, 1000, 200), 0.01), (tokens(10, 20, 5, 2000, 0), 0.02),
             (tokens(30, 40, 0, 3000, 100), 0.03)]
    insert_message(conn, a1, SES_A, DAY1 + 1000,
                   assistant_message(SES_A, DAY1 + 1000, SONNET, "anthropic", "/p/alpha", tokens(0, 0), 0, None))
    for i, (tk, cost) in enumerate(steps):
        ms = DAY1 + 2000 + i * 1000
        insert_part(conn, ascending_id("prt", ms, rng), a1, SES_A, ms, {"type": "text", "text": "an answer"})
        pid = ids[f"step{i + 1}"] = ascending_id("prt", ms, rng)
        insert_part(conn, pid, a1, SES_A, ms, step_finish(tk, cost))
    insert_message(conn, a1, SES_A, DAY1 + 1000,
                   assistant_message(SES_A, DAY1 + 1000, SONNET, "anthropic", "/p/alpha", steps[-1][0], 0.06,
                                     DAY1 + 5000), updated=DAY1 + 5000)
    # A garbage part that looks like a step: counted as invalid JSON, never an error.
    insert_part(conn, ascending_id("prt", DAY1 + 6000, rng), a1, SES_A, DAY1 + 6000,
                '{"type": "step-finish", "tokens": {"input": 5')
    # A2 (day 2): no step parts (older opencode): its own tokens count, reasoning inside output.
    a2 = ids["a2"] = ascending_id("msg", DAY2, rng)
    insert_message(conn, a2, SES_A, DAY2,
                   assistant_message(SES_A, DAY2, GPT5, "openai", None, tokens(500, 300, 100), 0.05, DAY2 + 9000),
                   updated=DAY2 + 9000)
    # A3: still being written (not completed, no step yet): not counted.
    a3 = ascending_id("msg", DAY2 + 20_000, rng)
    insert_message(conn, a3, SES_A, DAY2 + 20_000,
                   assistant_message(SES_A, DAY2 + 20_000, GPT5, "openai", "/p/alpha", tokens(9, 9), 0.0, None))
    # B: one step, also in storage/ (migrated): counted once.
    b1 = ids["b1"] = ascending_id("msg", DAY2 + 1000, rng)
    b_step = ids["b_step"] = ascending_id("prt", DAY2 + 3000, rng)
    b1_data = assistant_message(SES_B, DAY2 + 1000, SONNET, "anthropic", "/p/beta", tokens(7, 3, 2, total=True),
                                0.001, DAY2 + 4000)
    insert_message(conn, b1, SES_B, DAY2 + 1000, b1_data, updated=DAY2 + 4000)
    b_part = step_finish(tokens(7, 3, 2, total=True), 0.001)
    insert_part(conn, b_step, b1, SES_B, DAY2 + 3000, b_part)
    conn.execute("UPDATE session SET time_updated = ? WHERE id = ?", (DAY2 + 20_000, SES_A))
    # Left open by the caller? No: closed, but the -wal is kept (a WAL database as opencode leaves it).
    conn.close()

    # -- another channel's database ---------------------------------------------------------
    dev = data / "opencode-dev.db"
    conn = create(dev)
    add_project(conn, "prj_dev", "/p/dev", DAY1)
    add_session(conn, SES_DEV, "prj_dev", "/p/dev", DAY1)
    d1 = ascending_id("msg", DAY1 + 50_000, rng)
    insert_message(conn, d1, SES_DEV, DAY1 + 50_000,
                   assistant_message(SES_DEV, DAY1 + 50_000, SONNET, "anthropic", None, tokens(1, 2, 0, 3, 4),
                                     0.0, DAY1 + 52_000))
    ids["dev_step"] = ascending_id("prt", DAY1 + 51_000, rng)
    insert_part(conn, ids["dev_step"], d1, SES_DEV, DAY1 + 51_000, step_finish(tokens(1, 2, 0, 3, 4), 0.0))
    conn.close()

    # -- $OPENCODE_DB ---------------------------------------------------------------------------
    custom = root / "elsewhere" / "custom.db"
    custom.parent.mkdir()
    conn = create(custom)
    add_project(conn, "prj_env", "/p/env", DAY2)
    add_session(conn, SES_ENV, "prj_env", "/p/env", DAY2)
    e1 = ascending_id("msg", DAY2 + 60_000, rng)
    insert_message(conn, e1, SES_ENV, DAY2 + 60_000,
                   assistant_message(SES_ENV, DAY2 + 60_000, GPT5, "openai", "/p/env", tokens(11, 22), 0.0,
                                     DAY2 + 62_000))
    insert_part(conn, ascending_id("prt", DAY2 + 61_000, rng), e1, SES_ENV, DAY2 + 61_000,
                step_finish(tokens(11, 22), 0.0))
    conn.close()

    # -- the legacy storage/ tree -----------------------------------------------------------
    st = data / "storage"
    _write_json(st / "session" / "prj_alpha" / f"{SES_B}.json", {"id": SES_B, "directory": "/p/beta"})
    _write_json(st / "message" / SES_B / f"{b1}.json", {"id": b1, "sessionID": SES_B, **b1_data})
    _write_json(st / "part" / b1 / f"{b_step}.json", {"id": b_step, "sessionID": SES_B, "messageID": b1, **b_part})
    g1 = ascending_id("msg", DAY2 + 100_000, rng)
    g_step = ids["g_step"] = ascending_id("prt", DAY2 + 101_000, rng)
    _write_json(st / "message" / SES_B / f"{g1}.json",
                {"id": g1, "sessionID": SES_B, **assistant_message(SES_B, DAY2 + 100_000, GEMINI, "google",
                                                                   "/p/beta", tokens(1000, 100, 200), 0.0,
                                                                   DAY2 + 102_000)})
    _write_json(st / "part" / g1 / f"{g_step}.json",
                {"id": g_step, "sessionID": SES_B, "messageID": g1, **step_finish(tokens(1000, 100, 200), 0.0)})
    _write_json(st / "part" / g1 / "prt_garbage.json", '{"type": "step-finish", "tokens": ')
    env = {
        "HOME": str(root / "home"),
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
        "OPENCODE_DB": str(custom),
    }
    return {"db": db, "dev": dev, "custom": custom, "storage": st, "env": env, "ids": ids}
