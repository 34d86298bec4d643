"""The Codex CLI adapter: a Codex home with every trap of clients.md, read by
``tokenprint import codex`` and by ``tokenprint-hook codex`` (Stop, SubagentStop and
notify payloads), into real SQLite ledgers, with hand-computed expectations."""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hooks import codex
from hooks.backfill import open_backend, run_import
from hooks.sync import FastBackend, Syncer
from hooks.tail import Position
from ledger import fastpath
from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK, run
from tests.hooks import codex_corpus as cc
from tests.hooks.helpers import buckets, text_columns

HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs",
         "zstandard", "msgspec")


def import_home(home: Path, *paths: Path) -> Any:
    backend, close = open_backend(home)
    try:
        return run_import(backend, "codex", list(paths) or None)
    finally:
        close()


def events(db: Path) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT event_id, model, ts, provider, session, project, input_tokens, cache_write_tokens, "
            "cache_read_tokens, output_tokens, reasoning_tokens, requests FROM events ORDER BY event_id"
        ).fetchall()
    finally:
        conn.close()


def hook(payload: dict[str, Any] | None, *args: str, env: dict[str, str] | None = None,
         argv_payload: bool = False) -> subprocess.CompletedProcess[str]:
    """``tokenprint-hook codex``, with the payload on stdin (hooks.json) or as the last
    argv word with stdin null (notify)."""
    full_env = {**os.environ, **(env or {})}
    if argv_payload:
        return subprocess.run([TOKENPRINT_HOOK, "codex", *args, json.dumps(payload)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, env=full_env, timeout=60)
    return run("codex", *args, input=json.dumps(payload), env=env, exe=TOKENPRINT_HOOK, timeout=60)


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(root))
    return root


# -- backfill ------------------------------------------------------------------------------


def test_import_gives_the_hand_computed_table(home: Path, codex_home: Path) -> None:
    files = cc.build(codex_home)
    t = import_home(home, codex_home)
    assert buckets(home / "ledger.db") == cc.EXPECTED
    assert t.skips == cc.EXPECTED_SKIPS
    # a, g, b, c, d, e, f, archived a, archived b.zst; a's .zst sibling is not read
    assert (t.files, t.read, t.errors) == (9, 9, 0)
    rows = events(home / "ledger.db")
    assert len(rows) == 12
    assert {r[3] for r in rows} == {"openai"}
    # identity = the FIRST session_meta: the copied parent's cwd is nobody's project
    assert {r[5] for r in rows} == {cc.ALPHA, cc.BETA, cc.GAMMA}
    child = [r for r in rows if r[0].startswith(cc.TF)]
    assert len(child) == 1 and child[0][4] == cc.TA  # the subagent's session is the root thread
    # the fork's first child increment has its own instant (the same second as its creation)
    fork = [r for r in rows if r[0].startswith(cc.TD)]
    assert [r[2] for r in fork] == [cc.ms("2026-09-19T09:00:00.950")]
    assert str(files["a_zst"]) not in {p for p in _source_paths(home)}
    # no text of the rollouts in the ledger (instructions, answers, prompts)
    assert not any("Codex" in s or "answer" in s or "Rename" in s for s in text_columns(home / "ledger.db"))


def _source_paths(home: Path) -> list[str]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        return [r[0] for r in conn.execute("SELECT path FROM sources")]
    finally:
        conn.close()


def test_import_twice_changes_nothing(home: Path, codex_home: Path) -> None:
    cc.build(codex_home)
    import_home(home, codex_home)
    before = events(home / "ledger.db")
    t = import_home(home, codex_home)
    assert (t.result.new, t.result.updated, t.unchanged, t.read) == (0, 0, 9, 0)
    assert events(home / "ledger.db") == before


def test_the_command_reads_the_default_locations(home: Path, codex_home: Path) -> None:
    cc.build(codex_home)
    proc = run("import", "codex", "--no-progress", env={"CODEX_HOME": str(codex_home)})
    assert proc.returncode == 0, proc.stderr
    assert "12 new events" in proc.stdout + proc.stderr
    assert buckets(home / "ledger.db") == cc.EXPECTED


