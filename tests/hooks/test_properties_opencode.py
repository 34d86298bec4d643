"""Properties of the opencode adapter through the real reader and ledger (hypothesis).

- Any order and batching of opencode's writes (user and assistant messages inserted,
  updated while they stream, completed; text, tool and step-finish parts), with full
  reads and hook reads (focused on one session) at any point between transactions,
  and stamps up to half of ``SLACK_MS`` out of order (a row stamped before another
  one but committed after it), gives the same ledger as one import of the final
  database: nothing lost, nothing counted twice, the watermarks never skip a row.
- ``data`` that is garbage (any JSON value, any text or bytes around
  ``"step-finish"``) never raises and is never an error; the good rows around it
  count exactly as without it, and whatever else becomes an event is valid.
- A message in the legacy ``storage/`` tree, in the database or in both, read in
  any order and any number of times, counts once: the ledger is the one a database
  holding every message gives.

The writes follow opencode's order (``packages/opencode/src/session/processor.ts``): an
assistant message is inserted before its parts, its step-finish parts are written
once each, and it is marked completed (``time.completed``) after its last step.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import dbsource, opencode
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from ledger.events import problem
from tests.hooks import opencode_corpus as oc

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SESSIONS = (("ses_prop_one", "/p/one"), ("ses_prop_two", "/p/two"))
COLUMNS = ("event_id, model, provider, ts, session, project, input_tokens, cache_write_tokens, cache_read_tokens, "
           "output_tokens, reasoning_tokens, requests, cost_usd")


@contextmanager
def small_chunks(rows: int = 2) -> Iterator[None]:
    """Read the database a few rows per batch (each batch is one commit with its state)."""
    before = opencode.CHUNK_ROWS
    opencode.CHUNK_ROWS = rows
    try:
        yield
    finally:
        opencode.CHUNK_ROWS = before


def sync(ledger: Path, source: str, session: str | None = None) -> Any:
    """One read of ``source`` (a database or a storage/ folder) as the hook (``session``)
    or the import (None) does it; returns the Syncer's totals."""
    conn = fastpath.open_ledger(ledger)
    try:
        syncer = Syncer(FastBackend(conn), "opencode", opencode.parse, adapter=opencode)
        name = dbsource.with_focus(source, session=session) if session else source
        syncer.sync(name, syncer.backend.load_positions("opencode", [source]).get(source))
        syncer.flush()
        return syncer.totals
    finally:
        conn.close()


def rows(ledger: Path, source: bool = True) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(ledger)
    try:
        cols = COLUMNS + (", source" if source else "")
        return conn.execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall()
    finally:
        conn.close()


def new_db(path: Path) -> sqlite3.Connection:
    conn = oc.create(path)
    oc.add_project(conn, "prj_prop", "/p", oc.DAY1)
    for sid, directory in SESSIONS:
        oc.add_session(conn, sid, "prj_prop", directory, oc.DAY1)
    return conn


# -- the writes of a few assistant turns, as opencode makes them ------------------------------

_tok = st.builds(lambda i, o, r, cr, cw, total: oc.tokens(i, o, r, cr, cw, total=total),
                 st.integers(0, 5000), st.integers(0, 2000), st.integers(0, 300), st.integers(0, 60000),
                 st.integers(0, 4000), st.booleans())


@st.composite
def turn(draw: Any) -> dict[str, Any]:
    """One assistant message: its session, model, whether it has a cwd, its steps (an
    empty list: an older opencode that wrote none, the message's own tokens count),
    text parts streamed and rewritten, an update while it streams."""
    model, provider = draw(st.sampled_from(oc.MODELS))
    return {"session": draw(st.integers(0, len(SESSIONS) - 1)), "model": model, "provider": provider,
            "cwd": draw(st.booleans()), "steps": draw(st.lists(_tok, max_size=3)), "own": draw(_tok),
            "texts": draw(st.integers(0, 2)), "rewrites": draw(st.integers(0, 2))}


