"""Generate a realistic opencode data folder of a given size, and its expected totals.

    python bench/gen_opencode_corpus.py DIR --mb 200 [--seed 1]

``DIR`` plays ``$XDG_DATA_HOME``: it writes ``DIR/opencode/opencode.db`` (SQLite in
WAL mode, as opencode keeps it), a few sessions again as the legacy
``DIR/opencode/storage/{session,message,part}/`` JSON files the migration left in
place, and ``DIR/expected.json`` (the ledger's buckets per (UTC day, model), known
by construction, and the tokens behind each trap; see ``bench/corpus_common.py``).

The tables are those of ``../shared/reference/clients.md`` (opencode section) and
``hooks/opencode.py`` (``packages/opencode/src/session/session.sql.ts``):
``session``, ``message(id, session_id, time_created, time_updated, data)`` and
``part(id, message_id, session_id, time_created, time_updated, data)`` with their
indexes; ids are opencode's ascending ids (``prt_`` + 12 hex digits of
``ms * 0x1000 + counter``, then random letters). An assistant message takes 1-6
model calls (steps): per step a ``step-start``, ``reasoning``, ``text`` and
``tool`` parts (tool outputs up to hundreds of KB), then a ``step-finish`` with
that step's ``tokens`` and ``cost``; the message's ``tokens`` are the last step's
(overwritten), its ``cost`` the sum: the older opencode's shape (a fifth of the
sessions). opencode 1.18 writes one assistant message per step (a tool call, then
the answer: two messages, each with its step-finish; observed on 1.18.33,
``tests/plugins/test_real_clients.py``). Traps: the overwritten steps; older messages
with no step parts (counted from the message); a message still being written;
subagent sessions; sessions in both the database and ``storage/``; steps past
midnight of their message's day.

Buckets (``hooks/opencode.py``): input = ``input`` (cache excluded), cache read,
cache write, reasoning, and output: as stored by opencode 1.18 (its ``tokens.total``
adds output and reasoning apart), else ``output - reasoning`` (an older opencode
stored the AI SDK's output, which holds the reasoning). Most sessions have the
1.18 shape, a fifth the older one.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus_common import Buckets, Ledger, Text, pick

MODELS = [("anthropic/claude-sonnet-4-5", 0.4), ("anthropic/claude-opus-4-1", 0.15),
          ("openai/gpt-5-codex", 0.25), ("google/gemini-2.5-pro", 0.2)]
DAY0 = datetime(2026, 8, 15, tzinfo=UTC)
DAYS = 75
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
#: opencode's schema: ``tests/hooks/opencode_corpus.py``'s DDL (drizzle's, with every column)
#: when it can be imported, else this subset of it (what the readers look at).
SCHEMA = """
CREATE TABLE project (id TEXT PRIMARY KEY, worktree TEXT NOT NULL, vcs TEXT, name TEXT,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, sandboxes TEXT NOT NULL);
CREATE TABLE session (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL,
  directory TEXT NOT NULL, title TEXT NOT NULL, version TEXT NOT NULL, share_url TEXT,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, time_compacting INTEGER, time_archived INTEGER);
CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL REFERENCES session(id) ON DELETE CASCADE,
  time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
  session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX session_project_idx ON session (project_id);
CREATE INDEX session_parent_idx ON session (parent_id);
CREATE INDEX message_session_time_created_id_idx ON message (session_id, time_created, id);
CREATE INDEX part_message_id_id_idx ON part (message_id, id);
CREATE INDEX part_session_idx ON part (session_id);
"""


def schema() -> str:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    try:
        from tests.hooks.opencode_corpus import DDL
    except ImportError:
        return SCHEMA
    return str(DDL)


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


class Ids:
    """opencode's ``Identifier.ascending``/``descending`` (``packages/opencode/src/id/id.ts``)."""

    def __init__(self, r: random.Random) -> None:
        self.r = r
        self.last = 0
        self.counter = 0

    def make(self, prefix: str, at_ms: int, descending: bool = False) -> str:
        if at_ms != self.last:
            self.last, self.counter = at_ms, 0
        self.counter += 1
        v = (at_ms * 0x1000 + self.counter) & ((1 << 48) - 1)
        if descending:
            v = ~v & ((1 << 48) - 1)
        return f"{prefix}_{v:012x}" + "".join(self.r.choice(B62) for _ in range(14))


class Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.data = root / "opencode"
        self.data.mkdir(parents=True, exist_ok=True)
        self.db = self.data / "opencode.db"
        for p in self.data.glob("opencode.db*"):
            p.unlink()
        shutil.rmtree(self.data / "storage", ignore_errors=True)  # a corpus made again from scratch
        self.r = random.Random(seed)
        self.ids = Ids(self.r)
        self.text = Text(self.r)
        self.led = Ledger()
        self.bytes = 0
        self.legacy_bytes = 0
        self.conn = sqlite3.connect(self.db)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = OFF")
        self.conn.executescript(schema())
        self.projects = [(f"prj{i:04d}", f"/home/u/proj{i}") for i in range(20)]
        now = ms(DAY0)
        self.conn.executemany("INSERT INTO project (id, worktree, vcs, time_created, time_updated, sandboxes) "
                              "VALUES (?, ?, 'git', ?, ?, '[]')",
                              [(p, w, now, now) for p, w in self.projects])
        self.messages: list[tuple[Any, ...]] = []
        self.parts: list[tuple[Any, ...]] = []

    def flush(self) -> None:
        self.conn.executemany("INSERT INTO message VALUES (?, ?, ?, ?, ?)", self.messages)
        self.conn.executemany("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)", self.parts)
        self.conn.commit()
        self.messages, self.parts = [], []
        # what is on disk so far (the database, its WAL, the legacy files)
        self.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self.bytes = self.db.stat().st_size + self.legacy_bytes

    def part(self, msg: str, ses: str, at: datetime, data: dict[str, Any], legacy: dict[str, Any] | None,
             updated: datetime | None = None) -> str:
        pid = self.ids.make("prt", ms(at))
        text = dumps(data)
        self.parts.append((pid, msg, ses, ms(at), ms(updated or at), text))
        self.bytes += len(text) + 120
        if legacy is not None:
            legacy.setdefault("parts", []).append((msg, pid, {"id": pid, "sessionID": ses, "messageID": msg, **data}))
        return pid

    def tokens(self, model: str, ctx: int, shape_new: bool = True) -> dict[str, Any]:
        """One step's ``tokens``: opencode 1.18's shape (reasoning apart from output, and a
        ``total`` of everything), or the older one (the AI SDK's output, reasoning inside)."""
        r = self.r
        new = r.randrange(50, 6000)
        if model.startswith("anthropic"):
            read = int(ctx * r.uniform(0.85, 1.0))
            write = r.randrange(0, 4000) if r.random() < 0.6 else 0
            inp = max(1, ctx + new - read - write)
            out = r.randrange(20, 3000)
            reasoning = 0
        else:
            read = int(ctx * r.uniform(0.6, 0.95)) if r.random() < 0.7 else 0
            write = 0
            inp = ctx + new - read
            out = r.randrange(20, 3000)
            reasoning = r.randrange(0, out) if r.random() < 0.7 else 0
        if shape_new:
            out -= reasoning
            return {"total": inp + out + reasoning + read + write, "input": inp, "output": out,
                    "reasoning": reasoning, "cache": {"read": read, "write": write}}
        return {"input": inp, "output": out, "reasoning": reasoning, "cache": {"read": read, "write": write}}

    def session(self, parent: tuple[str, str, datetime, str] | None = None) -> None:
        r = self.r
        if parent is None:
            proj, cwd = r.choice(self.projects)
            start = DAY0 + timedelta(days=r.randrange(0, DAYS), seconds=r.randrange(0, 86400))
        else:
            proj, cwd, start, parent_id = parent
        sid = self.ids.make("ses", ms(start), descending=True)
        legacy: dict[str, Any] | None = {"messages": [], "parts": []} if r.random() < 0.05 else None
        t = start
        ctx = r.randrange(8000, 20000)
        model_key = pick(r, MODELS)
        old = r.random() < 0.05  # an opencode that wrote no step parts
        shape_new = not old and r.random() < 0.8  # opencode 1.18's tokens (else an older opencode's)
        n_turns = r.randrange(2, 25) if parent is None else r.randrange(1, 5)
        children: list[tuple[str, str, datetime, str]] = []
        for turn in range(n_turns):
            if r.random() < 0.08:
                model_key = pick(r, MODELS)
            provider, model = model_key.split("/", 1)
            uid = self.ids.make("msg", ms(t))
            udata = {"role": "user", "time": {"created": ms(t)}, "agent": "build",
                     "model": {"providerID": provider, "modelID": model}}
            self.messages.append((uid, sid, ms(t), ms(t), dumps(udata)))
            self.part(uid, sid, t, {"type": "text", "text": self.text(r.randrange(20, 1500))}, legacy)
            if legacy is not None:
                legacy["messages"].append((uid, {"id": uid, "sessionID": sid, **udata}))
            t += timedelta(milliseconds=r.randrange(300, 3000))
            # opencode 1.18: one assistant message per model call (step), each with its own
            # step-finish; older versions: one message taking several steps (its tokens overwritten)
            n_msgs = r.randrange(1, 7) if shape_new else 1
            for m_i in range(n_msgs):
                aid = self.ids.make("msg", ms(t))
                created = t
                steps = 1 if shape_new else r.randrange(1, 7)
                cost = 0.0
                last_tokens: dict[str, Any] = {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}
                writing = turn == n_turns - 1 and m_i == n_msgs - 1 and r.random() < 0.01
                step_rows: list[tuple[datetime, dict[str, Any]]] = []
                for k in range(steps):
                    self.part(aid, sid, t, {"type": "step-start", "snapshot": f"{r.getrandbits(160):040x}"}, legacy)
                    if provider != "anthropic" or r.random() < 0.3:
                        self.part(aid, sid, t, {"type": "reasoning", "text": self.text(r.randrange(50, 1200)),
                                                "time": {"start": ms(t), "end": ms(t) + 900}}, legacy)
                    t += timedelta(milliseconds=r.randrange(500, 20000))
                    self.part(aid, sid, t, {"type": "text", "text": self.text(r.randrange(10, 1500)),
                                            "time": {"start": ms(t), "end": ms(t)}}, legacy)
                    if writing and k == steps - 1:
                        break  # still streaming: no step-finish yet
                    if k < steps - 1 or m_i < n_msgs - 1:  # a tool call ends the step
                        out = self.text.big()
                        self.part(aid, sid, t, {"type": "tool", "callID": f"toolu_{r.getrandbits(64):016x}", "tool": "bash",
                                                "state": {"status": "completed", "input": {"command": self.text(60)},
                                                          "output": out, "title": "bash", "metadata": {"exit": 0},
                                                          "time": {"start": ms(t), "end": ms(t) + 400}}}, legacy)
                        if r.random() < 0.04:
                            child_at = t + timedelta(milliseconds=10)
                            children.append((proj, cwd, child_at, sid))
                    tok = self.tokens(model_key, ctx, shape_new)
                    ctx = min(ctx + tok["output"] + r.randrange(100, 4000), 180_000)
                    step_cost = round((tok["input"] * 3 + tok["output"] * 15) / 1e6, 6)
                    cost += step_cost
                    last_tokens = tok
                    step_t = t + timedelta(milliseconds=5)
                    if not old:
                        self.part(aid, sid, step_t, {"type": "step-finish", "reason": "tool-calls" if k < steps - 1 else "stop",
                                                     "snapshot": f"{r.getrandbits(160):040x}", "cost": step_cost,
                                                     "tokens": tok}, legacy)
                    step_rows.append((step_t, tok))
                completed = t + timedelta(milliseconds=20)
                adata: dict[str, Any] = {
                    "role": "assistant", "time": {"created": ms(created)} if writing else
                    {"created": ms(created), "completed": ms(completed)},
                    "parentID": uid, "modelID": model, "providerID": provider, "mode": "build", "agent": "build",
                    "path": {"cwd": cwd, "root": cwd}, "cost": round(cost, 6), "tokens": last_tokens}
                if not writing:
                    adata["finish"] = "stop"
                self.messages.append((aid, sid, ms(created), ms(completed), dumps(adata)))
                if legacy is not None:
                    legacy["messages"].append((aid, {"id": aid, "sessionID": sid, **adata}))
                if writing and old and step_rows:
                    # no step parts and not completed: not counted (yet); its tokens are the last finished step's
                    self.led.trap("unfinished_message_without_steps", {**self.buckets(last_tokens),
                                                                       "output_tokens": last_tokens["output"]})
                elif writing:
                    self.led.trap("message_being_written", n=1)  # its finished steps count, as any
                if step_rows and not (writing and old) and "total" not in last_tokens:
                    # ccusage takes the message's output as it is: the older shape holds the reasoning
                    self.led.trap("reasoning_inside_message_output",
                                  {"output_tokens": last_tokens["output"] - self.buckets(last_tokens)["output_tokens"]})
                if old and not writing:
                    self.count(completed, model, last_tokens)
                    self.led.trap("message_without_steps", n=1)
                elif not old:
                    for i, (step_t, tok) in enumerate(step_rows):
                        self.count(step_t, model, tok)
                        if i < len(step_rows) - 1:
                            self.led.trap("overwritten_step", self.buckets(tok))
                        if step_t.date() != created.date():
                            self.led.trap("step_past_midnight", self.buckets(tok))
                    if legacy is not None:
                        for _t, tok in step_rows:
                            self.led.trap("in_db_and_storage", self.buckets(tok))
                t = completed + timedelta(milliseconds=r.randrange(50, 500))
            t = completed + timedelta(seconds=r.randrange(5, 900))
        title = "New session - " + start.isoformat()
        self.conn.execute("INSERT INTO session (id, project_id, parent_id, slug, directory, title, version, "
                          "time_created, time_updated) VALUES (?, ?, ?, ?, ?, ?, '1.18.0', ?, ?)",
                          (sid, proj, None if parent is None else parent_id, sid[-8:], cwd, title,
                           ms(start), ms(t)))
        if legacy is not None:
            self.write_legacy(sid, proj, cwd, start, t, legacy)
        if parent is not None:
            self.led.trap("subagent_session", n=1)
        if len(self.messages) > 500 or len(self.parts) > 5000:
            self.flush()
        for ch in children:
            self.session(ch)

    def write_legacy(self, sid: str, proj: str, cwd: str, start: datetime, end: datetime,
                     legacy: dict[str, Any]) -> None:
        st = self.data / "storage"
        (st / "session" / proj).mkdir(parents=True, exist_ok=True)
        (st / "session" / proj / f"{sid}.json").write_text(dumps(
            {"id": sid, "projectID": proj, "directory": cwd, "title": "t", "version": "1.1.0",
             "time": {"created": ms(start), "updated": ms(end)}}))
        for mid, data in legacy["messages"]:
            d = st / "message" / sid
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{mid}.json").write_text(dumps(data))
            self.legacy_bytes += len(dumps(data))
        for mid, pid, data in legacy["parts"]:
            d = st / "part" / mid
            d.mkdir(parents=True, exist_ok=True)
            text = dumps(data)
            (d / f"{pid}.json").write_text(text)
            self.legacy_bytes += len(text)

    @staticmethod
    def buckets(tok: dict[str, Any]) -> Buckets:
        out, reasoning = tok["output"], tok["reasoning"]
        if tok.get("total") == tok["input"] + out + reasoning + tok["cache"]["read"] + tok["cache"]["write"]:
            reasoning_apart = True  # opencode 1.18: output without the reasoning
        else:
            reasoning_apart = False
        return {"input_tokens": tok["input"], "cache_read_tokens": tok["cache"]["read"],
                "cache_write_tokens": tok["cache"]["write"],
                "output_tokens": out if reasoning_apart or reasoning > out else out - reasoning,
                "reasoning_tokens": reasoning}

    def count(self, when: datetime, model: str, tok: dict[str, Any]) -> None:
        self.led.add(when, model, self.buckets(tok))

    def close(self) -> None:
        self.flush()
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


