"""opencode: its real database schema (WAL), the legacy storage/ tree, the hook and import.

The fixture (``tests/hooks/opencode_corpus.build_fixture``) has every trap of
``shared/reference/clients.md``: several step-finish parts whose message holds only the
last step's tokens, a message without step parts, a message still being written, a
message in both storage/ and the database, another channel's database, ``$OPENCODE_DB``,
user messages, garbage JSON in ``data``.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import opencode_corpus as oc
from tests.hooks.helpers import buckets, text_columns

HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs",
         "msgspec", "zstandard")


@pytest.fixture
def fx(tmp_path: Path) -> dict[str, Any]:
    return oc.build_fixture(tmp_path / "machine")


def payload(session: str, directory: str = "/p/alpha") -> str:
    """What plugins/opencode/tokenprint.js sends on session.idle."""
    return json.dumps({"hook_event_name": "session.idle", "session_id": session, "directory": directory})


def do_import(fx: dict[str, Any], *paths: str) -> subprocess.CompletedProcess[str]:
    proc = run("import", "opencode", *paths, env=fx["env"])
    assert proc.returncode == 0, proc.stderr
    return proc


def do_hook(fx: dict[str, Any], body: str) -> None:
    proc = run("opencode", input=body, env=fx["env"], exe=TOKENPRINT_HOOK, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def events(db: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT event_id, model, provider, ts, session, project, input_tokens, cache_write_tokens, "
            "cache_read_tokens, output_tokens, reasoning_tokens, requests, cost_usd FROM events"
        ).fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_import_buckets_per_day_and_model(fx: dict[str, Any], home: Path) -> None:
    proc = do_import(fx)
    assert "8 new events" in proc.stdout and "2 invalid JSON" in proc.stdout
    assert buckets(home / "ledger.db") == oc.EXPECTED
    got = events(home / "ledger.db")
    ids = fx["ids"]
    # One event per step (the part id), the message itself only where it has no step.
    assert ids["a1"] not in got and ids["a2"] in got
    assert {ids["step1"], ids["step2"], ids["step3"], ids["b_step"], ids["g_step"], ids["dev_step"]} <= set(got)
    # Model and provider from the message, project from its path, the instant from the part id.
    model, provider, ts, session, project = got[ids["step2"]][:5]
    assert (model, provider, ts, session, project) == (oc.SONNET, "anthropic", oc.DAY1 + 3000, oc.SES_A, "/p/alpha")
    assert got[ids["step2"]][-1] == pytest.approx(0.02)
    # A message without path: the session's directory; dated by its completion.
    assert got[ids["a2"]][2:5] == (oc.DAY2 + 9000, oc.SES_A, "/p/alpha")
    assert got[ids["dev_step"]][4] == "/p/dev"
    # Counts and metadata only: no prompt, answer or title reaches the ledger.
    stored = " ".join(text_columns(home / "ledger.db"))
    assert "a prompt" not in stored and "an answer" not in stored and "title" not in stored


def test_import_twice_changes_nothing(fx: dict[str, Any], home: Path) -> None:
    do_import(fx)
    before = events(home / "ledger.db")
    proc = do_import(fx)
    assert "0 new events, 0 updated" in proc.stdout
    assert "3 unchanged" in proc.stdout  # the three databases, on two stat() calls each
    assert events(home / "ledger.db") == before


def test_hook_and_import_give_the_same_ledger(fx: dict[str, Any], home: Path, tmp_path: Path) -> None:
    for session in (oc.SES_A, oc.SES_B, oc.SES_DEV, oc.SES_ENV):
        do_hook(fx, payload(session))
    hooked = events(home / "ledger.db")
    assert buckets(home / "ledger.db") == oc.EXPECTED_DB  # the hook reads the databases only
    other = tmp_path / "other-home"
    other.mkdir()
    proc = run("import", "opencode", str(fx["db"]), str(fx["dev"]), str(fx["custom"]),
               env={**fx["env"], "TOKENPRINT_HOME": str(other)})
    assert proc.returncode == 0, proc.stderr
    assert events(other / "ledger.db") == hooked
    # ... and an import after the hooks adds only what the hook does not read (storage/).
    proc = do_import(fx)
    assert "1 new event," in proc.stdout
    assert buckets(home / "ledger.db") == oc.EXPECTED


def test_hook_without_a_session_reads_every_database(fx: dict[str, Any], home: Path) -> None:
    do_hook(fx, json.dumps({"hook_event_name": "session.idle"}))
    assert buckets(home / "ledger.db") == oc.EXPECTED_DB
    do_hook(fx, "not json at all")  # a garbage payload: exit 0, nothing printed
    assert buckets(home / "ledger.db") == oc.EXPECTED_DB


def _read(path: str, home: Path, focus: dict[str, str] | None = None) -> Any:
    """One read of ``path`` through the hook's machinery; returns the Syncer's totals."""
    from hooks import dbsource, opencode
    from hooks.sync import FastBackend, Syncer
    from ledger import fastpath

    conn = fastpath.open_ledger(home / "ledger.db")
    try:
        syncer = Syncer(FastBackend(conn), "opencode", opencode.parse, adapter=opencode)
        name = dbsource.with_focus(path, **focus) if focus else path
        positions = syncer.backend.load_positions("opencode", [path])
        syncer.sync(name, positions.get(path))
        syncer.flush()
        return syncer.totals
    finally:
        conn.close()


def _step(conn: sqlite3.Connection, pid: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(conn.execute("SELECT data FROM part WHERE id = ?", (pid,)).fetchone()[0])
    return data


def test_watermark_reads_only_changed_rows(fx: dict[str, Any], home: Path) -> None:
    db = str(fx["db"])
    first = _read(db, home)
    assert first.result.new == 5 and first.errors == 0
    ids = fx["ids"]
    w = oc.connect(db)
    # A row changed behind the watermark (its time_updated is old): not read again.
    old = _step(w, ids["step1"])
    old["tokens"]["input"] = 999
    w.execute("UPDATE part SET data = ? WHERE id = ?", (json.dumps(old), ids["step1"]))
    # A row changed with a new time_updated: read again (the ledger keeps the larger count).
    new = _step(w, ids["b_step"])
    new["tokens"]["output"] = 30
    w.execute("UPDATE part SET data = ?, time_updated = ? WHERE id = ?",
              (json.dumps(new), oc.DAY2 + 10_000_000, ids["b_step"]))
    w.close()
    from hooks.opencode import SLACK_MS

    assert oc.SLACK_MS == SLACK_MS
    again = _read(db, home)
    assert (again.result.new, again.result.updated) == (0, 1)
    got = events(home / "ledger.db")
    assert got[ids["step1"]][5] == 100  # not re-read: the old count stays
    assert got[ids["b_step"]][8] == 30
    # What was read: only the rows at or past each table's watermark minus its slack: the
    # changed step, and day 2's assistant messages (within a minute of the newest one).
    conn = sqlite3.connect(db)
    sizes = conn.execute("SELECT (SELECT length(data) FROM part WHERE id = ?), (SELECT sum(length(data)) "
                         "FROM message WHERE time_updated >= ? AND instr(data, '\"assistant\"') > 0)",
                         (ids["b_step"], oc.DAY2 + 20_000 - oc.SLACK_MS)).fetchone()
    conn.close()
    assert again.bytes == sizes[0] + sizes[1] < first.bytes
    # Unchanged since: two stat() calls, nothing opened.
    third = _read(db, home)
    assert (third.unchanged, third.read) == (1, 0)


def test_hook_focus_reads_one_session_through_its_index(fx: dict[str, Any], home: Path) -> None:
    db = str(fx["db"])
    t = _read(db, home, {"session": oc.SES_B})
    assert t.result.new == 1  # B's step only
    assert buckets(home / "ledger.db") == {("2026-11-03", oc.SONNET): oc.EXPECTED[("2026-11-03", oc.SONNET)]}
    # The focused read moved only B's own watermark: a full read still reads A.
    t = _read(db, home)
    assert t.result.new == 4
    conn = sqlite3.connect(db)
    plan = " ".join(r[3] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT time_updated, rowid FROM part WHERE session_id = ? AND time_updated >= ? "
        "AND instr(data, '\"step-finish\"') > 0", ("x", 0)))
    conn.close()
    assert "part_session_idx" in plan


def test_replaced_database_is_read_again_and_counts_once(fx: dict[str, Any], home: Path) -> None:
    db = fx["db"]
    _read(str(db), home)
    before = events(home / "ledger.db")
    copy = db.with_name("copy.db")
    shutil.copyfile(db, copy)
    os.replace(copy, db)  # another inode: read from the start
    t = _read(str(db), home)
    assert t.restarted == 1 and t.result.new == 0 and t.result.updated == 0
    assert events(home / "ledger.db") == before
    # VACUUM: the same file, rows renumbered; reading again (if it comes to that) doubles nothing.
    w = oc.connect(db)
    w.execute("VACUUM")
    w.close()
    t = _read(str(db), home)
    assert t.errors == 0 and t.result.new == 0
    assert events(home / "ledger.db") == before


def test_locked_rollback_journal_database_is_a_counted_error(fx: dict[str, Any], home: Path) -> None:
    db = fx["custom"]
    w = sqlite3.connect(db, isolation_level=None)
    w.execute("PRAGMA journal_mode = DELETE")
    w.execute("BEGIN EXCLUSIVE")  # a writer holding the lock of a rollback-journal database
    try:
        t = _read(str(db), home)
        assert t.errors == 1 and "locked by a writer" in t.error_messages[0]
        proc = run("opencode", input=payload(oc.SES_ENV), env=fx["env"], exe=TOKENPRINT_HOOK)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    finally:
        w.execute("ROLLBACK")
        w.close()
    t = _read(str(db), home)
    assert t.errors == 0 and t.result.new == 1  # read on the next run


def test_a_missing_wal_and_a_live_one(fx: dict[str, Any], home: Path) -> None:
    db = fx["db"]
    assert not Path(str(db) + "-wal").exists()  # opencode closed: the log is checkpointed away
    assert _read(str(db), home).result.new == 5
    w = oc.connect(db)  # opencode running: a log with rows not yet checkpointed
    w.execute("PRAGMA wal_autocheckpoint = 0")
    oc.insert_part(w, oc.ascending_id("prt", oc.DAY2 + 500_000), fx["ids"]["b1"], oc.SES_B, oc.DAY2 + 500_000,
                   oc.step_finish(oc.tokens(1, 1), 0.0))
    assert os.path.getsize(str(db) + "-wal") > 0
    t = _read(str(db), home)
    w.close()
    assert t.result.new == 1 and t.errors == 0


def test_default_locations(fx: dict[str, Any]) -> None:
    from hooks import opencode

    env = fx["env"]
    assert opencode.databases(env) == [str(fx["custom"]), str(fx["dev"]), str(fx["db"])]
    assert opencode.env_db({**env, "OPENCODE_DB": "named.db"}) == Path(env["XDG_DATA_HOME"]) / "opencode" / "named.db"
    assert opencode.env_db({**env, "OPENCODE_DB": ":memory:"}) is None
    no_xdg = {"HOME": env["HOME"]}
    assert opencode.data_dir(no_xdg) == Path(env["HOME"]) / ".local" / "share" / "opencode"
    roots = opencode.default_roots(env)
    assert opencode.transcripts(roots) == [str(fx["dev"]), str(fx["db"]), str(fx["storage"]), str(fx["custom"])]
    assert opencode.present(env) and not opencode.present({"HOME": "/nonexistent", "PATH": ""})
    paths = opencode.hook_paths({"session_id": "ses_x"})  # this process's env: none here
    assert all(p.endswith('::focus{"session":"ses_x"}') for p in paths)


def test_id_time_resolves_the_wrapped_timestamp() -> None:
    from hooks import opencode

    pid = oc.ascending_id("prt", oc.DAY1 + 123)
    assert opencode.id_time_ms(pid, oc.DAY1) == oc.DAY1 + 123
    assert opencode.id_time_ms(pid, oc.DAY1 + 5 * 86_400_000) == oc.DAY1 + 123
    assert opencode.id_time_ms("garbage", oc.DAY1) is None


def test_hook_is_standard_library_only(fx: dict[str, Any], home: Path) -> None:
    code = (
        "import io, sys\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload(oc.SES_A).encode()!r}))\n"
        "from hooks.entry import main\n"
        "main(['opencode'])\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]\n"
        "print(repr(heavy))\n"
    )
    env = {**os.environ, **fx["env"], "TOKENPRINT_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env,
                          cwd=str(Path(__file__).resolve().parents[2]))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert buckets(home / "ledger.db")[("2026-11-02", oc.SONNET)]["requests"] == 3  # it did the real work


def test_output_and_reasoning_as_each_opencode_wrote_them() -> None:
    from hooks.opencode import Message, step_event

    msg = Message("msg_x", {"role": "assistant", "modelID": "m", "providerID": "p",
                            "time": {"created": oc.DAY1, "completed": oc.DAY1 + 5}}, "ses_x")

    def buckets_of(tk: dict[str, Any]) -> tuple[int, ...]:
        ev = step_event(oc.ascending_id("prt", oc.DAY1 + 1), {"type": "step-finish", "tokens": tk}, msg, None,
                        None, {})
        assert ev is not None
        return (ev.input_tokens, ev.cache_read_tokens, ev.output_tokens, ev.reasoning_tokens)

    # opencode 1.18.33, as observed against a server reporting prompt_tokens 30000 (24000
    # cached) and completion_tokens 690 (90 of reasoning): output is already without it.
    real = {"total": 30690, "input": 6000, "output": 600, "reasoning": 90, "cache": {"write": 0, "read": 24000}}
    assert buckets_of(real) == (6000, 24000, 600, 90)
    # Before 1.18 (the AI SDK's outputTokens, holding the reasoning): no total, or one without it.
    assert buckets_of({**real, "output": 690, "total": None}) == (6000, 24000, 600, 90)
    assert buckets_of({**real, "output": 690, "total": 30690}) == (6000, 24000, 600, 90)
    # Reasoning larger than the output cannot be inside it.
    assert buckets_of({"input": 1, "output": 10, "reasoning": 50}) == (1, 0, 10, 50)


REAL_OPENCODE = os.environ.get("TOKENPRINT_TEST_OPENCODE", "").strip() or shutil.which("opencode") or ""


@pytest.mark.skipif(not REAL_OPENCODE or not os.access(REAL_OPENCODE, os.X_OK),
                    reason="no opencode binary ($TOKENPRINT_TEST_OPENCODE; .ci/run installs opencode-ai with npm)")
def test_fixture_schema_is_the_real_opencodes(tmp_path: Path) -> None:
    """The database the real opencode creates (``opencode db path`` makes it) has our
    fixture's tables and indexes, in WAL mode."""
    env = {"HOME": str(tmp_path / "user"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "XDG_CONFIG_HOME": str(tmp_path / "config"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": os.environ.get("PATH", ""),
           "OPENCODE_DISABLE_AUTOUPDATE": "1", "OPENCODE_DISABLE_MODELS_FETCH": "1",
           "npm_config_offline": "true", "npm_config_registry": "http://127.0.0.1:9/"}
    (tmp_path / "user").mkdir()
    proc = subprocess.run([REAL_OPENCODE, "db", "path"], capture_output=True, text=True, env=env, timeout=120,
                          cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    db = Path(proc.stdout.strip().splitlines()[-1])
    assert db == tmp_path / "data" / "opencode" / "opencode.db"

    def schema(conn: sqlite3.Connection) -> set[str]:
        rows = conn.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND tbl_name IN "
                            "('project', 'session', 'message', 'part', 'session_message')")
        return {" ".join(r[0].split()) for r in rows}

    real = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    ours = sqlite3.connect(":memory:")
    ours.executescript(oc.DDL)
    try:
        assert real.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert schema(real) == schema(ours)
    finally:
        real.close()
        ours.close()


def test_hostile_rows_are_counted_skips_never_errors(fx: dict[str, Any], home: Path) -> None:
    db = fx["db"]
    w = oc.connect(db)
    mid, sid = fx["ids"]["a1"], oc.SES_A
    hostile: list[Any] = [
        '"step-finish"',  # JSON, not an object
        '[' * 100_000 + '"step-finish"' + ']' * 100_000,  # nested too deep
        json.dumps({"type": "step-finish", "tokens": {"input": -1, "output": 1}}),
        json.dumps({"type": "step-finish", "tokens": {"input": 1.5, "output": 1}}),
        json.dumps({"type": "step-finish", "tokens": {"input": 10**12, "output": 1}}),
        json.dumps({"type": "step-finish", "tokens": "many"}),
        json.dumps({"type": "step-finish", "tokens": {"input": 1, "cache": [1, 2]}}),
        b'{"type": "step-finish", "tokens": {"input": 1}} \xff\xfe',  # a BLOB, not UTF-8
        '{"type": "step-finish", "tokens": {"input": NaN}}',  # JSON to Python: a count that is not one
    ]
    for i, data in enumerate(hostile):
        ms = oc.DAY1 + 100_000 + i
        w.execute("INSERT INTO part (id, message_id, session_id, time_created, time_updated, data) "
                  "VALUES (?, ?, ?, ?, ?, ?)", (oc.ascending_id("prt", ms), mid, sid, ms, ms, data))
    # A step whose message is gone, and one whose message is a user message.
    w.execute("PRAGMA foreign_keys = OFF")
    oc.insert_part(w, oc.ascending_id("prt", oc.DAY1 + 200_000), "msg_gone", sid, oc.DAY1 + 200_000,
                   oc.step_finish(oc.tokens(1, 1), 0.0))
    user = w.execute("SELECT id FROM message WHERE instr(data, '\"user\"') > 0").fetchone()[0]
    oc.insert_part(w, oc.ascending_id("prt", oc.DAY1 + 200_001), user, sid, oc.DAY1 + 200_001,
                   oc.step_finish(oc.tokens(1, 1), 0.0))
    w.close()
    t = _read(str(db), home)
    assert t.errors == 0, t.error_messages
    assert t.result.new == 5  # the fixture's, nothing else
    # invalid JSON: the fixture's broken row and the BLOB; bad usage: -1, 1.5, "many", a list, NaN.
    assert t.skips == {"invalid-json": 2, "not-an-object": 1, "too-deep": 1, "bad-usage": 5, "absurd-count": 1,
                       "no-message": 1, "not-assistant": 1}


def test_import_plan_sees_a_database_changed_only_in_its_wal(fx: dict[str, Any], home: Path) -> None:
    from hooks import opencode
    from hooks.backfill import FastBackend, plan
    from ledger import fastpath

    do_import(fx, str(fx["db"]))
    conn = fastpath.open_ledger(home / "ledger.db")
    try:
        backend = FastBackend(conn)
        assert plan(backend, "opencode", [str(fx["db"])], opencode).todo == []
        before = os.stat(fx["db"])
        w = oc.connect(fx["db"])
        w.execute("PRAGMA wal_autocheckpoint = 0")
        oc.insert_part(w, oc.ascending_id("prt", oc.DAY2 + 700_000), fx["ids"]["b1"], oc.SES_B, oc.DAY2 + 700_000,
                       oc.step_finish(oc.tokens(1, 1), 0.0))
        after = os.stat(fx["db"])
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)  # only the -wal grew
        assert [p for p, _st in plan(backend, "opencode", [str(fx["db"])], opencode).todo] == [str(fx["db"])]
        w.close()
    finally:
        conn.close()
    assert "1 new event," in do_import(fx, str(fx["db"])).stdout
