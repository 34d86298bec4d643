"""The llm adapter: ``logs.db`` of every historic schema (built by llm's own migrations,
``tests/hooks/llm_corpus.py``), through the real import, with hand-computed buckets.

Traps (``hooks/llm.py``, from llm's and its plugins' sources): rows without counts
(before m013, or a plugin that reported none); ``resolved_model`` over ``model``;
``token_details`` NULL when empty; OpenAI Chat ``cached_tokens`` / ``reasoning_tokens``
inside input / output; the Responses API's ``input_tokens_details`` /
``output_tokens_details``; Anthropic's cache counts beside the input; Gemini's cached
count inside the prompt and thoughts inside the output (since llm-gemini 0.19.1) or apart
(before); naive and ``+00:00`` instants; a ``responses`` row also in ``turns``; a turn
rewritten by ``INSERT OR REPLACE``; rowids reused after a delete.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hooks import dbsource
from hooks import llm as adapter
from hooks.backfill import open_backend, run_import
from hooks.doctor import check_positions
from hooks.sync import FastBackend, Syncer, Totals
from ledger import fastpath
from ledger.events import parse_timestamp
from tests.conftest import run
from tests.hooks import llm_corpus as lc
from tests.hooks.helpers import text_columns

COLS = ("event_id, model, ts, session, project, provider, input_tokens, cache_write_tokens, cache_read_tokens, "
        "output_tokens, reasoning_tokens, requests, cost_usd, source, tokens_estimated")

OPENAI_CHAT = {"prompt_tokens_details": {"cached_tokens": 1024}, "completion_tokens_details": {"reasoning_tokens": 64}}
RESPONSES_API = {"input_tokens_details": {"cached_tokens": 512}, "output_tokens_details": {"reasoning_tokens": 100}}
ANTHROPIC = {"cache_creation_input_tokens": 3000, "cache_read_input_tokens": 9000,
             "cache_creation": {"ephemeral_5m_input_tokens": 3000, "ephemeral_1h_input_tokens": 0},
             "service_tier": "standard"}
GEMINI = {"candidatesTokenCount": 300, "thoughtsTokenCount": 30, "cachedContentTokenCount": 2000,
          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 5000}]}
GEMINI_OLD = {"candidatesTokenCount": 300, "thoughtsTokenCount": 50}


def events(ledger: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(ledger)
    try:
        return {r[0]: r[1:] for r in conn.execute(f"SELECT {COLS} FROM events WHERE client = 'llm'")}
    finally:
        conn.close()


def ms(text: str) -> int:
    return parse_timestamp(text)


def imp(home: Path, *paths: Path) -> Totals:
    backend, close = open_backend(home)
    try:
        return run_import(backend, "llm", list(paths))
    finally:
        close()


# -- the pure part --------------------------------------------------------------------------


@pytest.mark.parametrize(("inp", "out", "details", "want"), [
    (1500, 200, None, (1500, 0, 0, 200, 0)),
    (1500, 200, OPENAI_CHAT, (476, 0, 1024, 136, 64)),
    (800, 150, RESPONSES_API, (288, 0, 512, 50, 100)),
    (800, 150, {"input_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 200}}, (500, 200, 100, 150, 0)),
    (12, 400, ANTHROPIC, (12, 3000, 9000, 400, 0)),
    (5000, 330, GEMINI, (3000, 0, 2000, 300, 30)),
    (1000, 300, GEMINI_OLD, (1000, 0, 0, 300, 50)),
    (1000, 30, {"thoughtsTokenCount": 30}, (1000, 0, 0, 0, 30)),  # no candidates count: all thinking
    (100, 10, {"prompt_tokens_details": {"cached_tokens": 500}, "completion_tokens_details": {"reasoning_tokens": 99}},
     (0, 0, 100, 0, 10)),  # a part said to be larger than its whole is capped at it
    (None, 25, {"prompt_tokens_details": {"audio_tokens": 5}}, (0, 0, 0, 25, 0)),
])
def test_buckets(inp: Any, out: Any, details: Any, want: tuple[int, ...]) -> None:
    assert adapter.buckets(inp, out, details) == want


@pytest.mark.parametrize(("inp", "out", "details"), [
    (-1, 0, None), (1.5, 0, None), ("12", 0, None), (True, 0, None), (1, 2, [1]), (1, 2, {"prompt_tokens_details": 3}),
    (10, 2, {"cache_read_input_tokens": -4}),
])
def test_buckets_refuse(inp: Any, out: Any, details: Any) -> None:
    with pytest.raises(ValueError):
        adapter.buckets(inp, out, details)


# -- every schema through the real import -----------------------------------------------------


def fixture_db(path: Path, stage: str) -> None:
    db = lc.fresh(path, stage)
    if stage == "0.5":
        lc.add_response(db, "01j00000000000000000000004", "gpt-3.5-turbo", "2023-07-12T09:00:00.000001")
        return
    lc.add_response(db, "01j1c0000000000000000000a1", "gpt-4o-mini", "2025-01-15T10:00:00.123456",
                    inp=1500, out=200, details=OPENAI_CHAT)  # naive: UTC (llm < 0.32)
    lc.add_response(db, "01j1c0000000000000000000a2", "llama-local", "2025-01-15T11:00:00")  # no usage reported
    if stage in ("0.27", "0.32"):
        lc.add_response(db, "01j1c0000000000000000000a3", "gemini-flash-latest", "2025-06-01T08:00:00+00:00",
                        inp=5000, out=330, details=GEMINI, resolved="gemini-2.5-flash-preview-09-2025",
                        conversation="conv2")
        lc.add_response(db, "01j1c0000000000000000000a4", "gemini-2.0-flash-thinking", "2025-04-01T08:00:00",
                        inp=1000, out=300, details=GEMINI_OLD, resolved="")
        lc.add_response(db, "01j1c0000000000000000000a5", "claude-sonnet-4.5", "2025-10-01T08:00:00",
                        inp=12, out=400, details=ANTHROPIC, resolved="claude-sonnet-4-5-20250929")
    if stage == "0.32":
        # llm 0.32 writes turns; the old responses rows stay, and one is also a turn.
        lc.add_response(db, "01k00000000000000000000dup", "gpt-5", "2026-08-05T10:00:00",
                        inp=9, out=9, conversation="conv3")
        lc.add_turn(db, "01k00000000000000000000dup", "gpt-5", "2026-08-05T10:00:00.000001+00:00",
                    inp=800, out=150, details=RESPONSES_API, resolved="gpt-5-2025-08-07", thread="thr-dup")
        lc.add_turn(db, "01k00000000000000000000t02", "gpt-5.6-luna", "2026-08-06T12:30:00.5+00:00",
                    inp=40, out=7)
        lc.add_turn(db, "01k00000000000000000000t03", "gpt-5.6-luna", "", inp=3, out=3)  # never started: no instant
        lc.add_turn(db, "01k00000000000000000000t04", "gpt-5.6-luna", "2026-08-06T12:31:00+00:00",
                    inp=40, out=7, details="{not json")
        lc.add_turn(db, "01k00000000000000000000t05", "", "2026-08-06T12:32:00+00:00", inp=1, out=1)


EXPECTED: dict[str, tuple[Any, ...]] = {
    "01j1c0000000000000000000a1": ("gpt-4o-mini", ms("2025-01-15T10:00:00.123Z"), "conv1", None, None,
                                   476, 0, 1024, 136, 64, 1, None, "llm-logs", None),
    "01j1c0000000000000000000a3": ("gemini-2.5-flash-preview-09-2025", ms("2025-06-01T08:00:00Z"), "conv2", None, None,
                                   3000, 0, 2000, 300, 30, 1, None, "llm-logs", None),
    "01j1c0000000000000000000a4": ("gemini-2.0-flash-thinking", ms("2025-04-01T08:00:00Z"), "conv1", None, None,
                                   1000, 0, 0, 300, 50, 1, None, "llm-logs", None),
    "01j1c0000000000000000000a5": ("claude-sonnet-4-5-20250929", ms("2025-10-01T08:00:00Z"), "conv1", None, None,
                                   12, 3000, 9000, 400, 0, 1, None, "llm-logs", None),
    "01k00000000000000000000dup": ("gpt-5-2025-08-07", ms("2026-08-05T10:00:00Z"), "thr-dup", None, None,
                                   288, 0, 512, 50, 100, 1, None, "llm-logs", None),
    "01k00000000000000000000t02": ("gpt-5.6-luna", ms("2026-08-06T12:30:00.5Z"), "thr1", None, None,
                                   40, 0, 0, 7, 0, 1, None, "llm-logs", None),
}
WANT_IDS = {
    "0.5": set(),
    "0.19": {"01j1c0000000000000000000a1"},
    "0.27": {"01j1c0000000000000000000a1", "01j1c0000000000000000000a3", "01j1c0000000000000000000a4",
             "01j1c0000000000000000000a5"},
    "0.32": set(EXPECTED),
}
WANT_SKIPS = {
    "0.5": {"no-usage": 1},
    "0.19": {"no-usage": 1},
    "0.27": {"no-usage": 1},
    "0.32": {"no-usage": 1, "bad-timestamp": 1, "invalid-json": 1, "no-model": 1},
}


@pytest.mark.parametrize("stage", list(lc.STAGES))
def test_every_schema(home: Path, tmp_path: Path, stage: str) -> None:
    folder = tmp_path / "llm-user"
    folder.mkdir()
    db = folder / "logs.db"
    fixture_db(db, stage)
    before = hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns
    t = imp(home, folder)
    assert (t.files, t.read, t.errors, t.result.new) == (1, 1, 0, len(WANT_IDS[stage]))
    assert dict(t.skips) == WANT_SKIPS[stage]
    got = events(home / "ledger.db")
    assert got == {k: EXPECTED[k] for k in WANT_IDS[stage]}
    # Read only: logs.db is as it was, and no journal was left beside it.
    assert (hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.iterdir()) == ["logs.db"]
    # No text of the prompts, answers or titles reaches the ledger.
    assert not [s for s in text_columns(home / "ledger.db") if "secret" in s]
    # Re-import: nothing changes (the database is unchanged: not even opened).
    t2 = imp(home, folder)
    assert (t2.read, t2.unchanged, t2.result.new, t2.result.updated) == (0, 1, 0, 0)
    assert events(home / "ledger.db") == got


def test_import_command(home: Path, tmp_path: Path) -> None:
    """``tokenprint import llm`` as a subprocess: the user's folder from ``$LLM_USER_PATH``."""
    folder = tmp_path / "llm-user"
    folder.mkdir()
    fixture_db(folder / "logs.db", "0.32")
    env = {"LLM_USER_PATH": str(folder)}
    p = run("import", "llm", env=env)
    assert p.returncode == 0, p.stderr
    assert "llm: 1 file (1 read, 0 unchanged), 6 new events, 0 updated, 4 lines skipped" in p.stdout
    assert "1 no token counts" in p.stdout
    assert events(home / "ledger.db") == EXPECTED
    p = run("import", "llm", env=env)
    assert "llm: 1 file (0 read, 1 unchanged), 0 new events, 0 updated" in p.stdout
    assert events(home / "ledger.db") == EXPECTED


