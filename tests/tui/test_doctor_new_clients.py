"""``tokenprint doctor --json`` on a machine with Codex, Gemini CLI and opencode: each
client's files in its real format, ``tokenprint hooks install <client>``, one hook run
and one import, then what doctor says of each (installed, last run, positions, a
source removed, a settings file it cannot understand, Gemini CLI's 30-day cleanup).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.clients_env import isolate_clients
from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import codex_corpus as cc
from tests.hooks import gemini_corpus as gc
from tests.hooks import opencode_corpus as oc


@dataclass
class Machine:
    user: Path
    settings: Path  # what `hooks install` edits (user scope)
    events: list[str]  # what it installs there
    kind: str
    payload: str  # a real hook payload
    files: int  # sources known after the hook and the import
    doomed: list[Path]  # one source (and its companions) to remove


@pytest.fixture
def user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    u = isolate_clients(tmp_path, monkeypatch, path=True)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "no-claude"))
    monkeypatch.chdir(tmp_path)
    return u


def _codex(user: Path, _mp: pytest.MonkeyPatch) -> Machine:
    root = user / ".codex"
    files = cc.build(root)
    # a, g, b, c, d, e, f, archived a, archived b.zst (a's .zst sibling is not a source)
    return Machine(user, root / "hooks.json", ["Stop", "SubagentStop"], "hooks",
                   json.dumps(cc.stop_payload(files["a"])), 9, [files["c"]])


def _gemini(user: Path, _mp: pytest.MonkeyPatch) -> Machine:
    files = gc.build(user)
    return Machine(user, user / ".gemini" / "settings.json", ["AfterAgent", "SessionEnd"], "hooks",
                   gc.after_agent(files["a"]), 5, [files["gamma"]])


def _opencode(user: Path, mp: pytest.MonkeyPatch) -> Machine:
    fx = oc.build_fixture(user.parent / "machine")
    mp.setenv("XDG_DATA_HOME", str(user.parent / "machine" / "data"))  # opencode.db, opencode-dev.db, storage/
    body = json.dumps({"hook_event_name": "session.idle", "session_id": oc.SES_A, "directory": "/p/alpha"})
    dev = fx["dev"]
    return Machine(user, user / ".config" / "opencode" / "plugins" / "tokenprint.js", ["plugin"], "plugin",
                   body, 3, [dev, Path(str(dev) + "-wal"), Path(str(dev) + "-shm")])


MACHINES: dict[str, Callable[[Path, pytest.MonkeyPatch], Machine]] = {
    "codex": _codex, "gemini-cli": _gemini, "opencode": _opencode,
}


def doctor(expect: int | None = None) -> tuple[int, dict[str, dict[str, Any]]]:
    proc = run("doctor", "--json")
    assert proc.stderr == "", proc.stderr
    data = json.loads(proc.stdout)
    if expect is not None:
        assert proc.returncode == expect, [c for c in data["checks"] if c["status"] == "action"]
    return proc.returncode, {c["check"]: c for c in data["checks"]}


def setup(client: str, user: Path, monkeypatch: pytest.MonkeyPatch) -> Machine:
    m = MACHINES[client](user, monkeypatch)
    proc = run("hooks", "install", client)
    assert proc.returncode == 0, proc.stderr
    proc = run(client, input=m.payload, exe=TOKENPRINT_HOOK)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    proc = run("import", client, "--no-progress")
    assert proc.returncode == 0, proc.stderr
    return m


@pytest.mark.parametrize("client", sorted(MACHINES))
def test_doctor_reports_a_client_installed_run_and_read(
    client: str, user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    m = setup(client, user, monkeypatch)
    _code, checks = doctor()
    installed = checks[f"hooks.{client}.installed"]
    assert installed["status"] == "ok", installed
    assert installed["details"]["settings"] == str(m.settings)
    assert installed["details"]["scope"] == "user" and installed["details"]["kind"] == m.kind
    assert installed["details"]["events"] == m.events and installed["details"]["missing"] == []
    last = checks[f"hooks.{client}.last_run"]
    assert last["status"] == "ok" and last["details"]["last_run"]["ok"] is True, last
    cleanup = checks[f"positions.{client}.cleanup"]
    assert cleanup["status"] == "ok", cleanup
    assert (cleanup["details"]["files"], cleanup["details"]["unread"]) == (m.files, 0)
    assert f"positions.{client}.vanished" not in checks
    # a source removed: its usage stays, doctor says one is gone
    for p in m.doomed:
        p.unlink(missing_ok=True)
    _code, checks = doctor()
    vanished = checks[f"positions.{client}.vanished"]
    assert vanished["status"] == "info" and vanished["details"] == {"vanished": 1}
    assert checks[f"positions.{client}.cleanup"]["details"]["files"] == m.files - 1


def test_codex_says_the_hook_is_not_yet_trusted(user: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    m = setup("codex", user, monkeypatch)
    _code, checks = doctor()
    note = checks["hooks.codex.notes"]
    assert note["status"] == "info" and note["details"]["settings"] == str(m.settings)
    assert "not yet trusted" in note["message"] and "/hooks" in note["message"]


MALFORMED = {
    "codex": (".codex/hooks.json", '{"hooks": {"Stop": [\n', "not valid JSON at line 2"),
    "gemini-cli": (".gemini/settings.json", '{\n  // mine\n  "hooks": 5,\n', "not valid JSON with comments"),
}


@pytest.mark.parametrize("client", sorted(MALFORMED))
def test_a_malformed_settings_file_is_an_action_naming_the_file(
    client: str, user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(client, user, monkeypatch)
    name, text, why = MALFORMED[client]
    path = user / name
    path.write_text(text)
    code, checks = doctor()
    assert code == 1
    finding = checks[f"hooks.{client}.settings"]
    assert finding["status"] == "action", finding
    assert str(path) in finding["message"] and why in finding["message"], finding["message"]
    assert finding["fix"] == f"fix {path} by hand, then: tokenprint hooks install {client}"
    assert path.read_text() == text  # doctor reads, never writes


@pytest.mark.parametrize("client", sorted(MALFORMED))
def test_a_malformed_settings_file_is_not_also_called_not_installed(
    client: str, user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(client, user, monkeypatch)
    name, text, _why = MALFORMED[client]
    (user / name).write_text(text)
    _code, checks = doctor()
    assert checks[f"hooks.{client}.installed"]["status"] != "action", checks[f"hooks.{client}.installed"]


# -- Gemini CLI deletes chats older than 30 days -----------------------------------------------


def _age(path: Path, days: float) -> None:
    t = path.stat().st_mtime - days * 86400
    os.utime(path, (t, t))


def test_gemini_chats_not_in_the_ledger_and_near_their_cleanup_are_an_action(
    user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Gemini CLI removes chat files whose mtime is older than ``general.sessionRetention.maxAge``,
    30 days by default (``packages/cli/src/config/settingsSchema.ts``, ``sessionCleanup.ts``)."""
    setup("gemini-cli", user, monkeypatch)
    fresh = user / ".gemini" / "tmp" / gc.sha("/p/delta") / "chats" / "session-2026-08-22T09-00-0d0e0f10.jsonl"
    fresh.parent.mkdir(parents=True)
    shutil.copyfile(user / ".gemini" / "tmp" / gc.sha("/p/gamma") / "chats" /
                    "session-2026-08-21T12-00-9c0d1e2f.jsonl", fresh)
    _age(fresh, 27)  # not read yet, and Gemini CLI deletes it in 3 days
    code, checks = doctor()
    c = checks["positions.gemini-cli.cleanup"]
    assert code == 1 and c["status"] == "action", c
    assert c["details"] == {"soon": 1, "cleanup_days": 30, "first": str(fresh)}
    assert c["fix"] == "tokenprint import gemini-cli"
    assert run("import", "gemini-cli", "--no-progress").returncode == 0
    _code, checks = doctor()
    assert checks["positions.gemini-cli.cleanup"]["status"] == "ok"


