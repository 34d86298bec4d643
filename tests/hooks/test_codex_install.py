"""Codex's installer targets: ``hooks.json`` (JsonHooks, with Codex's trust noted) and
``notify`` in ``config.toml`` (hooks.toml_config), each passing the four installer
tests (byte-idempotent install, exact uninstall, foreign entries kept, malformed
untouched); config.toml's comments survive byte for byte, and a user's existing
notify program still receives its argument through our hook."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hooks import codex
from hooks.installer import SettingsError
from tests.conftest import TOKENPRINT_HOOK
from tests.hooks import codex_corpus as cc
from tests.hooks.helpers import buckets

HOOKS, NOTIFY = codex.INSTALL

CONFIG = """\
# Codex configuration (my own comments stay)
model = "gpt-5-codex"   # the default model
approval_policy = "on-request"

[features]
# web search on
web_search_request = true

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]  # pinned
"""

FOREIGN_HOOKS: dict[str, Any] = {
    "hooks": {
        "Stop": [{"hooks": [{"type": "command", "command": "say done", "timeout": 5}]}],
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}],
    },
}


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "codex-home"
    root.mkdir()
    monkeypatch.setenv("CODEX_HOME", str(root))
    return root


def argv(home: Path) -> list[str]:
    return [TOKENPRINT_HOOK, "codex", "--home", str(home)]


# -- hooks.json ---------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["absent", "empty-object", "foreign"])
def test_hooks_json_install_twice_same_bytes_and_exact_uninstall(codex_home: Path, home: Path, start: str) -> None:
    path = codex_home / "hooks.json"
    original = {"absent": None, "empty-object": b"{}\n",
                "foreign": json.dumps(FOREIGN_HOOKS, indent=4).encode()}[start]
    if original is not None:
        path.write_bytes(original)
    assert HOOKS.install(home, "user", argv(home)) == "installed"
    first = path.read_bytes()
    data = json.loads(first)
    ours = [h for e in ("Stop", "SubagentStop") for g in data["hooks"][e] for h in g["hooks"]
            if "tokenprint-hook" in h["command"]]
    assert [h["timeout"] for h in ours] == [10, 10] and all("# tokenprint-managed" in h["command"] for h in ours)
    assert HOOKS.install(home, "user", argv(home)) == "already installed"
    assert path.read_bytes() == first
    st = HOOKS.status(home, "user")
    assert (st.installed, st.missing) == (["Stop", "SubagentStop"], [])
    HOOKS.uninstall(home, "user")
    assert (path.read_bytes() if path.exists() else None) == original


def test_hooks_json_keeps_foreign_entries(codex_home: Path, home: Path) -> None:
    path = codex_home / "hooks.json"
    path.write_text(json.dumps(FOREIGN_HOOKS))
    HOOKS.install(home, "user", argv(home))
    data = json.loads(path.read_text())
    assert data["hooks"]["PreToolUse"] == FOREIGN_HOOKS["hooks"]["PreToolUse"]
    assert data["hooks"]["Stop"][0] == FOREIGN_HOOKS["hooks"]["Stop"][0]
    data["hooks"]["PostToolUse"] = [{"hooks": [{"type": "command", "command": "log.sh"}]}]  # the user edits
    path.write_text(json.dumps(data, indent=2))
    assert HOOKS.uninstall(home, "user") == "removed our entries"
    left = json.loads(path.read_text())
    assert left["hooks"]["PostToolUse"][0]["hooks"][0]["command"] == "log.sh"
    assert left["hooks"]["Stop"] == FOREIGN_HOOKS["hooks"]["Stop"]
    assert "SubagentStop" not in left["hooks"]


def test_hooks_json_malformed_is_refused_and_untouched(codex_home: Path, home: Path) -> None:
    path = codex_home / "hooks.json"
    for bad in (b'{"hooks": {"Stop": [', b'{"hooks": []}', b'{"hooks": {"Stop": {"x": 1}}}'):
        path.write_bytes(bad)
        with pytest.raises(SettingsError, match="left untouched"):
            HOOKS.install(home, "user", argv(home))
        assert path.read_bytes() == bad
    path.write_bytes(b'{"hooks": {"Stop": [')
    assert HOOKS.status(home, "user").problem is not None


def test_project_scope(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert HOOKS.path("project") == tmp_path / ".codex" / "hooks.json"
    HOOKS.install(home, "project", argv(home))
    assert "Stop" in json.loads((tmp_path / ".codex" / "hooks.json").read_text())["hooks"]
    HOOKS.uninstall(home, "project")
    assert not (tmp_path / ".codex" / "hooks.json").exists()


def test_project_scope_says_the_project_must_be_trusted_first(
    tmp_path: Path, codex_home: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Codex 0.171 reads a project's .codex/hooks.json only in a trusted project."""
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    HOOKS.install(home, "project", argv(home))
    notes = HOOKS.status(home, "project").notes
    assert len(notes) == 1 and "trust the project itself" in notes[0] and str(project) in notes[0]
    (codex_home / "config.toml").write_text(f'[projects."{project}"]\ntrust_level = "trusted"\n')
    notes = HOOKS.status(home, "project").notes
    assert len(notes) == 1 and "not yet trusted by Codex" in notes[0], notes