def writes(turns: list[dict[str, Any]], order: list[int], rng: random.Random) -> list[tuple[str, Any]]:
    """The writes of ``turns`` interleaved as ``order`` says (each turn's own writes stay
    in opencode's order). Each write is ``(kind, args)``; the instants come later."""
    scripts: list[list[tuple[str, Any]]] = []
    for n, t in enumerate(turns):
        sid = SESSIONS[t["session"]][0]
        mid = f"msg_{n:04d}"
        uid = f"msg_{n:04d}u"
        script: list[tuple[str, Any]] = [("message", (uid, sid, "user", t, None))]
        script.append(("message", (mid, sid, "stream", t, oc.tokens(0, 0))))
        for i, tk in enumerate(t["steps"]):
            for j in range(t["texts"]):
                script.append(("text", (f"{mid}:{i}:{j}", mid, sid)))
            script.append(("step", (mid, sid, tk)))
            script.append(("message", (mid, sid, "stream", t, tk)))  # the message holds the last step's
        for j in range(t["rewrites"]):
            script.append(("text", (f"{mid}:x:{j % 2}", mid, sid)))  # a text part written again
        last = t["steps"][-1] if t["steps"] else t["own"]
        script.append(("message", (mid, sid, "done", t, last)))
        scripts.append(script)
    out: list[tuple[str, Any]] = []
    cursors = [0] * len(scripts)
    for pick in order:  # interleave: each pick takes the next write of a turn that has one
        live = [i for i in range(len(scripts)) if cursors[i] < len(scripts[i])]
        if not live:
            break
        i = live[pick % len(live)]
        out.append(scripts[i][cursors[i]])
        cursors[i] += 1
    for i, script in enumerate(scripts):
        out += script[cursors[i]:]
    return out


class Writer:
    """Applies writes to a database with opencode's columns: ids ascending from the
    instant (``Identifier.ascending``), ``time_updated`` stamped with the clock minus a
    jitter (a row stamped before the previous commit)."""

    def __init__(self, conn: sqlite3.Connection, rng: random.Random) -> None:
        self.conn, self.rng = conn, rng
        self.clock = oc.DAY1 + 10 * oc.SLACK_MS
        self.ids: dict[str, str] = {}  # our name -> the row's id
        self.created: dict[str, int] = {}

    def apply(self, kind: str, args: Any, advance: int, jitter: int) -> None:
        self.clock += advance
        now = self.clock
        stamp = max(oc.DAY1, now - jitter)
        if kind == "message":
            name, sid, phase, t, tk = args
            created = self.created.setdefault(name, now)
            mid = self.ids.setdefault(name, oc.ascending_id("msg", created, self.rng))
            if phase == "user":
                data = oc.user_message(mid, sid, created)
            else:
                data = oc.assistant_message(sid, created, t["model"], t["provider"],
                                            SESSIONS[t["session"]][1] + "/sub" if t["cwd"] else None, tk,
                                            0.001, now if phase == "done" else None)
            oc.insert_message(self.conn, mid, sid, created, data, updated=stamp)
        elif kind == "text":
            name, msg, sid = args
            pid = self.ids.setdefault(name, oc.ascending_id("prt", now, self.rng))
            created = self.created.setdefault(name, now)
            oc.insert_part(self.conn, pid, self.ids[msg], sid, created,
                           {"type": "text", "text": "streamed text " * self.rng.randint(1, 4)}, updated=stamp)
        else:
            msg, sid, tk = args
            pid = oc.ascending_id("prt", now, self.rng)
            oc.insert_part(self.conn, pid, self.ids[msg], sid, now, oc.step_finish(tk, 0.002), updated=stamp)


@SETTINGS
@given(turns=st.lists(turn(), min_size=1, max_size=5),
       order=st.lists(st.integers(0, 10), max_size=60),
       steps=st.lists(st.tuples(st.integers(0, 3000), st.integers(0, oc.SLACK_MS // 2),
                                st.sampled_from(["none", "commit", "full", "hook0", "hook1"])), max_size=60),
       seed=st.integers(0, 2**16))
def test_any_order_and_batching_of_writes_gives_the_ledger_of_one_import(
    tmp_path_factory: Any, turns: list[dict[str, Any]], order: list[int],
    steps: list[tuple[int, int, str]], seed: int
) -> None:
    tmp = tmp_path_factory.mktemp("oc")
    rng = random.Random(seed)
    db = tmp / "opencode.db"
    live = tmp / "live.db"
    conn = new_db(db)
    writer = Writer(conn, rng)
    plan = writes(turns, order, rng)
    conn.execute("BEGIN")
    with small_chunks():
        for n, write in enumerate(plan):
            advance, jitter, then = steps[n] if n < len(steps) else (1000, 0, "none")
            writer.apply(*write, advance=advance, jitter=jitter)
            if then == "none":
                continue
            conn.execute("COMMIT")  # a transaction ends; a read may come now
            if then != "commit":
                session = {"hook0": SESSIONS[0][0], "hook1": SESSIONS[1][0]}.get(then)
                t = sync(live, str(db), session)
                assert t.errors == 0, t.error_messages
            conn.execute("BEGIN")
        conn.execute("COMMIT")
        conn.close()
        t = sync(live, str(db))  # what is there at the end, read once more
        assert t.errors == 0, t.error_messages
        once = tmp / "once.db"
        t = sync(once, str(db))
        assert t.errors == 0 and t.skips == {}, (t.error_messages, t.skips)
    assert rows(live) == rows(once)
    # one event per step, one per message without steps (the expectation, by rule)
    assert len(rows(once)) == sum(len(t["steps"]) or int(sum(_sum(t["own"]))) > 0 for t in turns)
    # and a read of what did not change: two stat() calls, nothing opened
    t = sync(live, str(db))
    assert (t.unchanged, t.read) == (1, 0)


def _sum(tk: dict[str, Any]) -> list[int]:
    return [tk["input"], tk["output"], tk["reasoning"], tk["cache"]["read"], tk["cache"]["write"]]


# -- garbage in data -------------------------------------------------------------------------

_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
                    st.text(max_size=10), st.sampled_from(["step-finish", "assistant", "\ud83d", "nan"]))