def test_default_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLM_USER_PATH", raising=False)
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    if adapter.sys.platform.startswith("linux"):
        assert adapter.user_dir(env) == tmp_path / "cfg" / "io.datasette.llm"
        assert adapter.user_dir({"HOME": str(tmp_path)}) == tmp_path / ".config" / "io.datasette.llm"
    assert adapter.user_dir({**env, "LLM_USER_PATH": str(tmp_path / "x")}) == tmp_path / "x"
    assert adapter.default_roots(env) == []
    assert adapter.present({**env, "PATH": ""}) is False
    (tmp_path / "cfg" / "io.datasette.llm").mkdir(parents=True)
    assert adapter.present({**env, "PATH": ""}) is True
    assert adapter.transcripts(adapter.default_roots(env)) == []
    fixture_db(tmp_path / "cfg" / "io.datasette.llm" / "logs.db", "0.19")
    assert adapter.transcripts(adapter.default_roots(env)) == [str(tmp_path / "cfg" / "io.datasette.llm" / "logs.db")]


# -- the watermarks ------------------------------------------------------------------------


def read_all(db: Path, state: dict[str, Any]) -> tuple[list[Any], int, dict[str, Any]]:
    """Events, bytes read and the final state of one read of ``db`` from ``state``."""
    conn = dbsource.open_readonly(str(db))
    try:
        evs: list[Any] = []
        nbytes = 0
        last: dict[str, Any] = state
        for batch in adapter.read_database(conn, state):
            evs += batch.events
            nbytes += batch.nbytes
            last = batch.state
        return evs, nbytes, last
    finally:
        conn.close()


