"""``tokenprint-hook`` for every client of ``hooks.ADAPTERS``: its ``--help`` names them
all, a garbage payload is a silent exit 0 for each, and each client's whole hook path,
with a real payload on a real home, imports the standard library only (``sys.modules``
in a fresh interpreter, as ``tests/hooks/test_hook_entry.py`` does for Claude Code).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hooks import ADAPTERS
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import codex_corpus as cc
from tests.hooks import corpus
from tests.hooks import gemini_corpus as gc
from tests.hooks import opencode_corpus as oc
from tests.hooks.helpers import buckets

HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs",
         "msgspec", "zstandard", "alembic", "psycopg")
CLIENTS = ("claude-code", "codex", "gemini-cli", "opencode")
REPO = Path(__file__).resolve().parents[2]


def test_the_four_clients_are_registered() -> None:
    assert set(CLIENTS) <= set(ADAPTERS)


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_lists_every_client(flag: str) -> None:
    proc = run(flag, exe=TOKENPRINT_HOOK)
    assert proc.returncode == 0 and proc.stderr == "", proc
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("clients: ")]
    assert line == "clients: " + ", ".join(sorted(ADAPTERS))
    for client in CLIENTS:
        assert client in line.split(": ", 1)[1].split(", ")
    # after a client name too (a person typing `tokenprint-hook codex --help`)
    assert run("codex", flag, exe=TOKENPRINT_HOOK).stdout == proc.stdout


GARBAGE = [
    "",
    "not json at all",
    "[1, 2, 3]",
    '{"transcript_path": 12, "session_id": ["x"], "thread-id": {}}',
    '{"transcript_path": "/nonexistent/x.jsonl", "session_id": "../../etc/passwd"}',
    '{"transcript_path": "/", "agent_transcript_path": "/dev/zero", "session_id": "ses_\\u0000x"}',
    b"\xff\xfe\x00garbage".decode("latin-1"),
    '{"session_id": "' + "a" * 100_000 + '"}',
]


@pytest.mark.parametrize("client", CLIENTS)
def test_garbage_payloads_exit_0_silently_for_every_client(client: str, home: Path, tmp_path: Path) -> None:
    user = tmp_path / "user"  # nothing of any client here: no file to find by session id
    user.mkdir()
    env = {"HOME": str(user), "CODEX_HOME": str(user / ".codex"), "GEMINI_CLI_HOME": str(user),
           "XDG_DATA_HOME": str(user / ".local" / "share"), "XDG_CONFIG_HOME": str(user / ".config"),
           "OPENCODE_DB": ""}
    for body in GARBAGE:
        proc = run(client, input=body, exe=TOKENPRINT_HOOK, env=env, timeout=60)
        assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", ""), (client, body[:40])
    # ... and as the last argv word with stdin closed (how Codex's notify passes it)
    proc = subprocess.run([TOKENPRINT_HOOK, client, "{not json"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not (home / "ledger.db").exists() or not buckets(home / "ledger.db")
    log = (home / "logs" / "hook.log").read_text()
    assert f" {client} pid=" in log and "payload is not JSON" in log and "empty payload" in log
    last = json.loads((home / "logs" / f"hook-{client}.json").read_text())
    assert last["ok"] is False


# -- a real payload per client, its path in a fresh interpreter ----------------------------------


def _claude(tmp: Path) -> tuple[str, dict[str, str], Callable[[Path], None]]:
    files = corpus.build(tmp / "claude")
    body = json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(files["a"]), "cwd": "/p/alpha",
                       "hook_event_name": "Stop"})

    def check(db: Path) -> None:  # A and its subagent file
        assert buckets(db)[("2025-09-29", corpus.HAIKU)]["output_tokens"] == 5

    return body, {"CLAUDE_CONFIG_DIR": str(tmp / "claude")}, check


def _codex(tmp: Path) -> tuple[str, dict[str, str], Callable[[Path], None]]:
    files = cc.build(tmp / "codex-home")
    body = json.dumps(cc.stop_payload(files["a"]))

    def check(db: Path) -> None:  # A alone: T1 on 09-17 under M1
        assert buckets(db)[("2026-09-17", cc.M1)] == cc.EXPECTED[("2026-09-17", cc.M1)]

    return body, {"CODEX_HOME": str(tmp / "codex-home")}, check


def _gemini(tmp: Path) -> tuple[str, dict[str, str], Callable[[Path], None]]:
    files = gc.build(tmp / "ghome")
    body = gc.after_agent(files["a"])

    def check(db: Path) -> None:  # A with its subagent file: the whole of 08-20
        got = buckets(db)
        assert got[("2026-08-20", gc.PRO)] == gc.EXPECTED[("2026-08-20", gc.PRO)]
        assert got[("2026-08-20", gc.FLASH)] == gc.EXPECTED[("2026-08-20", gc.FLASH)]

    return body, {"GEMINI_CLI_HOME": str(tmp / "ghome")}, check


def _opencode(tmp: Path) -> tuple[str, dict[str, str], Callable[[Path], None]]:
    fx = oc.build_fixture(tmp / "machine")
    body = json.dumps({"hook_event_name": "session.idle", "session_id": oc.SES_A, "directory": "/p/alpha"})

    def check(db: Path) -> None:  # session A: A1's three steps (day 1) and A2 (day 2)
        got = buckets(db)
        assert got[("2026-11-02", oc.SONNET)]["requests"] == 3
        assert got[("2026-11-03", oc.GPT5)]["input_tokens"] == 500

    return body, dict(fx["env"]), check


PAYLOADS: dict[str, Callable[[Path], tuple[str, dict[str, str], Callable[[Path], None]]]] = {
    "claude-code": _claude, "codex": _codex, "gemini-cli": _gemini, "opencode": _opencode,
}


@pytest.mark.parametrize("client", CLIENTS)
def test_each_clients_hook_path_is_standard_library_only(client: str, home: Path, tmp_path: Path) -> None:
    body, env, check = PAYLOADS[client](tmp_path)
    code = (
        "import io, sys\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({body.encode()!r}))\n"
        "from hooks.entry import main\n"
        f"rc = main([{client!r}])\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(repr((rc, heavy)))\n"
    )
    full_env: dict[str, Any] = {**os.environ, **env, "TOKENPRINT_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=full_env, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout.strip() == "(0, [])"
    last = json.loads((home / "logs" / f"hook-{client}.json").read_text())
    assert last["ok"] is True, last
    check(home / "ledger.db")  # it did the real work