def test_status_says_when_codex_has_not_trusted_the_hook(codex_home: Path, home: Path) -> None:
    HOOKS.install(home, "user", argv(home))
    notes = HOOKS.status(home, "user").notes
    assert len(notes) == 1 and "not yet trusted" in notes[0] and "/hooks" in notes[0]
    assert "Stop, SubagentStop" in notes[0]
    hooks_json = (codex_home / "hooks.json").absolute()
    # what Codex writes once the user trusts them in /hooks (codex-rs/hooks/src/config_rules.rs)
    (codex_home / "config.toml").write_text(
        f'[hooks.state."{hooks_json}:stop:0:0"]\ntrusted_hash = "sha256:aa"\n'
        f'[hooks.state."{hooks_json}:subagent_stop:0:0"]\ntrusted_hash = "sha256:bb"\n'
    )
    assert HOOKS.status(home, "user").notes == []
    (codex_home / "config.toml").write_text(
        f'[hooks.state."{hooks_json}:stop:0:0"]\ntrusted_hash = "sha256:aa"\n'
        f'[hooks.state."{hooks_json}:subagent_stop:0:0"]\nenabled = false\n'
    )
    notes = HOOKS.status(home, "user").notes
    assert notes == ["disabled in Codex (SubagentStop): enable it again in /hooks"]


def test_trust_keys_follow_our_position_among_foreign_hooks(codex_home: Path, home: Path) -> None:
    (codex_home / "hooks.json").write_text(json.dumps(FOREIGN_HOOKS))
    HOOKS.install(home, "user", argv(home))
    hooks_json = (codex_home / "hooks.json").absolute()
    # ours is the second group of Stop (the user's comes first), the first of SubagentStop
    (codex_home / "config.toml").write_text(
        f'[hooks.state."{hooks_json}:stop:0:0"]\ntrusted_hash = "sha256:theirs"\n'
        f'[hooks.state."{hooks_json}:subagent_stop:0:0"]\ntrusted_hash = "sha256:bb"\n'
    )
    notes = HOOKS.status(home, "user").notes
    assert len(notes) == 1 and "(Stop)" in notes[0]


# -- notify in config.toml ----------------------------------------------------------------


def notify_of(path: Path) -> object:
    return tomllib.loads(path.read_text()).get("notify")


