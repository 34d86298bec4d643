"""The faults Claude Code's reader was hardened against (``tests/hooks/test_hostile_input.py``,
``tests/hooks/test_hook_entry.py``, ``tests/test_files_and_faults.py``), given to Codex,
Gemini CLI and opencode: a FIFO named like a source, symlink loops, a file removed or
replaced while it is read, a huge line, NUL bytes, a source that cannot be read, a full
disk under the ledger, a locked and a corrupt ledger, hostile names on their way to
``report``; and for opencode's databases: a file that is not SQLite, a truncated one,
one locked by a writer in rollback-journal mode, a ``-wal`` without its database.

Every hook runs as a subprocess with a real payload and must exit 0, print nothing and
log its problem; every import must count and name the problem and lose nothing of the
good files (the hand-computed tables of the clients' corpora).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks import codex, gemini_cli
from hooks.backfill import backfill_parser, summary
from hooks.sync import FastBackend, Syncer
from ledger import fastpath
from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK, run
from tests.hooks import codex_corpus as cc
from tests.hooks import gemini_corpus as gc
from tests.hooks import opencode_corpus as oc
from tests.hooks.helpers import buckets
from tests.hooks.test_hook_help_and_entry_all import PAYLOADS

NEW = ("codex", "gemini-cli", "opencode")
LINE_CLIENTS = ("codex", "gemini-cli")
#: Control bytes that must never reach a terminal (``tests/test_hostile_output.py``).
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
IS_ROOT = os.geteuid() == 0


def silent(proc: subprocess.CompletedProcess[str]) -> None:
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), proc


def hook(client: str, body: str, env: dict[str, str], timeout: float = 60) -> tuple[float, Any]:
    t0 = time.monotonic()
    proc = run(client, input=body, env=env, exe=TOKENPRINT_HOOK, timeout=timeout)
    return time.monotonic() - t0, proc


def log_of(home: Path) -> str:
    return (home / "logs" / "hook.log").read_text()


def import_(client: str, *paths: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = run("import", client, *paths, "--no-progress", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# -- the home of each line client --------------------------------------------------------------


def codex_home(tmp: Path) -> tuple[Path, dict[str, Path], dict[str, str]]:
    root = tmp / "codex-home"
    return root, cc.build(root), {"CODEX_HOME": str(root)}


def gemini_home(tmp: Path) -> tuple[Path, dict[str, Path], dict[str, str]]:
    root = tmp / "ghome"
    return root, gc.build(root), {"GEMINI_CLI_HOME": str(root)}


HOMES: dict[str, Callable[[Path], tuple[Path, dict[str, Path], dict[str, str]]]] = {
    "codex": codex_home, "gemini-cli": gemini_home,
}
EXPECTED = {"codex": cc.EXPECTED, "gemini-cli": gc.EXPECTED}
#: A source folder of each (where a new rollout or chat goes).
FOLDER = {"codex": lambda f: f["d"].parent, "gemini-cli": lambda f: f["gamma"].parent}
#: The file name each client's discovery accepts there.
NAME = {"codex": "rollout-2026-09-20T00-00-00-" + cc.TA.replace("a", "9") + ".jsonl",
        "gemini-cli": "session-2026-08-22T00-00-0a0b0c0d.jsonl"}


def payload_for(client: str, path: Path) -> str:
    if client == "codex":
        return json.dumps(cc.stop_payload(path))
    return gc.after_agent(path)


# -- FIFOs and symlink loops -----------------------------------------------------------------


@pytest.mark.parametrize("client", LINE_CLIENTS)
def test_a_fifo_named_like_a_source_and_symlink_loops_block_nothing(client: str, tmp_path: Path, home: Path) -> None:
    root, files, env = HOMES[client](tmp_path)
    folder = FOLDER[client](files)
    fifo = folder / NAME[client]
    os.mkfifo(fifo)
    (folder / "loop").symlink_to(folder.parent, target_is_directory=True)  # a folder that contains itself
    x, y = folder / NAME[client].replace(".jsonl", "x.jsonl"), folder / NAME[client].replace(".jsonl", "y.jsonl")
    x.symlink_to(y)
    y.symlink_to(x)  # two names that point at each other
    elapsed, proc = hook(client, payload_for(client, fifo), env, timeout=20)
    silent(proc)
    assert elapsed < 3.0, elapsed  # a blocked open() never returns
    elapsed, proc = hook(client, payload_for(client, x), env, timeout=20)
    silent(proc)
    t0 = time.monotonic()
    proc = run("import", client, str(root), "--no-progress", env=env, timeout=30)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert time.monotonic() - t0 < 10
    assert buckets(home / "ledger.db") == EXPECTED[client]  # the FIFO and the loops added nothing
    assert str(fifo) not in proc.stdout + proc.stderr  # not even listed
    proc = run("import", client, str(fifo), "--no-progress", env=env, timeout=20)  # named on purpose
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_opencode_a_fifo_and_a_loop_named_like_databases_block_nothing(tmp_path: Path, home: Path) -> None:
    fx = oc.build_fixture(tmp_path / "machine")
    data = fx["db"].parent
    os.mkfifo(data / "opencode-fifo.db")
    (data / "opencode-loop.db").symlink_to(data / "opencode-loop.db")
    elapsed, proc = hook("opencode", json.dumps({"hook_event_name": "session.idle"}), fx["env"], timeout=20)
    silent(proc)
    assert elapsed < 3.0
    assert buckets(home / "ledger.db") == oc.EXPECTED_DB
    proc = import_("opencode", env=fx["env"])
    assert "unreadable" not in proc.stdout and proc.stderr == "", (proc.stdout, proc.stderr)
    assert buckets(home / "ledger.db") == oc.EXPECTED


# -- a huge line and NUL bytes ------------------------------------------------------------------


def _with_junk(path: Path) -> None:
    """A 40 MB line and a run of NUL bytes on its own line (what a crash leaves in a
    preallocated file) after the first line, then the rest of the file as it was."""
    head, rest = path.read_bytes().split(b"\n", 1)
    junk = b'{"type":"event_msg","payload":{"type":"agent_message","message":"' + b"y" * (40 << 20) + b'"}}\n'
    path.write_bytes(head + b"\n" + junk + b"\0" * 5000 + b"\n" + rest)


@pytest.mark.parametrize("client", LINE_CLIENTS)
def test_a_huge_line_and_nul_bytes_lose_no_good_line(client: str, tmp_path: Path, home: Path) -> None:
    root, files, env = HOMES[client](tmp_path)
    victim = files["c"] if client == "codex" else files["gamma"]
    _with_junk(victim)
    _elapsed, proc = hook(client, payload_for(client, victim), env)
    silent(proc)
    proc = import_(client, str(root), env=env)
    assert buckets(home / "ledger.db") == EXPECTED[client]
    assert "0 updated" in proc.stdout


def test_a_line_glued_to_a_nul_run_is_a_counted_skip() -> None:
    """NUL bytes before a line with no newline between (the writer resumed right after a
    zeroed region): that line is lost as Claude Code's would be, but counted, and the
    next lines are read."""
    c = cc.rollout_c()
    head, rest = c.split(b"\n", 1)
    p = codex.parse(head + b"\n" + b"\0" * 300 + rest, True, state={})
    assert (len(p.events), p.skips) == (1, {"invalid-json": 1})
    g = (gc.line(gc.meta(gc.SESSION_G, "/p/g", "2026-08-21T11:59:00.000Z")) + gc.line(gc.X1)
         + gc.line(gc.M3)).encode()
    head, rest = g.split(b"\n", 1)
    p = gemini_cli.parse(head + b"\n" + b"\0" * 300 + rest, True)
    assert ([e.event_id for e in p.events], p.skips) == (["m3-e800"], {"invalid-json": 1})


# -- removed or replaced while read --------------------------------------------------------------


@pytest.mark.parametrize("client", LINE_CLIENTS)
def test_files_removed_and_replaced_while_read_keep_what_was_read(client: str, tmp_path: Path, home: Path) -> None:
    mod: Any = codex if client == "codex" else gemini_cli
    root, files, _env = HOMES[client](tmp_path)
    doomed, swapped = (files["b"], files["c"]) if client == "codex" else (files["gamma"], files["sub"])
    sources = mod.transcripts([root])
    current: dict[str, str] = {}

    def on_bytes(_n: int) -> None:
        path = current.pop("path", None)  # once per file, after its first chunk
        if path == str(doomed):
            doomed.unlink()
        elif path == str(swapped):
            tmp = swapped.with_suffix(".new")
            tmp.write_bytes(swapped.read_bytes()[:10])
            os.replace(tmp, swapped)

    db = home / "ledger.db"
    conn = fastpath.open_ledger(db)
    try:
        backend = FastBackend(conn)
        syncer = Syncer(backend, client, backfill_parser(mod), chunk_bytes=64, flush_bytes=1, on_bytes=on_bytes,
                        adapter=mod)
        positions = backend.load_positions(client, None)
        for name in sources:
            current["path"] = name
            syncer.sync(name, positions.get(name))
        syncer.flush()
    finally:
        conn.close()
    t = syncer.totals
    assert (t.vanished, t.errors) == (2, 0), t.error_messages
    assert sorted(t.error_messages) == sorted([
        f"{doomed}: removed while it was read (what was read is kept)",
        f"{swapped}: replaced while it was read (what was read is kept; the new file is read next time)",
    ])
    assert ", 2 removed or replaced while read)" in summary(client, t)
    # read from the open files before they went (the reader keeps its descriptor), the others whole
    assert buckets(db) == EXPECTED[client]
    import_(client, str(root))  # the next run: the replaced file is read again, nothing doubled
    assert buckets(db) == EXPECTED[client]


# -- a source that cannot be read -------------------------------------------------------------------


@pytest.mark.parametrize("client", LINE_CLIENTS)
def test_an_unreadable_file_and_folder_are_named_and_the_rest_imported(
    client: str, tmp_path: Path, home: Path
) -> None:
    """Root reads whatever the mode says: as root the first import runs without
    CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (``setpriv``, util-linux)."""
    import shutil

    root, files, env = HOMES[client](tmp_path)
    victim = files["c"] if client == "codex" else files["gamma"]
    os.chmod(victim, 0)
    folder = FOLDER[client](files)
    os.chmod(folder, 0)
    try:
        if IS_ROOT:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("root without setpriv (util-linux) reads any file whatever its mode")
            proc = run("--bounding-set", "-dac_override,-dac_read_search", TOKENPRINT, "import", client,
                       str(root), "--no-progress", env=env, exe=setpriv)
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        else:
            proc = import_(client, str(root), env=env)
        named = proc.stdout + proc.stderr
        # the folder that cannot be listed is named (hooks.tail.walk), and so is a file in it or elsewhere
        assert str(folder) in named and ("ermission" in proc.stderr), named
        assert str(victim) in named or str(folder) in str(victim), named
        assert "unreadable" in proc.stdout, proc.stdout
    finally:
        os.chmod(folder, 0o700)
        os.chmod(victim, 0o600)
    proc = import_(client, str(root), env=env)
    assert buckets(home / "ledger.db") == EXPECTED[client]


# -- the ledger: full, locked, corrupt ----------------------------------------------------------------


@pytest.mark.parametrize("client", NEW)
def test_a_full_disk_under_the_ledger_is_logged_never_raised(client: str, tmp_path: Path, home: Path) -> None:
    body, env, _check = PAYLOADS[client](tmp_path)
    conn = fastpath.open_ledger(home / "ledger.db")
    conn.close()
    # root ignores file modes: SQLite's own disk-full error, from a trigger on every insert
    conn = sqlite3.connect(home / "ledger.db")
    conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN "
                 "SELECT RAISE(FAIL, 'database or disk is full'); END")
    conn.commit()
    conn.close()
    _elapsed, proc = hook(client, body, env)
    silent(proc)
    assert "database or disk is full" in log_of(home)
    last = json.loads((home / "logs" / f"hook-{client}.json").read_text())
    assert last["ok"] is False and "full" in last["error"], last
    assert buckets(home / "ledger.db") == {}


@pytest.mark.parametrize("client", NEW)
def test_a_locked_ledger_does_not_wait_and_leaves_the_work(client: str, tmp_path: Path, home: Path) -> None:
    body, env, check = PAYLOADS[client](tmp_path)
    conn = fastpath.open_ledger(home / "ledger.db")
    conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        elapsed, proc = hook(client, body, env)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    silent(proc)
    assert elapsed < 3.0, elapsed
    assert "busy" in log_of(home)
    assert buckets(home / "ledger.db") == {}
    spooled = list((home / "spool").glob("*")) if (home / "spool").is_dir() else []
    assert spooled, "the run was not kept in the spool"
    _elapsed, proc = hook(client, body, env)  # the next event does the work
    silent(proc)
    check(home / "ledger.db")


@pytest.mark.parametrize("client", NEW)
def test_a_corrupt_ledger_exits_0_and_logs(client: str, tmp_path: Path, home: Path) -> None:
    body, env, _check = PAYLOADS[client](tmp_path)
    (home / "ledger.db").write_bytes(b"this is not a database" * 100)
    _elapsed, proc = hook(client, body, env)
    silent(proc)
    assert "DatabaseError" in log_of(home) and f" {client} pid=" in log_of(home)
    assert (home / "ledger.db").read_bytes() == b"this is not a database" * 100  # never written over


# -- opencode's databases ---------------------------------------------------------------------------


def _damaged(fx: dict[str, Any]) -> dict[str, Path]:
    data = fx["db"].parent
    out = {"bad": data / "opencode-bad.db", "truncated": data / "opencode-trunc.db"}
    out["bad"].write_bytes(b"SQLite format 2\0 but not really" * 200)
    raw = fx["dev"].read_bytes()
    out["truncated"].write_bytes(raw[: len(raw) // 2])
    (data / "opencode-nodb.db-wal").write_bytes(b"\0" * 4096)  # a log whose database is gone
    return out


def test_opencode_a_database_that_is_not_sqlite_or_truncated_is_named_and_the_rest_imported(
    tmp_path: Path, home: Path
) -> None:
    fx = oc.build_fixture(tmp_path / "machine")
    bad = _damaged(fx)
    proc = import_("opencode", env=fx["env"])
    assert buckets(home / "ledger.db") == oc.EXPECTED  # every good database and storage/, whole
    assert "2 unreadable" in proc.stdout, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert sorted(lines) == sorted([
        f"tokenprint: {bad['bad']}: cannot be read as a database (DatabaseError: file is not a database)",
        f"tokenprint: {bad['truncated']}: cannot be read as a database (DatabaseError: database disk image "
        "is malformed)",
    ]), lines
    assert "nodb" not in proc.stdout + proc.stderr  # a -wal alone is no database
    assert not (fx["db"].parent / "opencode-nodb.db").exists()  # and none was created beside it
    elapsed, hproc = hook("opencode", json.dumps({"hook_event_name": "session.idle", "session_id": oc.SES_A}),
                          fx["env"])
    silent(hproc)
    assert elapsed < 3.0
    log = log_of(home)
    assert f"{bad['bad']}: cannot be read as a database" in log
    assert f"{bad['truncated']}: cannot be read as a database" in log


def test_opencode_a_database_locked_in_rollback_mode_is_named_and_read_next_time(
    tmp_path: Path, home: Path
) -> None:
    fx = oc.build_fixture(tmp_path / "machine")
    w = sqlite3.connect(fx["dev"], isolation_level=None)
    w.execute("PRAGMA journal_mode = DELETE")
    w.execute("BEGIN EXCLUSIVE")  # a writer holds the lock of a rollback-journal database
    try:
        elapsed, hproc = hook("opencode", json.dumps({"hook_event_name": "session.idle"}), fx["env"])
        silent(hproc)
        assert elapsed < 3.0
        t0 = time.monotonic()
        proc = import_("opencode", env=fx["env"])
        assert time.monotonic() - t0 < 10
    finally:
        w.execute("ROLLBACK")
        w.close()
    assert "1 unreadable" in proc.stdout, proc.stdout
    assert proc.stderr.strip() == (f"tokenprint: {fx['dev']}: locked by a writer for more than 0.25s (a database "
                                   "in rollback-journal mode being written): read on the next run")
    assert f"{fx['dev']}: locked by a writer" in log_of(home)
    got = buckets(home / "ledger.db")
    assert got[("2026-11-02", oc.SONNET)]["requests"] == 3  # all of day 1 but the dev channel's step
    import_("opencode", env=fx["env"])
    assert buckets(home / "ledger.db") == oc.EXPECTED


# -- hostile names on their way to report -------------------------------------------------------------

HOSTILE_MODEL = "gpt-5\u001b[2J\u001b]0;pwned\u0007\u202eevil"
HOSTILE_CWD = "/p/\u001b[31mred\u2066/\u0085nel/\ud800lone"


def _hostile_codex(tmp: Path) -> tuple[list[str], dict[str, str]]:
    root = tmp / "codex-home"
    path = root / "sessions" / "2026" / "09" / "17" / cc.name("2026-09-17T08-00-00", cc.TA)
    path.parent.mkdir(parents=True)
    lines = [cc.meta("2026-09-17T08:00:00.000", cc.TA, HOSTILE_CWD),
             cc.turn_context("2026-09-17T08:00:00.500", HOSTILE_MODEL),
             cc.token_count("2026-09-17T08:00:10.000", cc.T1, cc.T1)]
    path.write_bytes(b"".join(json.dumps(r, ensure_ascii=True).encode() + b"\n" for r in lines))
    return [str(root)], {"CODEX_HOME": str(root)}


def _hostile_gemini(tmp: Path) -> tuple[list[str], dict[str, str]]:
    base = tmp / "ghome"
    chats = base / ".gemini" / "tmp" / "evil" / "chats"
    chats.mkdir(parents=True)
    (base / ".gemini" / "tmp" / "evil" / ".project_root").write_text(HOSTILE_CWD.replace("\ud800", "?"))
    recs = [gc.meta(gc.SESSION_G, "/p/x", "2026-08-21T11:59:00.000Z"),
            gc.gemini("x1-f911", "2026-08-21T12:00:00.000Z", gc.tokens(1000, 85, 0, 15), HOSTILE_MODEL)]
    (chats / "session-2026-08-21T12-00-9c0d1e2f.jsonl").write_bytes(
        b"".join(json.dumps(r, ensure_ascii=True).encode() + b"\n" for r in recs))
    return [str(base)], {"GEMINI_CLI_HOME": str(base)}


def _hostile_opencode(tmp: Path) -> tuple[list[str], dict[str, str]]:
    db = tmp / "opencode.db"
    conn = oc.create(db)
    oc.add_project(conn, "prj_x", "/p", oc.DAY1)
    oc.add_session(conn, "ses_x", "prj_x", HOSTILE_CWD.replace("\ud800", "?"), oc.DAY1)
    data = oc.assistant_message("ses_x", oc.DAY1, HOSTILE_MODEL, "openai\u001b[5m", HOSTILE_CWD,
                                oc.tokens(1000, 100), 0.0, oc.DAY1 + 5000)
    conn.execute("INSERT INTO message (id, session_id, time_created, time_updated, data) VALUES (?, ?, ?, ?, ?)",
                 ("msg_x", "ses_x", oc.DAY1, oc.DAY1 + 5000, json.dumps(data, ensure_ascii=True)))
    conn.close()
    return [str(db)], {}


HOSTILE: dict[str, Callable[[Path], tuple[list[str], dict[str, str]]]] = {
    "codex": _hostile_codex, "gemini-cli": _hostile_gemini, "opencode": _hostile_opencode,
}


@pytest.mark.parametrize("client", NEW)
def test_hostile_model_and_project_names_reach_report_escaped(client: str, tmp_path: Path, home: Path) -> None:
    paths, env = HOSTILE[client](tmp_path)
    import_(client, *paths, env=env)
    conn = sqlite3.connect(home / "ledger.db")
    try:
        (n,) = conn.execute("SELECT count(*) FROM events").fetchone()
        stored = [v for row in conn.execute("SELECT model, project, session, provider FROM events") for v in row
                  if isinstance(v, str)]
    finally:
        conn.close()
    assert n == 1
    assert any("pwned" in s for s in stored)  # kept, neutralised at the door
    for s in stored:
        s.encode("utf-8")  # no lone surrogate stored
    for args in (("report", "daily", "--by", "model"), ("report", "daily", "--by", "project"),
                 ("report", "session"), ("hooks", "status", client)):
        proc = run(*args, "--since", "2020-01-01", env={"COLUMNS": "200", **env}) if args[0] == "report" else \
            run(*args, env={"COLUMNS": "200", **env})
        assert "Traceback" not in proc.stderr, proc.stderr
        for out in (proc.stdout, proc.stderr):
            bad = FORBIDDEN.findall(out)
            assert not bad, (args, sorted(set(map(repr, bad))), out[:400])
    proc = run("report", "daily", "--by", "model", "--since", "2020-01-01", env={"COLUMNS": "200"})
    assert proc.returncode == 0 and "pwned" in proc.stdout, proc.stdout