def test_each_copy_alone_gives_the_same_events(home: Path, tmp_path: Path) -> None:
    """The plain rollout, its archived copy and its compressed copy are the same events."""
    root = tmp_path / "c"
    files = cc.build(root)
    ledgers = []
    for key in ("b", "b_zst"):
        h = tmp_path / f"tp-{key}"
        h.mkdir()
        import_home(h, files[key])
        ledgers.append(events(h / "ledger.db"))
    assert ledgers[0] == ledgers[1] and len(ledgers[0]) == 2


# -- the hook ------------------------------------------------------------------------------


def test_hook_and_backfill_give_the_same_ledger(home: Path, codex_home: Path, tmp_path: Path) -> None:
    files = cc.build(codex_home)
    for key in ("a", "b", "c", "d", "e", "g"):
        proc = hook(cc.stop_payload(files[key]), "Stop")
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    sub = cc.stop_payload(files["a"], event="SubagentStop") | {
        "agent_id": "agent-1", "agent_transcript_path": str(files["f"])}
    assert hook(sub, "SubagentStop").returncode == 0
    assert buckets(home / "ledger.db") == cc.EXPECTED
    other = tmp_path / "tp-backfill"
    other.mkdir()
    import_home(other, codex_home)
    assert events(home / "ledger.db") == events(other / "ledger.db")
    last = json.loads((home / "logs" / "hook-codex.json").read_text())
    assert last["ok"] is True and last["event"] == "SubagentStop"


def test_stop_without_transcript_path_finds_the_rollout_from_session_id(home: Path, codex_home: Path) -> None:
    cc.build(codex_home)
    proc = hook(cc.stop_payload(None, session=cc.TC), "Stop")
    assert proc.returncode == 0
    assert buckets(home / "ledger.db") == {("2026-09-16", cc.M3): cc.EXPECTED[("2026-09-16", cc.M3)]}


