"""``tokenprint hooks install|uninstall|status`` and ``statusline --install``, as a user runs them."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from hooks import installer
from tests.clients_env import isolate_clients
from tests.conftest import run
from tests.hooks import corpus

FOREIGN = """{
    "model": "opus",
    "hooks": {
        "Stop": [
            {"hooks": [{"type": "command", "command": "say done", "timeout": 3}]}
        ],
        "PreToolUse": [
            {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}
        ]
    },
    "permissions": {"allow": ["Bash(ls:*)"], "deny": []},
    "unknownFutureKey": {"nested": [1, 2.5, null, true, "é"]},
    "cleanupPeriodDays": 45
}
"""

SHAPES = {
    "absent": None,
    "empty-object": "{}",
    "foreign": FOREIGN,
    "compact-no-newline": '{"env":{"A":"1"},"hooks":{"SessionEnd":[{"hooks":[{"type":"command","command":"x"}]}]}}',
    "tabs": '{\n\t"theme": "dark",\n\t"hooks": {}\n}\n',
    "empty-file": "",
}


@pytest.fixture
def claude_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    d = tmp_path / "claude"
    d.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(d))
    isolate_clients(tmp_path, monkeypatch)  # `hooks install` alone installs every client found
    return d


def tp(*args: str) -> subprocess.CompletedProcess[str]:
    return run(*args)


def settings(claude_dir: Path) -> Path:
    return claude_dir / "settings.json"


def write(path: Path, text: str | None) -> None:
    if text is not None:
        path.write_text(text, encoding="utf-8")


def ours(path: Path) -> dict[str, list[str]]:
    return installer.installed_hooks(json.loads(path.read_text()))


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_installing_twice_gives_the_same_bytes(claude_dir: Path, shape: str) -> None:
    path = settings(claude_dir)
    write(path, SHAPES[shape])
    first = tp("hooks", "install", "claude-code")
    assert first.returncode == 0, first.stderr
    once = path.read_bytes()
    second = tp("hooks", "install", "claude-code")
    assert second.returncode == 0 and "already installed" in second.stdout
    assert path.read_bytes() == once
    assert set(ours(path)) == {"Stop", "SubagentStop", "SessionEnd"}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_uninstall_gives_back_the_original_bytes(claude_dir: Path, shape: str) -> None:
    path = settings(claude_dir)
    write(path, SHAPES[shape])
    assert tp("hooks", "install", "claude-code").returncode == 0
    assert tp("hooks", "install", "claude-code").returncode == 0
    proc = tp("hooks", "uninstall", "claude-code")
    assert proc.returncode == 0, proc.stderr
    if SHAPES[shape] is None:
        assert not path.exists()
    else:
        assert path.read_text(encoding="utf-8") == SHAPES[shape]


def test_foreign_entries_and_unknown_keys_survive(claude_dir: Path) -> None:
    path = settings(claude_dir)
    write(path, FOREIGN)
    assert tp("hooks", "install", "claude-code").returncode == 0
    data = json.loads(path.read_text())
    before = json.loads(FOREIGN)
    for key in ("model", "permissions", "unknownFutureKey", "cleanupPeriodDays"):
        assert data[key] == before[key]
    assert data["hooks"]["PreToolUse"] == before["hooks"]["PreToolUse"]
    assert data["hooks"]["Stop"][0] == before["hooks"]["Stop"][0]
    # the user edits the file after the install: uninstall keeps the edit, drops only ours
    data["theme"] = "light"
    data["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "later.sh"}]})
    path.write_text(json.dumps(data, indent=4) + "\n")
    assert tp("hooks", "uninstall", "claude-code").returncode == 0
    after = json.loads(path.read_text())
    assert after["theme"] == "light"
    assert [g["hooks"][0]["command"] for g in after["hooks"]["Stop"]] == ["say done", "later.sh"]
    assert "SubagentStop" not in after["hooks"] and "SessionEnd" not in after["hooks"]
    assert after["hooks"]["PreToolUse"] == before["hooks"]["PreToolUse"]
    assert installer.installed_hooks(after) == {}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"hooks": {"Stop": []},}', "line 1 column 24"),
        ('{\n  "a": 1\n  "b": 2\n}', "line 3 column 3"),
        ("[1, 2]", "top level is a JSON list"),
        ('{"hooks": []}', '"hooks" is a JSON list'),
        ('{"hooks": {"Stop": {"command": "x"}}}', '"hooks.Stop" is a JSON dict'),
        ('{"hooks": {"Stop": ["x"]}}', '"hooks.Stop[0]" is not a matcher group'),
        ("\xff\xfe{}", "not valid JSON"),
    ],
)
def test_malformed_settings_are_refused_and_left_untouched(
    claude_dir: Path, home: Path, text: str, problem: str
) -> None:
    path = settings(claude_dir)
    path.write_text(text, encoding="utf-8")
    before = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    for action in ("install", "uninstall"):
        proc = tp("hooks", action, "claude-code")
        if action == "uninstall" and proc.returncode == 0:
            continue  # nothing of ours to remove from a file we cannot read: fine too
        assert proc.returncode == 2
        assert problem in proc.stderr and str(path) in proc.stderr
        assert "untouched" in proc.stderr
    assert path.read_bytes() == before and path.stat().st_mtime_ns == mtime
    assert not (home / "backups").exists() or not any((home / "backups").glob("*.bak"))


def test_our_entries_from_an_older_version_are_recognised_and_replaced(claude_dir: Path) -> None:
    path = settings(claude_dir)
    old = {"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": "say hi"},
        {"type": "command", "command": "/old/venv/bin/tokenprint-hook claude-code"},
    ]}], "SessionEnd": [{"hooks": [
        {"type": "command", "command": "tokenprint-hook claude-code # tokenprint-managed v0"}]}]}}
    path.write_text(json.dumps(old, indent=2))
    assert tp("hooks", "install", "claude-code").returncode == 0
    data = json.loads(path.read_text())
    got = ours(path)
    assert all(len(cmds) == 1 for cmds in got.values())
    assert set(got) == {"Stop", "SubagentStop", "SessionEnd"}
    assert all("/old/venv" not in c[0] for c in got.values())
    # updated in place, next to the foreign entry it shared a group with
    assert data["hooks"]["Stop"][0]["hooks"][0]["command"] == "say hi"
    assert "tokenprint-hook" in data["hooks"]["Stop"][0]["hooks"][1]["command"]
    assert tp("hooks", "uninstall", "claude-code").returncode == 0
    left = json.loads(path.read_text())
    assert left == {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say hi"}]}]}}


def test_installed_command_works_without_path(tmp_path: Path, claude_dir: Path, home: Path) -> None:
    path = settings(claude_dir)
    assert tp("hooks", "install", "claude-code").returncode == 0
    command = json.loads(path.read_text())["hooks"]["Stop"][0]["hooks"][0]["command"]
    program = shlex.split(command, comments=True)[0]
    assert os.path.isabs(program) and os.access(program, os.X_OK)
    files = corpus.build(claude_dir)
    payload = json.dumps({"session_id": corpus.SESSION_C, "transcript_path": str(files["c"]),
                          "hook_event_name": "Stop"})
    env = {"PATH": "/nonexistent", "HOME": str(tmp_path)}
    proc = subprocess.run(["/bin/sh", "-c", command], input=payload, capture_output=True,
                          text=True, env=env, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert (home / "ledger.db").exists()
    status = tp("hooks", "status", "claude-code")
    assert status.returncode == 0
    assert "Stop, SubagentStop, SessionEnd" in status.stdout
    assert "last hook run" in status.stdout and "ok" in status.stdout


def test_backups_are_kept_and_writes_are_atomic(claude_dir: Path, home: Path) -> None:
    path = settings(claude_dir)
    write(path, FOREIGN)
    os.chmod(path, 0o600)
    assert tp("hooks", "install", "claude-code").returncode == 0
    backups = list((home / "backups").glob("settings.json.*.bak"))
    assert [b.read_text() for b in backups] == [FOREIGN]
    assert path.stat().st_mode & 0o777 == 0o600
    assert not list(claude_dir.glob(".settings.json.*.tmp"))


def test_status_warns_when_cleanup_will_delete_unread_history(claude_dir: Path) -> None:
    files = corpus.build(claude_dir)
    write(settings(claude_dir), '{"cleanupPeriodDays": 10}')
    old = files["c"]
    t = old.stat().st_mtime - 5 * 86400
    os.utime(old, (t, t))
    proc = tp("hooks", "status", "claude-code")
    assert proc.returncode == 0
    assert "hooks not installed" in proc.stdout
    assert "deletes transcripts after 10 days" in proc.stdout
    assert "tokenprint import claude-code" in proc.stdout
    assert tp("import", "claude-code").returncode == 0
    proc = tp("hooks", "status", "claude-code")
    assert "all 4 transcripts are in the ledger" in proc.stdout


def test_statusline_install_keeps_the_previous_command_reachable(claude_dir: Path, home: Path) -> None:
    path = settings(claude_dir)
    original = '{\n  "statusLine": {"type": "command", "command": "echo \\"their line\\"", "padding": 1}\n}\n'
    path.write_text(original)
    assert tp("statusline", "--install").returncode == 0
    once = path.read_bytes()
    assert tp("statusline", "--install").returncode == 0
    assert path.read_bytes() == once
    entry = json.loads(once)["statusLine"]
    assert installer.MARKER in entry["command"] and entry["padding"] == 1
    files = corpus.build(claude_dir)
    payload = json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(files["a"])})
    proc = subprocess.run(["/bin/sh", "-c", entry["command"]], input=payload, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.strip()
    assert out.endswith("│ their line") and "session" in out and len(out.splitlines()) == 1
    assert tp("statusline", "--uninstall").returncode == 0
    assert path.read_text() == original


def test_statusline_without_data_and_with_garbage(home: Path) -> None:
    for payload in ("", "garbage", "[]", '{"session_id": 5}'):
        proc = run("statusline", input=payload)
        assert proc.returncode == 0 and proc.stdout.strip() and "\n" not in proc.stdout.strip()


def test_statusline_counts_today_and_the_session(home: Path) -> None:
    from datetime import UTC, datetime

    now = datetime.now(tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    rec = corpus.assistant("sess-now", "/p", now, corpus.SONNET, corpus.usage(1000, 0, 0, 500),
                           msg_id="msg_now")
    assert run("log", "--json", "-", input=json.dumps({
        "client": "manual", "model": corpus.SONNET, "input_tokens": 10, "output_tokens": 5,
        "session": "other"})).returncode == 0
    tpath = home / "t.jsonl"
    tpath.write_text(corpus.compact(rec) + "\n")
    proc = run("statusline", input=json.dumps({"session_id": "sess-now", "transcript_path": str(tpath)}))
    assert proc.returncode == 0
    line = proc.stdout.strip()
    assert line.startswith("🌍 today ") and " · session " in line
    # two significant digits in a readable unit (ledger.units), e.g. "today 41 g CO2e · session 3.2 g"
    assert re.match(r"🌍 today \d+(\.\d)? (mg|g|kg) CO2e · session \d+(\.\d)? (mg|g|kg)\b", line), line