@pytest.mark.parametrize("start", ["absent", "empty", "commented", "with-notify"])
def test_notify_install_twice_same_bytes_and_exact_uninstall(codex_home: Path, home: Path, start: str) -> None:
    path = codex_home / "config.toml"
    original = {
        "absent": None,
        "empty": b"",
        "commented": CONFIG.encode(),
        "with-notify": CONFIG.replace('approval_policy = "on-request"\n',
                                      'approval_policy = "on-request"\nnotify = ["notify-send", "Codex"]  # mine\n'
                                      ).encode(),
    }[start]
    if original is not None:
        path.write_bytes(original)
    said = NOTIFY.install(home, "user", argv(home))
    assert said.startswith("installed")
    first = path.read_bytes()
    value = notify_of(path)
    assert isinstance(value, list) and value[:4] == argv(home)
    if start == "with-notify":
        assert value[4:] == ["--then-argv", '["notify-send", "Codex"]']
        assert b"]  # mine\n" in first
    else:
        assert value == argv(home)
    if start == "commented":  # one line added, every other byte of the user's file kept
        ours = "notify = [" + ", ".join(json.dumps(w) for w in argv(home)) + "]\n"
        assert first == CONFIG.replace("[features]\n", ours + "\n[features]\n", 1).replace(
            'on-request"\n\n' + ours, 'on-request"\n' + ours).encode()
    if start == "with-notify":  # only the value changed: its line's comment and the rest kept
        assert first.replace(first[first.index(b"notify = "):first.index(b"  # mine")], b"") == \
            original.replace(b'notify = ["notify-send", "Codex"]', b"")  # type: ignore[union-attr]
    assert NOTIFY.install(home, "user", argv(home)) == "already installed"
    assert path.read_bytes() == first
    st = NOTIFY.status(home, "user")
    assert st.installed == ["notify"] and st.commands[0].startswith(TOKENPRINT_HOOK)
    NOTIFY.uninstall(home, "user")
    assert (path.read_bytes() if path.exists() else None) == original
    assert NOTIFY.uninstall(home, "user").startswith("nothing installed")


def test_notify_uninstall_keeps_the_users_later_edits(codex_home: Path, home: Path) -> None:
    path = codex_home / "config.toml"
    path.write_text(CONFIG.replace("[features]\n", 'notify = ["my-notifier"]\n\n[features]\n'))
    NOTIFY.install(home, "user", argv(home))
    path.write_text(path.read_text() + "\n[profiles.fast]\nmodel = \"o4-mini\"  # added later\n")
    assert "previous notify program is back" in NOTIFY.uninstall(home, "user")
    text = path.read_text()
    assert notify_of(path) == ["my-notifier"]
    assert '[profiles.fast]\nmodel = "o4-mini"  # added later\n' in text
    assert text.startswith("# Codex configuration (my own comments stay)\n")
    assert "tokenprint" not in text


@pytest.mark.parametrize("bad", [
    b'notify = ["a", \nmodel = 1\n',  # not TOML
    b'notify = "notify-send"\n',  # not a list
    b'notify = ["a", 1]\n',  # not strings
    b"\xff\xfe",  # not UTF-8
])
def test_notify_malformed_is_refused_and_untouched(codex_home: Path, home: Path, bad: bytes) -> None:
    path = codex_home / "config.toml"
    path.write_bytes(bad)
    with pytest.raises(SettingsError, match="left untouched"):
        NOTIFY.install(home, "user", argv(home))
    assert path.read_bytes() == bad
    assert NOTIFY.status(home, "user").problem is not None
    assert not list((home / "backups").glob("*.original")) if (home / "backups").exists() else True