def test_warm_read_reads_no_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db_path = tmp_path / "logs.db"
    fixture_db(db_path, "0.32")
    monkeypatch.setattr(adapter, "CHUNK_ROWS", 2)
    evs, nbytes, state = read_all(db_path, {})
    assert sorted(e.event_id for e in evs) == sorted(EXPECTED)
    assert set(state) == {"turns", "responses"}
    # Nothing new: the read finds no row past either watermark.
    evs, nbytes, state2 = read_all(db_path, state)
    assert (evs, nbytes, state2) == ([], 0, state)
    # One new turn: that row alone is read.
    db = lc.open_db(db_path)
    lc.add_turn(db, "01k00000000000000000000t06", "gpt-5.6-luna", "2026-08-07T00:00:00+00:00", inp=5, out=6)
    db.close()
    evs, nbytes, state3 = read_all(db_path, state)
    assert [(e.event_id, e.input_tokens, e.output_tokens) for e in evs] == [("01k00000000000000000000t06", 5, 6)]
    row = ("01k00000000000000000000t06", "gpt-5.6-luna", None, 5, 6, None, "2026-08-07T00:00:00+00:00", "thr1")
    assert nbytes == adapter._weight(row)
    assert state3["responses"] == state["responses"]
    assert state3["turns"]["id"] == "01k00000000000000000000t06"