_value = st.recursive(_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
_tokens = st.one_of(_value, st.dictionaries(
    st.sampled_from(["input", "output", "reasoning", "total", "cache"]),
    st.one_of(_value, st.dictionaries(st.sampled_from(["read", "write"]), _value, max_size=2)), max_size=5))


def _dump(obj: Any) -> str:
    try:
        return json.dumps(obj)
    except ValueError:
        return json.dumps(obj, ensure_ascii=True)


@st.composite
def garbage_part(draw: Any) -> str | bytes:
    kind = draw(st.sampled_from(["object", "value", "text", "bytes", "deep"]))
    if kind == "object":
        obj = {"type": "step-finish", "tokens": draw(_tokens), "cost": draw(_value)}
        for k, v in draw(st.dictionaries(st.sampled_from(["reason", "snapshot", "type"]), _value, max_size=2)).items():
            obj[k] = v
        return _dump(obj)
    if kind == "value":
        return _dump(draw(_value)) + ' "step-finish"'  # not JSON as a whole, or JSON that is no object
    if kind == "text":
        return draw(st.text(max_size=40)) + '"step-finish"' + draw(st.text(max_size=40))
    if kind == "bytes":
        return draw(st.binary(max_size=40)) + b'"step-finish"' + draw(st.binary(max_size=40))
    return "[" * draw(st.integers(1000, 50_000)) + '"step-finish"'


@st.composite
def garbage_message(draw: Any) -> str | bytes:
    kind = draw(st.sampled_from(["object", "text", "bytes"]))
    if kind == "object":
        obj: dict[str, Any] = {"role": draw(st.one_of(st.just("assistant"), _value)),
                               "time": draw(st.one_of(_value, st.fixed_dictionaries(
                                   {"created": _value, "completed": _value}))),
                               "modelID": draw(_value), "providerID": draw(_value), "tokens": draw(_tokens),
                               "path": draw(_value), "cost": draw(_value), "model": draw(_value)}
        return _dump(obj)
    if kind == "text":
        return draw(st.text(max_size=40)) + '"assistant"' + draw(st.text(max_size=40))
    return draw(st.binary(max_size=40)) + b'"assistant"'


@settings(SETTINGS, max_examples=25)
@given(parts=st.lists(garbage_part(), max_size=8), messages=st.lists(garbage_message(), max_size=6),
       where=st.lists(st.sampled_from(["a1", "gone", "user"]), min_size=8, max_size=8))
def test_garbage_data_never_raises_and_the_good_rows_still_count(
    tmp_path_factory: Any, parts: list[str | bytes], messages: list[str | bytes], where: list[str]
) -> None:
    tmp = tmp_path_factory.mktemp("garbage")
    fx = oc.build_fixture(tmp / "machine")
    clean = tmp / "clean.db"
    assert sync(clean, str(fx["db"])).errors == 0
    good = rows(clean)
    w = oc.connect(fx["db"])
    w.execute("PRAGMA foreign_keys = OFF")
    user = w.execute("SELECT id FROM message WHERE instr(data, '\"user\"') > 0").fetchone()[0]
    # garbage parts on a message that already has steps (A1), on no message, on a user message:
    # never on A2, whose own tokens count because it has no step part
    owners = {"a1": fx["ids"]["a1"], "gone": "msg_gone", "user": user}
    for i, data in enumerate(parts):
        ms = oc.DAY1 + 300_000 + i
        w.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (oc.ascending_id("prt", ms), owners[where[i]], oc.SES_A, ms, ms, data))
    for i, data in enumerate(messages):
        ms = oc.DAY1 + 400_000 + i
        w.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)",
                  (oc.ascending_id("msg", ms), oc.SES_A, ms, ms, data))
    w.close()
    ledger = tmp / "ledger.db"
    with small_chunks(3):
        t = sync(ledger, str(fx["db"]))
    assert t.errors == 0, t.error_messages
    got = {r[0]: r for r in rows(ledger)}
    for r in good:  # every good event, exactly as without the garbage
        assert got.pop(r[0]) == r
    conn = sqlite3.connect(ledger)
    try:
        for event_id in got:  # what else became an event is a valid one of a garbage row
            row = conn.execute("SELECT input_tokens, output_tokens, ts FROM events WHERE event_id = ?",
                               (event_id,)).fetchone()
            assert all(isinstance(v, int) and v >= 0 for v in row), row
    finally:
        conn.close()