def test_notify_payload_as_the_last_argument(home: Path, codex_home: Path) -> None:
    cc.build(codex_home)
    proc = hook(cc.notify_payload(cc.TE), "--home", str(home), argv_payload=True,
                env={"CODEX_HOME": str(codex_home)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert buckets(home / "ledger.db") == {("2026-09-19", cc.M2): cc.EXPECTED[("2026-09-19", cc.M2)]}


def test_hook_paths(codex_home: Path) -> None:
    files = cc.build(codex_home)
    assert codex.hook_paths({"session_id": cc.TA}) == sorted([str(files["a"]), str(files["g"])])
    assert codex.hook_paths({"thread-id": cc.TF}) == [str(files["f"])]
    assert codex.hook_paths({"transcript_path": str(files["b"]), "agent_transcript_path": str(files["c"])}) == [
        str(files["b"]), str(files["c"])]
    # the hook never decompresses: a .zst path is not read, and nothing is found for it
    assert codex.hook_paths({"transcript_path": str(files["b_zst"])}) == []
    assert codex.hook_paths({"session_id": "../../etc"}) == []
    assert codex.hook_paths({"session_id": 42, "transcript_path": None}) == []


def test_hook_is_standard_library_only(home: Path, codex_home: Path) -> None:
    files = cc.build(codex_home)
    payload = json.dumps(cc.stop_payload(files["a"])).encode()
    code = (
        "import sys, io\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload!r}))\n"
        "from hooks.entry import main\n"
        "main(['codex', 'Stop'])\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]\n"
        "print(repr(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert buckets(home / "ledger.db")[("2026-09-17", cc.M1)] == cc.EXPECTED[("2026-09-17", cc.M1)]


# -- reading in pieces, rewrites, compressed files ---------------------------------------------


def sync(db: Path, paths: list[str], parse: Any = codex.parse) -> Syncer:
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, "codex", parse)
        positions = backend.load_positions("codex", None)
        for path in paths:
            syncer.sync(path, positions.get(path))
        syncer.flush()
        return syncer
    finally:
        conn.close()


def _position(db: Path, path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(db)
    try:
        (raw,) = conn.execute("SELECT state FROM sources WHERE path = ?", (str(path),)).fetchone()
    finally:
        conn.close()
    return json.loads(raw)  # type: ignore[no-any-return]


def test_a_rollout_written_in_pieces_gives_what_one_read_gives(tmp_path: Path) -> None:
    whole = cc.rollout_a()
    db = tmp_path / "ledger.db"
    path = tmp_path / "rollout-x.jsonl"
    n = len(whole)
    cuts = [0, 37, 600, 601, n // 2, n // 2 + 1, n - 300, n - 40, n]
    for a, b in zip(cuts, cuts[1:], strict=False):
        with open(path, "ab") as f:
            f.write(whole[a:b])
        sync(db, [str(path)])
    one = tmp_path / "one.db"
    sync(one, [str(path)])
    assert buckets(db) == buckets(one)
    assert buckets(db)[("2026-09-18", cc.M2)] == cc.EXPECTED[("2026-09-18", cc.M2)]
    state = _position(db, path)["adapter"]
    assert state["id"] == cc.TA and state["restarts"] == 1 and state["total"][5] == 890


def test_the_adapter_state_starts_over_when_the_file_is_rewritten(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    path = tmp_path / "rollout-x.jsonl"
    path.write_bytes(cc.rollout_a())
    sync(db, [str(path)])
    assert _position(db, path)["adapter"]["id"] == cc.TA
    path.write_bytes(cc.rollout_f())  # replaced by another thread's rollout: read from its start
    t = sync(db, [str(path)]).totals
    assert t.restarted == 1
    state = _position(db, path)["adapter"]
    assert state["id"] == cc.TF and state["total"][5] == 2100
    got = buckets(db)
    assert got[("2026-09-19", cc.M1)] == cc.row(1500, 0, 500, 60, 40, 1)  # F from zero, not from A's total


def test_a_compressed_rollout_is_read_again_whole_when_it_changes(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    path = tmp_path / "rollout-b.jsonl.zst"
    path.write_bytes(cc.zstd(cc.rollout_b()))
    t = sync(db, [str(path)]).totals
    assert (t.read, t.result.new) == (1, 2)
    assert sync(db, [str(path)]).totals.unchanged == 1
    more = cc.jsonl([cc.token_count("2026-09-16T10:05:00.000", cc.usage(1000, 300, None, 150, 20, total=False))])
    path.write_bytes(cc.zstd(cc.rollout_b() + more))
    t = sync(db, [str(path)]).totals
    assert (t.result.new, t.result.updated) == (1, 0)  # the first two again, unchanged: not doubled
    assert buckets(db)[("2026-09-16", cc.M1)] == cc.row(700, 0, 300, 130, 20, 3)


def test_without_zstandard_a_compressed_rollout_is_skipped_and_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rollout-b.jsonl.zst"
    path.write_bytes(cc.zstd(cc.rollout_b()))
    plain = tmp_path / "rollout-c.jsonl"
    plain.write_bytes(cc.rollout_c())
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import zstandard -> ImportError
    t = sync(tmp_path / "ledger.db", [str(path), str(plain)]).totals
    assert t.errors == 1 and t.result.new == 2
    assert "zstandard package is not installed" in t.error_messages[0]
    assert t.error_messages[0].startswith(str(path))


def test_a_damaged_compressed_rollout_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "rollout-b.jsonl.zst"
    path.write_bytes(cc.zstd(cc.rollout_b())[:-9] + b"garbage!!")
    t = sync(tmp_path / "ledger.db", [str(path)]).totals
    assert t.errors == 1 and "zstd" in t.error_messages[0]


# -- faults ----------------------------------------------------------------------------------


def test_a_fifo_named_like_a_rollout_is_not_read(home: Path, codex_home: Path) -> None:
    files = cc.build(codex_home, compressed=False)
    fifo = files["a"].parent / "rollout-2026-09-17T09-00-00-x.jsonl"
    os.mkfifo(fifo)
    t = import_home(home, codex_home)  # not listed (not a regular file), never blocks
    assert t.irregular == 0 and t.errors == 0
    t = sync(home / "other.db", [str(fifo), str(files["c"])]).totals  # named directly: refused
    assert t.irregular == 1 and t.result.new == 2
    proc = hook(cc.stop_payload(fifo), "Stop")
    assert proc.returncode == 0


def test_a_rollout_we_may_not_read_is_one_error(tmp_path: Path) -> None:
    """``tokenprint import`` where one rollout may not be read: one error named, the other
    rollout counted. Root reads whatever the mode says, so as root the import runs
    without the capabilities that let it (``setpriv``, util-linux: CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH dropped from the bounding set)."""
    import shutil

    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv (util-linux) reads a file whatever its mode")
        prefix = [setpriv, "--bounding-set", "-dac_override,-dac_read_search"]
    folder = tmp_path / "sessions"
    folder.mkdir()
    path = folder / "rollout-a.jsonl"
    path.write_bytes(cc.rollout_a())
    other = folder / "rollout-c.jsonl"
    other.write_bytes(cc.rollout_c())
    path.chmod(0)
    try:
        env = {**os.environ, "TOKENPRINT_HOME": str(tmp_path / "tp")}
        proc = subprocess.run([*prefix, TOKENPRINT, "import", "codex", str(folder)],
                              capture_output=True, text=True, env=env, timeout=120)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert proc.returncode == 0, proc.stderr
    assert "1 unreadable" in proc.stdout and "2 new events" in proc.stdout, proc.stdout
    assert str(path) in proc.stderr and "ermission" in proc.stderr, proc.stderr


def test_a_rollout_removed_while_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "rollout-a.jsonl"
    path.write_bytes(cc.rollout_a())

    def loads_then_remove(line: bytes) -> Any:
        if path.exists():
            path.unlink()
        return json.loads(line)

    t = sync(tmp_path / "ledger.db", [str(path)], functools.partial(codex.parse, loads=loads_then_remove)).totals
    assert t.vanished == 1 and t.result.new == 4  # what was read is kept
    assert "removed while it was read" in t.error_messages[0]


# -- the parser on its own -----------------------------------------------------------------------


def test_parse_keeps_state_only_for_what_it_consumed() -> None:
    data = cc.rollout_b()
    half = data[: data.index(b"\n", 300) + 20]  # ends in the middle of a line
    state: dict[str, Any] = {}
    first = codex.parse(half, False, state=state)
    before = json.loads(json.dumps(state))
    assert codex.parse(half[first.consumed:], False, state=state).consumed == 0
    assert state == before
    rest = codex.parse(data[first.consumed:], True, state=state)
    assert len(first.events) + len(rest.events) == 2


def test_an_unterminated_last_line_counts_only_once_complete() -> None:
    data = cc.rollout_c().rstrip(b"\n")
    cut = codex.parse(data[:-5], True, state={})
    assert len(cut.events) == 1 and cut.consumed < len(data) - 5
    whole = codex.parse(data, True, state={})
    assert len(whole.events) == 2 and whole.consumed == len(data)


def test_bad_lines_are_counted_skips() -> None:
    good = cc.jsonl([cc.meta("2026-09-17T08:00:00.000", cc.TA, cc.ALPHA), cc.turn_context("2026-09-17T08:00:00.100", cc.M1)])
    bad = [
        cc.token_count("2026-09-17T08:00:01.000", {"input_tokens": -5, "output_tokens": 1}),  # bad-usage
        cc.token_count("2026-09-17T08:00:02.000", {"input_tokens": "12", "output_tokens": 1}),  # type: ignore[dict-item] # bad-usage
        cc.token_count("2040-01-01T00:00:00.000", cc.usage(10, 0, 0, 1, 0)),  # far-instant
        cc.token_count("2026-09-17T08:00:03.000", cc.usage(2 * 10**9, 0, 0, 1, 0)),  # absurd-count
        cc.token_count("not a time", cc.usage(3 * 10**9, 0, 0, 3, 0)),  # bad-timestamp
        [1, 2, "token_count"],  # not-an-object
    ]
    tail = cc.jsonl([cc.token_count("2026-09-17T08:00:09.000", cc.usage(4 * 10**9, 0, 0, 10, 0))])
    p = codex.parse(good + cc.jsonl(bad) + b'{"type":"event_msg","payload":{"type":"token_count"\n' + tail, True, state={})
    assert p.skips == {"bad-usage": 2, "far-instant": 1, "absurd-count": 1, "bad-timestamp": 1,
                       "not-an-object": 1, "invalid-json": 1}
    # the good line after them is read: growth from the last total accepted (3e9 + 3)
    assert [(e.input_tokens, e.output_tokens) for e in p.events] == [(10**9, 7)]


def test_default_roots_and_settings(codex_home: Path, tmp_path: Path) -> None:
    assert codex.default_roots() == []
    cc.build(codex_home)
    assert codex.default_roots() == [codex_home / "sessions", codex_home / "archived_sessions"]
    assert codex.settings_path("user") == codex_home / "hooks.json"
    assert codex.settings_path("project", cwd=tmp_path) == tmp_path / ".codex" / "hooks.json"
    assert codex.config_path("user") == codex_home / "config.toml"
    assert codex.present() is True
    assert codex.present({"CODEX_HOME": str(tmp_path / "nowhere"), "PATH": ""}) is False
    with pytest.raises(ValueError):
        codex.settings_path("local")


def test_position_state_is_json(tmp_path: Path) -> None:
    pos = Position()
    assert pos.state == {}
    path = tmp_path / "rollout-d.jsonl"
    path.write_bytes(cc.rollout_d())
    sync(tmp_path / "ledger.db", [str(path)])
    state = _position(tmp_path / "ledger.db", path)["adapter"]
    assert state["fork"] is True and state["born"] == cc.ms("2026-09-19T09:00:00")
    assert TOKENPRINT  # the console scripts exist in this venv


@pytest.mark.skipif(codex.fast_loads() is None, reason="msgspec is not installed")
def test_the_backfill_decoder_gives_what_json_gives() -> None:
    fast = codex.fast_loads()
    assert fast is not None
    for data in (cc.rollout_a(), cc.rollout_b(), cc.rollout_c(), cc.rollout_d(), cc.rollout_e(),
                 cc.rollout_f(), cc.rollout_g()):
        plain_state: dict[str, Any] = {}
        fast_state: dict[str, Any] = {}
        plain = codex.parse(data, True, state=plain_state)
        quick = codex.parse(data, True, state=fast_state, loads=fast)
        assert (quick.events, quick.skips, quick.consumed) == (plain.events, plain.skips, plain.consumed)
        assert fast_state == plain_state


def test_replays_in_legacy_subagents_without_their_parent(home: Path, tmp_path: Path) -> None:
    """D and E as subagents with a replayed history, their parent's rollout absent (no
    copy to match them against): the replay re-stamped into the child's second and the
    one over several seconds are not counted, the same-second child turn is (ccusage
    20.0.24 counts E's replay and drops D's child turn on these files)."""
    day = tmp_path / "c" / "sessions" / "2026" / "09" / "19"
    day.mkdir(parents=True)
    (day / cc.name("2026-09-19T09-00-00", cc.TD)).write_bytes(cc.as_legacy_subagent(cc.rollout_d()))
    (day / cc.name("2026-09-19T10-00-00", cc.TE)).write_bytes(cc.as_legacy_subagent(cc.rollout_e()))
    import_home(home, tmp_path / "c")
    assert buckets(home / "ledger.db") == {
        ("2026-09-19", cc.M1): cc.row(700, 0, 800, 100, 100, 1),
        ("2026-09-19", cc.M2): cc.EXPECTED[("2026-09-19", cc.M2)],
    }
