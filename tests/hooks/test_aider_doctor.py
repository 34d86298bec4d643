"""``tokenprint doctor --json`` on a machine with aider's files (``aider_corpus``) after
``tokenprint import aider``: no hook check to fail (aider has none), the logs known and
in the ledger, one that was removed named, one grown since named as unread.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hooks import aider
from tests.clients_env import isolate_clients
from tests.conftest import run
from tests.hooks import aider_corpus as ac


@pytest.fixture
def machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[dict[str, Path]]:
    user = isolate_clients(tmp_path, monkeypatch, path=True)  # no client program on PATH
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "no-claude"))
    monkeypatch.delenv(aider.ENV_LOG, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    files = ac.build(user, repo)
    yield {**files, "user": user, "repo": repo}
    monkeypatch.undo()
    time.tzset()


def doctor() -> tuple[int, dict[str, dict[str, Any]]]:
    proc = run("doctor", "--json")
    assert proc.stderr == "", proc.stderr
    data = json.loads(proc.stdout)
    return proc.returncode, {c["check"]: c for c in data["checks"]}


def aider_checks(checks: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in checks.items() if ".aider" in k}


def test_doctor_after_an_import_of_aider(machine: dict[str, Path], home: Path) -> None:
    proc = run("import", "aider", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    code, checks = doctor()
    mine = aider_checks(checks)
    assert "hooks.aider.installed" not in mine and "hooks.aider.settings" not in mine  # nothing to install
    assert all(c["status"] != "action" for c in mine.values()), mine
    cleanup = mine["positions.aider.cleanup"]
    assert cleanup["status"] == "ok" and cleanup["details"] == {"files": 3, "unread": 0, "cleanup_days": None}
    assert "positions.aider.vanished" not in mine
    # aider writes more: the log is unread until the next import
    ac.complete_torn_line(machine["home_log"])
    _code, checks = doctor()
    assert checks["positions.aider.cleanup"]["details"] == {"files": 3, "unread": 1, "cleanup_days": None}
    assert run("import", "aider", "--no-progress").returncode == 0
    _code, checks = doctor()
    assert checks["positions.aider.cleanup"]["details"]["unread"] == 0
    # a log removed: its usage stays, doctor says one is gone
    os.unlink(machine["repo_log"])
    _code, checks = doctor()
    assert checks["positions.aider.vanished"] == {
        "check": "positions.aider.vanished", "status": "info", "fix": None, "details": {"vanished": 1},
        "message": "aider: 1 source file read earlier no longer exist (their usage stays in the ledger)"}
    assert checks["positions.aider.cleanup"]["details"]["files"] == 2


def test_doctor_on_a_machine_without_aider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    isolate_clients(tmp_path, monkeypatch, path=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "no-claude"))
    monkeypatch.delenv(aider.ENV_LOG, raising=False)
    monkeypatch.chdir(tmp_path)
    _code, checks = doctor()
    assert all(c["status"] != "action" for c in aider_checks(checks).values())
