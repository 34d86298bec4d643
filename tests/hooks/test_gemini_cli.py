"""Gemini CLI: backfill and hook on a home in the real formats, with every trap."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from hooks import gemini_cli
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import gemini_corpus as gc
from tests.hooks.helpers import buckets, sources, text_columns

HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs",
         "msgspec", "zstandard")


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$GEMINI_CLI_HOME`` with the corpus in it."""
    b = tmp_path / "ghome"
    gc.build(b)
    monkeypatch.setenv("GEMINI_CLI_HOME", str(b))
    return b


def files_of(base: Path) -> dict[str, Path]:
    g = base / ".gemini" / "tmp"
    return {
        "a": g / "alpha" / "chats" / "session-2026-08-20T10-00-3f2a9c1e.jsonl",
        "sub": g / "alpha" / "chats" / gc.SESSION_A / f"{gc.SESSION_SUB}.jsonl",
        "legacy": g / gc.sha("/p/beta") / "chats" / "session-2026-07-01T09-00-7b1e0d2a.json",
        "migrated": g / gc.sha("/p/beta") / "chats" / "session-2026-07-01T09-00-7b1e0d2a.jsonl",
        "gamma": g / gc.sha("/p/gamma") / "chats" / "session-2026-08-21T12-00-9c0d1e2f.jsonl",
    }


def rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT client, event_id, model, ts, provider, session, project, input_tokens, "
            "cache_write_tokens, cache_read_tokens, output_tokens, reasoning_tokens, requests "
            "FROM events ORDER BY event_id"
        ).fetchall()
    finally:
        conn.close()


