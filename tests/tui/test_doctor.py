"""``tokenprint doctor [--json]``: one line per check, a fix per problem, exit 1 on action."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.clients_env import isolate_clients
from tests.conftest import run
from tests.hooks import corpus


@pytest.fixture
def claude(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "claude-config"
    config.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    monkeypatch.chdir(tmp_path)
    isolate_clients(tmp_path, monkeypatch)  # doctor checks every client found on the machine
    return config


def doctor_json(env: dict[str, str] | None = None) -> tuple[int, dict]:
    proc = run("doctor", "--json", env=env)
    assert proc.stderr == ""
    return proc.returncode, json.loads(proc.stdout)


def by_check(data: dict) -> dict[str, dict]:
    return {c["check"]: c for c in data["checks"]}


def payload(path: Path) -> str:
    return json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(path), "cwd": "/p/alpha",
                       "hook_event_name": "Stop"})


def test_a_healthy_setup_exits_0(home: Path, claude: Path, tmp_path: Path) -> None:
    from tests.conftest import TOKENPRINT_HOOK

    assert run("hooks", "install", "claude-code").returncode == 0
    files = corpus.build(claude)
    assert run("claude-code", input=payload(files["a"]), exe=TOKENPRINT_HOOK).returncode == 0
    assert run("import", "claude-code").returncode == 0
    assert run("backup").returncode == 0
    code, data = doctor_json()
    checks = by_check(data)
    assert code == 0, [c for c in data["checks"] if c["status"] == "action"]
    assert data["ok"] is True and data["needs_action"] == 0
    assert set(checks) >= {"ledger.integrity", "ledger.schema", "ledger.modes", "spool", "disk", "backups",
                           "hooks.claude-code.installed", "hooks.claude-code.last_run",
                           "positions.claude-code.cleanup"}
    for c in data["checks"]:
        assert set(c) == {"check", "status", "message", "fix", "details"}
        assert c["status"] in ("ok", "info", "action")
    assert checks["hooks.claude-code.installed"]["details"]["settings"] == str(claude / "settings.json")
    text = run("doctor")
    assert text.returncode == 0 and text.stdout.rstrip().endswith("all good")


def test_every_problem_has_a_fix_and_exit_1(home: Path, claude: Path, tmp_path: Path) -> None:
    from tests.conftest import TOKENPRINT_HOOK

    files = corpus.build(claude)
    # Hooks installed, pointing at a program that is gone.
    (claude / "settings.json").write_text(json.dumps({"hooks": {"Stop": [{"hooks": [
        {"type": "command", "command": "/nowhere/tokenprint-hook claude-code # tokenprint-managed"}]}]}}))
    assert run("claude-code", input=payload(files["a"]), exe=TOKENPRINT_HOOK).returncode == 0
    # A transcript not read, old enough that Claude Code deletes it within the week.
    old = files["b"]
    t = old.stat().st_mtime - 27 * 86400
    os.utime(old, (t, t))
    # Damage the ledger and spool a run.
    db = home / "ledger.db"
    with open(db, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(db.stat().st_size - 4096))
    assert run("claude-code", input=payload(files["a"]), exe=TOKENPRINT_HOOK).returncode == 0
    os.chmod(db, 0o644)
    code, data = doctor_json()
    assert code == 1 and data["ok"] is False
    checks = by_check(data)
    actions = {c["check"] for c in data["checks"] if c["status"] == "action"}
    assert {"ledger.integrity", "ledger.modes", "spool", "backups", "hooks.claude-code.installed",
            "hooks.claude-code.last_run"} <= actions, actions
    assert all(c["fix"] for c in data["checks"] if c["status"] == "action")
    assert ".recover" in checks["ledger.integrity"]["fix"]
    assert "not an executable" in checks["hooks.claude-code.installed"]["message"]
    assert checks["spool"]["details"]["pending"] == 1
    text = run("doctor")
    assert text.returncode == 1
    lines = text.stdout.splitlines()
    assert lines[-1] == f"needs action: {len(actions)}"
    assert sum(line.startswith("       fix: ") for line in lines) == len(actions)


def test_cleanup_soon_is_an_action(home: Path, claude: Path) -> None:
    files = corpus.build(claude)
    assert run("hooks", "install", "claude-code").returncode == 0
    assert run("log", "--model", "m", "--input", "1", "-q").returncode == 0
    (claude / "settings.json").write_text(json.dumps({**json.loads((claude / "settings.json").read_text()),
                                                      "cleanupPeriodDays": 10}))
    t = files["b"].stat().st_mtime - 5 * 86400
    os.utime(files["b"], (t, t))
    _code, data = doctor_json()
    c = by_check(data)["positions.claude-code.cleanup"]
    assert c["status"] == "action" and c["details"]["cleanup_days"] == 10
    assert c["fix"] == "tokenprint import claude-code"


def test_little_free_space_is_an_action(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, claude: Path) -> None:
    mnt = tmp_path / "small"
    mnt.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.decode().strip()}")
    try:
        monkeypatch.setenv("TOKENPRINT_HOME", str(mnt / "home"))
        monkeypatch.delenv("TOKENPRINT_DATABASE_URL", raising=False)
        _code, data = doctor_json()
        disk = by_check(data)["disk"]
        assert disk["status"] == "action" and disk["details"]["free_bytes"] < 100_000_000
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
