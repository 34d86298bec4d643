"""``tokenprint-hook claude-code`` as Claude Code runs it: a real process, a payload on stdin."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import corpus
from tests.hooks.helpers import buckets, sources

HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs")


def stop_payload(path: Path, session: str = corpus.SESSION_A, **extra: object) -> str:
    return json.dumps(
        {
            "session_id": session,
            "transcript_path": str(path),
            "cwd": "/p/alpha",
            "hook_event_name": "Stop",
            "permission_mode": "default",
            "stop_hook_active": False,
            **extra,
        }
    )


def hook(payload: str | bytes, *args: str) -> subprocess.CompletedProcess[str]:
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", "replace")
    return run("claude-code", *args, input=payload, exe=TOKENPRINT_HOOK, timeout=60)


def test_hook_import_path_is_standard_library_only(tmp_path: Path, home: Path) -> None:
    """Run the hook's whole path in a fresh interpreter and inspect sys.modules."""
    config = tmp_path / "claude"
    files = corpus.build(config)
    code = (
        "import sys, io\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({stop_payload(files['a']).encode()!r}))\n"
        "from hooks.entry import main\n"
        "main(['claude-code', 'Stop'])\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]\n"
        "print(repr(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert (home / "ledger.db").exists()  # it did the real work
    assert buckets(home / "ledger.db")[("2025-09-29", corpus.HAIKU)]["output_tokens"] == 5


def test_stop_then_subagent_stop_then_session_end(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "claude"
    files = corpus.build(config)
    proc = hook(stop_payload(files["a"]))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    # Stop on A also catches up A's subagent files
    got = buckets(home / "ledger.db")
    assert got[("2025-09-28", corpus.HAIKU)] == corpus.EXPECTED[("2025-09-28", corpus.HAIKU)]
    sub = stop_payload(files["b"], corpus.SESSION_B, hook_event_name="SubagentStop",
                       agent_id="ag1", agent_transcript_path=str(files["s"]))
    assert hook(sub, "SubagentStop").returncode == 0
    end = stop_payload(files["c"], corpus.SESSION_C, hook_event_name="SessionEnd", reason="exit")
    assert hook(end, "SessionEnd").returncode == 0
    assert buckets(home / "ledger.db") == corpus.EXPECTED
    last = json.loads((home / "logs" / "hook-claude-code.json").read_text())
    assert last["ok"] is True and last["event"] == "SessionEnd"
    # the cut line of B is finished a moment later; the next event picks it up
    corpus.complete_b2(config, files)
    assert hook(stop_payload(files["b"], corpus.SESSION_B)).returncode == 0
    day, model, extra = corpus.B2_COMPLETED
    assert buckets(home / "ledger.db")[(day, model)]["output_tokens"] == (
        corpus.EXPECTED[(day, model)]["output_tokens"] + extra["output_tokens"]
    )


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "not json at all",
        "[1, 2, 3]",
        '{"transcript_path": 12}',
        '{"transcript_path": "/nonexistent/x.jsonl"}',
        '{"transcript_path": "/"}',
        b"\xff\xfe\x00garbage".decode("latin-1"),
        '{"transcript_path": "' + "a" * 100000 + '"}',
    ],
)
def test_garbage_payloads_exit_0_silently(home: Path, payload: str) -> None:
    proc = hook(payload)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_unknown_client_and_no_args_exit_0(home: Path) -> None:
    for args in ((), ("nope",), ("--home",)):
        proc = run(*args, input="{}", exe=TOKENPRINT_HOOK)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_corrupt_ledger_exits_0_and_logs(tmp_path: Path, home: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    (home / "ledger.db").write_bytes(b"this is not a database" * 100)
    proc = hook(stop_payload(files["a"]))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    log = (home / "logs" / "hook.log").read_text()
    assert "DatabaseError" in log


def test_unwritable_home_exits_0(tmp_path: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    proc = run("claude-code", input=stop_payload(files["a"]), exe=TOKENPRINT_HOOK,
               env={"TOKENPRINT_HOME": str(blocked / "home")})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_busy_ledger_does_not_wait_and_leaves_the_work(tmp_path: Path, home: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    from ledger import fastpath

    conn = fastpath.open_ledger(home / "ledger.db")
    conn.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        t0 = time.monotonic()
        proc = hook(stop_payload(files["a"]))
        elapsed = time.monotonic() - t0
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert elapsed < 3.0
    assert "busy" in (home / "logs" / "hook.log").read_text()
    assert sources(home / "ledger.db") == {}  # positions not advanced
    assert hook(stop_payload(files["a"])).returncode == 0  # the next event does the work
    assert buckets(home / "ledger.db")[("2025-09-29", corpus.OPUS)]["input_tokens"] == 20


def test_concurrent_hooks_count_once(tmp_path: Path, home: Path) -> None:
    config = tmp_path / "claude"
    files = corpus.build(config)
    payloads = [stop_payload(files[k]) for k in ("a", "b", "c", "a", "b", "c")]
    results: list[int] = []

    def go(p: str) -> None:
        results.append(hook(p).returncode)

    threads = [threading.Thread(target=go, args=(p,)) for p in payloads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [0] * len(payloads)
    # busy runs leave work for later: one more round finishes it
    for k in ("a", "b", "c"):
        hook(stop_payload(files[k]))
    assert buckets(home / "ledger.db") == corpus.EXPECTED


def test_home_argument_and_ignored_marker_words(tmp_path: Path, home: Path) -> None:
    files = corpus.build(tmp_path / "claude")
    other = tmp_path / "other-home"
    proc = hook(stop_payload(files["c"]), "--home", str(other), "#", "tokenprint-managed")
    assert proc.returncode == 0
    assert (other / "ledger.db").exists() and not (home / "ledger.db").exists()
    last = json.loads((other / "logs" / "hook-claude-code.json").read_text())
    assert last["event"] == "Stop"  # from the payload: the marker words are not an event


def test_disk_full_is_logged_not_raised(tmp_path: Path, home: Path) -> None:
    """A write failure inside SQLite (here: a read-only ledger) is swallowed and logged."""
    files = corpus.build(tmp_path / "claude")
    assert hook(stop_payload(files["c"])).returncode == 0
    if os.geteuid() == 0:
        # root ignores file modes: make the database refuse writes another way
        conn = sqlite3.connect(home / "ledger.db")
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON events BEGIN "
            "SELECT RAISE(FAIL, 'database or disk is full'); END"
        )
        conn.commit()
        conn.close()
    else:
        os.chmod(home / "ledger.db", 0o400)
    proc = hook(stop_payload(files["a"]))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert "full" in (home / "logs" / "hook.log").read_text() or "readonly" in (
        home / "logs" / "hook.log"
    ).read_text()