def generate(root: Path, mb: float, seed: int = 1) -> dict[str, Any]:
    """An opencode data folder (``$XDG_DATA_HOME``) of about ``mb`` MB and its ``expected.json``."""
    g = Gen(root, seed)
    target = int(mb * 1e6)
    while g.bytes < target:
        g.session()
    g.close()
    size = sum(p.stat().st_size for p in g.data.rglob("*") if p.is_file())
    return g.led.write(root, size, seed, client="opencode", db=str(g.db))


def add_turn(db: Path, seed: int, at: datetime, steps: int = 1, session: str | None = None) -> dict[str, int]:
    """Write one more assistant message of ``steps`` steps into ``session`` (default: the
    latest) of ``db`` as opencode does (a writer in WAL mode); returns its buckets summed."""
    r = random.Random(seed)
    ids = Ids(r)
    text = Text(r, 20_000)
    conn = sqlite3.connect(db, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        if session is None:
            sid, cwd = conn.execute("SELECT id, directory FROM session ORDER BY time_updated DESC LIMIT 1").fetchone()
        else:
            sid, cwd = conn.execute("SELECT id, directory FROM session WHERE id = ?", (session,)).fetchone()
        mid = ids.make("msg", ms(at))
        total: dict[str, int] = dict.fromkeys(("input_tokens", "cache_write_tokens", "cache_read_tokens",
                                               "output_tokens", "reasoning_tokens", "requests"), 0)
        t = at
        last: dict[str, Any] = {}
        with conn:
            for _k in range(steps):
                t += timedelta(milliseconds=r.randrange(500, 3000))
                inp, out, read, write = (r.randrange(10, 5000), r.randrange(20, 3000), r.randrange(0, 100000),
                                         r.randrange(0, 3000))
                tok: dict[str, Any] = {"total": inp + out + read + write, "input": inp, "output": out,
                                       "reasoning": 0, "cache": {"read": read, "write": write}}
                conn.execute("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)",
                             (ids.make("prt", ms(t)), mid, sid, ms(t), ms(t),
                              dumps({"type": "text", "text": text(400), "time": {"start": ms(t), "end": ms(t)}})))
                conn.execute("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)",
                             (ids.make("prt", ms(t)), mid, sid, ms(t), ms(t),
                              dumps({"type": "step-finish", "reason": "stop", "snapshot": "0" * 40,
                                     "cost": 0.01, "tokens": tok})))
                for k, v in Gen.buckets(tok).items():
                    total[k] += v
                total["requests"] += 1
                last = tok
            data = {"role": "assistant", "time": {"created": ms(at), "completed": ms(t)}, "parentID": mid,
                    "modelID": "claude-sonnet-4-5", "providerID": "anthropic", "mode": "build",
                    "path": {"cwd": cwd, "root": cwd}, "cost": 0.01 * steps, "tokens": last, "finish": "stop"}
            conn.execute("INSERT INTO message VALUES (?, ?, ?, ?, ?)", (mid, sid, ms(at), ms(t), dumps(data)))
            conn.execute("UPDATE session SET time_updated = ? WHERE id = ?", (ms(t), sid))
    finally:
        conn.close()
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    exp = generate(a.dir, a.mb, a.seed)
    print(f"{a.dir}: {exp['bytes'] / 1e6:.1f} MB, {len(exp['days'])} (day, model) buckets")


if __name__ == "__main__":
    main()