def test_an_existing_notify_program_still_receives_its_argument(
    codex_home: Path, home: Path, tmp_path: Path
) -> None:
    """The user's notify program, run by our hook as Codex would have run it: its own
    argument, then the payload, as its last argument; and our hook does its work too."""
    cc.build(codex_home)
    out = tmp_path / "argv.json"
    script = tmp_path / "my-notify"
    script.write_text(f"#!{sys.executable}\nimport json, sys\n"
                      f"open({str(out)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    script.chmod(0o755)
    path = codex_home / "config.toml"
    path.write_text(CONFIG.replace("[features]\n", f'notify = ["{script}", "--from-codex"]\n\n[features]\n'))
    NOTIFY.install(home, "user", argv(home))
    installed = notify_of(path)
    assert isinstance(installed, list)
    payload = json.dumps(cc.notify_payload(cc.TD))
    proc = subprocess.run([*installed, payload], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "CODEX_HOME": str(codex_home)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(out.read_text()) == ["--from-codex", payload]
    assert buckets(home / "ledger.db") == {("2026-09-19", cc.M1): cc.row(700, 0, 800, 100, 100, 1)}


def test_a_broken_then_argv_is_logged_and_the_hook_still_works(codex_home: Path, home: Path) -> None:
    cc.build(codex_home)
    payload = json.dumps(cc.notify_payload(cc.TE))
    proc = subprocess.run([TOKENPRINT_HOOK, "codex", "--home", str(home), "--then-argv", "[not json", payload],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "CODEX_HOME": str(codex_home)})
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert "--then-argv is not a JSON list" in (home / "logs" / "hook.log").read_text()
    assert buckets(home / "ledger.db") == {("2026-09-19", cc.M2): cc.EXPECTED[("2026-09-19", cc.M2)]}


# -- which targets apply --------------------------------------------------------------------


def fake_codex(tmp_path: Path, version: str) -> dict[str, str]:
    bin_dir = tmp_path / f"bin-{version or 'none'}"
    bin_dir.mkdir()
    exe = bin_dir / "codex"
    exe.write_text(f"#!/bin/sh\necho 'codex-cli {version}'\n")
    exe.chmod(0o755)
    return {"PATH": str(bin_dir)}


def test_notify_applies_only_to_a_codex_without_stable_hooks(tmp_path: Path) -> None:
    assert NOTIFY.applies(fake_codex(tmp_path, "0.120.3")) is True
    assert NOTIFY.applies(fake_codex(tmp_path, "0.124.0")) is False
    assert NOTIFY.applies(fake_codex(tmp_path, "0.171.0")) is False
    assert NOTIFY.applies({"PATH": str(tmp_path / "empty")}) is False  # no codex: hooks.json only
    assert HOOKS.applies({"PATH": ""}) is True
    assert NOTIFY.scopes == ("user",) and HOOKS.scopes == ("user", "project")
    with pytest.raises(ValueError):
        NOTIFY.path("project")


REAL_CODEX = os.environ.get("TOKENPRINT_TEST_CODEX", "")


@pytest.mark.skipif(not REAL_CODEX, reason="no real Codex: set $TOKENPRINT_TEST_CODEX (.ci/run installs @openai/codex)")
def test_trust_as_the_real_codex_says_it(codex_home: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``hooks status`` asks Codex (``hooks/list``): untrusted, trusted once the hash Codex
    computes is recorded, and modified when our command changed after that."""
    monkeypatch.setenv("PATH", f"{Path(REAL_CODEX).parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("HOME", str(codex_home.parent))
    HOOKS.install(home, "user", argv(home))
    notes = HOOKS.status(home, "user").notes
    assert len(notes) == 1 and notes[0].startswith("not yet trusted by Codex (Stop, SubagentStop)")
    listed = codex.codex_hook_list(codex_home.parent)
    assert listed is not None
    ours = [h for h in listed if h["sourcePath"] == str(codex_home / "hooks.json")]
    assert sorted(h["key"].rsplit(":", 3)[1] for h in ours) == ["stop", "subagent_stop"]
    (codex_home / "config.toml").write_text("".join(
        f'[hooks.state."{h["key"]}"]\ntrusted_hash = "{h["currentHash"]}"\n' for h in ours))
    assert HOOKS.status(home, "user").notes == []
    HOOKS.install(home, "user", [*argv(home), "--verbose"])  # our command changed: Codex asks again
    notes = HOOKS.status(home, "user").notes
    assert len(notes) == 1 and notes[0].startswith("changed since Codex trusted it (Stop, SubagentStop)")