def test_gemini_retention_turned_off_is_no_cleanup_warning(
    user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup("gemini-cli", user, monkeypatch)
    settings = user / ".gemini" / "settings.json"
    data = json.loads(settings.read_text())
    data["general"] = {"sessionRetention": {"enabled": False}}
    settings.write_text(json.dumps(data, indent=2))
    gamma = user / ".gemini" / "tmp" / gc.sha("/p/gamma") / "chats" / "session-2026-08-21T12-00-9c0d1e2f.jsonl"
    with open(gamma, "a") as f:
        f.write(gc.line(gc.gemini("x2-aaaa", "2026-08-21T12:05:00.000Z", gc.tokens(1, 1))))
    _age(gamma, 27)
    _code, checks = doctor()
    assert checks["positions.gemini-cli.cleanup"]["status"] == "ok"


def test_gemini_retention_of_a_week_in_a_commented_settings_file_is_read(
    user: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``maxAge: "7d"`` in a settings.json with comments: a chat 3 days old, not yet in
    the ledger, goes within the week (with the 30-day default it would not be at risk)."""
    setup("gemini-cli", user, monkeypatch)
    settings = user / ".gemini" / "settings.json"
    data = json.loads(settings.read_text())
    data["general"] = {"sessionRetention": {"enabled": True, "maxAge": "7d"}}
    settings.write_text("// my settings\n" + json.dumps(data, indent=2) + "\n")
    gamma = user / ".gemini" / "tmp" / gc.sha("/p/gamma") / "chats" / "session-2026-08-21T12-00-9c0d1e2f.jsonl"
    with open(gamma, "a") as f:
        f.write(gc.line(gc.gemini("x3-aaaa", "2026-08-21T12:06:00.000Z", gc.tokens(1, 1))))
    _age(gamma, 3)
    _code, checks = doctor()
    c = checks["positions.gemini-cli.cleanup"]
    assert c["status"] == "action" and c["details"]["cleanup_days"] == 7, c
    assert str(settings) in c["message"], c["message"]


def test_gemini_cleanup_days_in_follows_gemini_cli_rules() -> None:
    import math

    from hooks.gemini_cli import cleanup_days_in

    r = lambda v: cleanup_days_in({"general": {"sessionRetention": v}})  # noqa: E731
    assert cleanup_days_in({}) is None and r(None) is None
    assert r({"enabled": False, "maxAge": "7d"}) == math.inf
    assert (r({"maxAge": "7d"}), r({"maxAge": "2w"}), r({"maxAge": "1m"}), r({"maxAge": "48h"})) == (7, 14, 30, 2)
    assert r({"maxAge": "0d"}) is None and r({"maxAge": 7}) is None  # not a period Gemini CLI accepts
    assert r({"enabled": True, "maxAge": "soon"}) == math.inf  # an invalid maxAge: no age-based cleanup