def tp_import(*args: str) -> subprocess.CompletedProcess[str]:
    proc = run("import", "gemini-cli", *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def hook(payload: str, home: Path) -> None:
    proc = run("gemini-cli", "--home", str(home), input=payload, exe=TOKENPRINT_HOOK, timeout=60)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""


def test_backfill_buckets_equal_the_hand_computed_table(base: Path, home: Path) -> None:
    proc = tp_import()  # no path: the default locations under $GEMINI_CLI_HOME
    assert "gemini-cli: 5 files" in proc.stdout
    assert buckets(home / "ledger.db") == gc.EXPECTED
    got = {r[1]: (r[5], r[6]) for r in rows(home / "ledger.db")}
    assert got == gc.EXPECTED_META
    assert {r[4] for r in rows(home / "ledger.db")} == {"google"}
    # Nothing of the chats' text reaches the ledger.
    stored = text_columns(home / "ledger.db")
    for text in ("please fix", "secret plan", "Done:", "try again", "Plan"):
        assert not [s for s in stored if text in s]


def test_skips_torn_line_and_what_is_not_read(base: Path, home: Path) -> None:
    tp_import(str(base))
    f = files_of(base)
    src = sources(home / "ledger.db")
    assert set(src) == {str(p) for p in f.values()}  # not logs.json, not the checkpoint
    a = src[str(f["a"])]
    torn = gc.session_a_lines()[-1].encode()
    assert a["offset"] == f["a"].stat().st_size - len(torn)  # the torn line waits
    assert a["reasons"] == {"invalid-json": 1, "not-an-object": 1}


def test_import_twice_changes_nothing(base: Path, home: Path) -> None:
    tp_import()
    before = rows(home / "ledger.db")
    again = tp_import()
    assert "0 new events, 0 updated" in again.stdout
    assert rows(home / "ledger.db") == before


def test_hook_and_backfill_give_the_same_ledger(base: Path, home: Path, tmp_path: Path) -> None:
    tp_import()
    hooked = tmp_path / "hooked"
    f = files_of(base)
    hook(gc.after_agent(f["a"]), hooked)  # the session and its subagent
    hook(gc.after_agent(f["migrated"], gc.SESSION_L, "SessionEnd"), hooked)
    hook(gc.after_agent(f["gamma"], gc.SESSION_G), hooked)
    assert rows(hooked / "ledger.db") == rows(home / "ledger.db")
    assert not (hooked / "logs" / "hook.log").exists() or "Error" not in (
        hooked / "logs" / "hook.log").read_text()


def test_hook_reads_what_is_appended_and_the_torn_line_once_complete(base: Path, home: Path) -> None:
    f = files_of(base)
    hook(gc.after_agent(f["a"]), home)
    assert ("2026-08-20", gc.PRO) in buckets(home / "ledger.db")
    # The torn record is completed, then its tokens arrive in a second copy.
    rest = ',"output":0,"cached":0},"model":"gemini-2.5-pro","content":""}\n'
    with open(f["a"], "a") as fh:
        fh.write(rest)
        fh.write(gc.line(gc.gemini("g5-torn", "2026-08-20T10:07:00.000Z", gc.tokens(9, 7))))
    hook(gc.after_agent(f["a"]), home)
    pro = buckets(home / "ledger.db")[("2026-08-20", gc.PRO)]
    want = dict(gc.EXPECTED[("2026-08-20", gc.PRO)])
    want.update(input_tokens=want["input_tokens"] + 9, output_tokens=want["output_tokens"] + 7,
                requests=want["requests"] + 1)
    assert pro == want
    # Appended lines carry no session: it comes from the adapter state of the first read.
    by_id = {r[1]: r for r in rows(home / "ledger.db")}
    assert by_id["g5-torn"][5:7] == (gc.SESSION_A, "/p/alpha")


def test_legacy_document_rewritten_whole_counts_each_message_once(base: Path, home: Path) -> None:
    f = files_of(base)
    tp_import(str(f["legacy"]))
    doc = gc.legacy_document()
    doc["messages"].append(gc.gemini("m9-0909", "2026-07-01T09:05:00.000Z", gc.tokens(700, 70), gc.OLD))
    doc["lastUpdated"] = "2026-07-01T09:05:00.000Z"
    f["legacy"].write_text(json.dumps(doc, indent=2))  # rewritten in place, as old versions did
    tp_import(str(f["legacy"]))
    old = buckets(home / "ledger.db")[("2026-07-01", gc.OLD)]
    assert old["requests"] == 3 and old["input_tokens"] == 3500 + 700 and old["output_tokens"] == 320


def test_a_legacy_document_being_written_is_left_for_later(tmp_path: Path) -> None:
    data = json.dumps(gc.legacy_document(), indent=2).encode()
    for cut in (1, len(data) // 2, len(data) - 1):
        parsed = gemini_cli.parse(data[:cut], True, state={})
        assert parsed.consumed == 0 and parsed.events == []
    assert gemini_cli.parse(data, False, state={}).consumed == 0  # whole documents only
    assert gemini_cli.parse(data, True, state={}).consumed == len(data)


def test_gemini_cli_home_and_default_roots(tmp_path: Path) -> None:
    env = {"GEMINI_CLI_HOME": str(tmp_path / "h")}
    assert gemini_cli.gemini_dir(env) == tmp_path / "h" / ".gemini"
    assert gemini_cli.default_roots(env) == []
    (tmp_path / "h" / ".gemini" / "tmp").mkdir(parents=True)
    assert gemini_cli.default_roots(env) == [tmp_path / "h" / ".gemini" / "tmp"]
    assert gemini_cli.present({**env, "PATH": ""})
    assert not gemini_cli.present({"GEMINI_CLI_HOME": str(tmp_path / "none"), "PATH": ""})
    assert gemini_cli.settings_path("user", env) == tmp_path / "h" / ".gemini" / "settings.json"
    assert gemini_cli.settings_path("project", env, cwd=tmp_path) == tmp_path / ".gemini" / "settings.json"
    with pytest.raises(ValueError):
        gemini_cli.settings_path("local", env)


def test_transcripts_from_any_folder(base: Path) -> None:
    f = files_of(base)
    want = sorted(str(p) for p in f.values())
    assert sorted(gemini_cli.transcripts([base])) == want
    assert sorted(gemini_cli.transcripts([base / ".gemini"])) == want
    assert sorted(gemini_cli.transcripts([base / ".gemini" / "tmp", f["a"]])) == want
    assert gemini_cli.transcripts([f["legacy"]]) == [str(f["legacy"])]


def test_hook_paths(base: Path) -> None:
    f = files_of(base)
    assert gemini_cli.hook_paths(json.loads(gc.after_agent(f["a"]))) == [str(f["a"]), str(f["sub"])]
    assert gemini_cli.hook_paths(json.loads(gc.after_agent(f["migrated"], gc.SESSION_L))) == [
        str(f["migrated"]), str(f["legacy"])]
    assert gemini_cli.hook_paths({"transcript_path": "", "session_id": "x"}) == []
    assert gemini_cli.hook_paths({"transcript_path": str(f["a"]), "session_id": "../.."}) == [str(f["a"])]
    assert gemini_cli.hook_paths({"transcript_path": 5}) == []


def test_hook_is_standard_library_only(base: Path, home: Path) -> None:
    payload = gc.after_agent(files_of(base)["a"])
    code = (
        "import sys, io\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload.encode()!r}))\n"
        "from hooks.entry import main\n"
        "main(['gemini-cli', 'AfterAgent'])\n"
        f"heavy = [m for m in sys.modules if m.split('.')[0] in {HEAVY!r}]\n"
        "print(repr(heavy))\n"
    )
    env = {**os.environ, "GEMINI_CLI_HOME": str(base)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
    assert buckets(home / "ledger.db")[("2026-08-20", gc.FLASH)]["requests"] == 2


def test_a_copy_of_the_home_elsewhere_counts_once(base: Path, home: Path, tmp_path: Path) -> None:
    tp_import()
    copy = tmp_path / "copy"
    shutil.copytree(base, copy)
    tp_import(str(copy))
    assert buckets(home / "ledger.db") == gc.EXPECTED