def test_rewritten_turn_and_reused_rowid(tmp_path: Path) -> None:
    db_path = tmp_path / "logs.db"
    db = lc.create(db_path)
    lc.add_turn(db, "t1", "m", "2026-08-07T00:00:00+00:00", inp=1, out=1)
    lc.add_turn(db, "t2", "m", "2026-08-07T00:00:01+00:00", inp=2, out=2)
    _, _, state = read_all(db_path, {})
    # A turn logged again (INSERT OR REPLACE, llm/logs.py): a new rowid, read again.
    lc.add_turn(db, "t1", "m", "2026-08-07T00:00:00+00:00", inp=10, out=1, replace=True)
    evs, _, state = read_all(db_path, state)
    assert [(e.event_id, e.input_tokens) for e in evs] == [("t1", 10)]
    # The last row deleted and its rowid reused by another: the table is read again.
    db.execute("DELETE FROM turns WHERE id = 't1'")
    lc.add_turn(db, "t3", "m", "2026-08-07T00:00:02+00:00", inp=3, out=3)
    assert db.execute("SELECT rowid FROM turns WHERE id = 't3'").fetchone()[0] == state["turns"]["r"]
    db.close()
    evs, _, state = read_all(db_path, state)
    assert sorted((e.event_id, e.input_tokens) for e in evs) == [("t2", 2), ("t3", 3)]


def test_responses_row_later_in_turns(home: Path, tmp_path: Path) -> None:
    """A responses row imported first, then the same request as a turn (the same id and
    counts, as llm copies them): one event, counted once; the ledger keeps the first
    reading's model (its merge rules: ``ledger.ingest.upsert_sql``)."""
    db_path = tmp_path / "logs.db"
    db = lc.create(db_path)
    details = {"prompt_tokens_details": {"cached_tokens": 60}}
    lc.add_response(db, "same", "gpt-4o", "2026-01-01T00:00:00", inp=100, out=10, details=details)
    db.close()
    assert imp(home, db_path).result.new == 1
    db = lc.open_db(db_path)
    lc.add_turn(db, "same", "gpt-4o", "2026-01-01T00:00:00+00:00", inp=100, out=10, details=details)
    db.close()
    t = imp(home, db_path)
    assert (t.read, t.result.new, t.result.updated, t.result.unchanged) == (1, 0, 0, 1)
    got = events(home / "ledger.db")
    assert list(got) == ["same"]
    assert got["same"][5:11] == (40, 0, 60, 10, 0, 1)


def test_not_a_logs_db(home: Path, tmp_path: Path) -> None:
    """A database without llm's tables gives nothing; a file that is not a database is an error."""
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    t = imp(home, other, junk)
    assert (t.files, t.result.new, t.errors) == (2, 0, 1)
    assert "junk.db: cannot be read as a database" in t.error_messages[0]


# -- doctor ----------------------------------------------------------------------------------


def test_doctor(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "llm-user"
    folder.mkdir()
    fixture_db(folder / "logs.db", "0.32")
    monkeypatch.setenv("LLM_USER_PATH", str(folder))
    imp(home)
    (f,) = check_positions(home, "llm", adapter)
    assert (f.check, f.status, f.details) == ("positions.llm.cleanup", "ok",
                                             {"files": 1, "unread": 0, "cleanup_days": None})
    assert f.message == "llm: 1 source file known, none at risk of cleanup"
    db = lc.open_db(folder / "logs.db")
    lc.add_turn(db, "t-new", "m", "2026-08-07T00:00:00+00:00", inp=1, out=1)
    db.close()
    (f,) = check_positions(home, "llm", adapter)
    assert f.details == {"files": 1, "unread": 1, "cleanup_days": None}
    # The command says the same (a subprocess: the adapter found through hooks.ADAPTERS).
    p = run("doctor", "--json", env={"LLM_USER_PATH": str(folder)})
    checks = {c["check"]: c for c in json.loads(p.stdout)["checks"]}
    assert checks["positions.llm.cleanup"]["details"] == {"files": 1, "unread": 1, "cleanup_days": None}
    (folder / "logs.db").unlink()
    findings = {x.check: x for x in check_positions(home, "llm", adapter)}
    assert findings["positions.llm.vanished"].details == {"vanished": 1}


def test_syncer_dispatch(home: Path, tmp_path: Path) -> None:
    """The shared Syncer reads a logs.db as a database source (no adapter-specific code)."""
    db_path = tmp_path / "logs.db"
    fixture_db(db_path, "0.27")
    conn = fastpath.open_ledger(home / "ledger.db")
    try:
        syncer = Syncer(FastBackend(conn), "llm", adapter.parse, adapter=adapter)
        syncer.sync(str(db_path), None)
        syncer.flush()
        assert (syncer.totals.read, syncer.totals.result.new) == (1, 4)
    finally:
        conn.close()