@SETTINGS
@given(value=_value, tokens=_tokens, ident=st.one_of(_value, st.text(max_size=30)))
def test_the_pure_functions_never_raise(value: Any, tokens: Any, ident: Any) -> None:
    skips: dict[str, int] = {}
    for data in (_dump(value), _dump({"type": "step-finish", "tokens": tokens, "cost": value})):
        obj = opencode.decode(data, skips)
        if obj is None:
            continue
        msg = opencode.Message("msg_x", {"role": "assistant", "modelID": value if isinstance(value, str) else "m",
                                         "tokens": tokens, "time": {"created": oc.DAY1, "completed": value}},
                               None)
        for ev in (opencode.step_event(ident if isinstance(ident, str) else "prt_x", obj, msg, None, None, skips),
                   opencode.message_event(msg, False, None, skips)):
            assert ev is None or problem(ev) is None, ev
    assert opencode.id_time_ms(ident, oc.DAY1) is None or isinstance(ident, str)
    assert all(isinstance(n, int) and n > 0 for n in skips.values())


# -- storage/ and the database: each message once ----------------------------------------------


def _storage_write(root: Path, kind: str, folder: str, ident: str, obj: dict[str, Any]) -> None:
    path = root / kind / folder / f"{ident}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


@SETTINGS
@given(turns=st.lists(st.tuples(turn(), st.sampled_from(["db", "storage", "both"])), min_size=1, max_size=5),
       reads=st.lists(st.sampled_from(["db", "storage"]), min_size=1, max_size=6), seed=st.integers(0, 2**16))
def test_storage_and_database_count_each_message_once(
    tmp_path_factory: Any, turns: list[tuple[dict[str, Any], str]], reads: list[str], seed: int
) -> None:
    tmp = tmp_path_factory.mktemp("both")
    rng = random.Random(seed)
    db, every = tmp / "opencode.db", tmp / "every.db"
    storage = tmp / "storage"
    conns = {"db": new_db(db), "every": new_db(every)}
    for sid, directory in SESSIONS:
        _storage_write(storage, "session", "prj_prop", sid, {"id": sid, "directory": directory})
    (storage / "part").mkdir(exist_ok=True)
    (storage / "message").mkdir(exist_ok=True)
    ms = oc.DAY1 + 10_000
    for t, place in turns:
        sid = SESSIONS[t["session"]][0]
        ms += 60_000
        mid = oc.ascending_id("msg", ms, rng)
        steps = []
        for i, tk in enumerate(t["steps"]):
            steps.append((oc.ascending_id("prt", ms + 1000 * (i + 1), rng), ms + 1000 * (i + 1), tk))
        last = t["steps"][-1] if t["steps"] else t["own"]
        done = ms + 1000 * (len(steps) + 1)
        data = oc.assistant_message(sid, ms, t["model"], t["provider"],
                                    SESSIONS[t["session"]][1] + "/sub" if t["cwd"] else None, last, 0.001, done)
        targets = ["every"] + (["db"] if place in ("db", "both") else [])
        for name in targets:
            oc.insert_message(conns[name], mid, sid, ms, data, updated=done)
            for pid, at, tk in steps:
                oc.insert_part(conns[name], pid, mid, sid, at, oc.step_finish(tk, 0.002))
        if place in ("storage", "both"):
            _storage_write(storage, "message", sid, mid, {"id": mid, "sessionID": sid, **data})
            for pid, _at, tk in steps:
                _storage_write(storage, "part", mid, pid,
                               {"id": pid, "sessionID": sid, "messageID": mid, **oc.step_finish(tk, 0.002)})
    for c in conns.values():
        c.close()
    ledger, reference = tmp / "ledger.db", tmp / "reference.db"
    for what in [*reads, "db", "storage"]:  # any order, any number of times, then both once more
        t = sync(ledger, str(db) if what == "db" else str(storage))
        assert t.errors == 0, t.error_messages
    assert sync(reference, str(every)).errors == 0
    assert rows(ledger, source=False) == rows(reference, source=False)
