"""Installing and uninstalling the hooks and the status line in any order, any number
of times, gives the user's bytes back (issue 9, point 7).

The installer runs for real on real files (in-process, so that every order can be
enumerated); one test runs the issue's order through the ``tokenprint`` command.
"""

from __future__ import annotations

import copy
import itertools
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import installer
from tests.clients_env import isolate_clients
from tests.conftest import run

EVENTS = ["Stop", "SubagentStop", "SessionEnd"]
HOOK_COMMAND = installer.marked("/opt/tp/bin/tokenprint-hook claude-code")

ONE_LINE_HOOKS = """{
  "model": "opus",
  "hooks": {
    "Stop": [{"hooks": [{"type": "command", "command": "say done", "timeout": 3}]}],
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}]
  },
  "permissions": {"allow": ["Bash(ls:*)"], "deny": []}
}
"""

#: Realistic settings.json files, each with a trap for a re-serialising installer.
ORIGINALS: dict[str, str | None] = {
    "absent": None,
    "empty-file": "",
    "empty-object": "{}",
    "one-line-hook-objects": ONE_LINE_HOOKS,
    "tabs": '{\n\t"theme": "dark",\n\t"hooks": {\n\t\t"Stop": [\n\t\t\t{"hooks": [{"type": "command", "command": "x"}]}\n\t\t]\n\t}\n}\n',
    "crlf": '{\r\n  "model": "sonnet",\r\n  "env": {"A": "1"}\r\n}\r\n',
    "unusual-key-order": (
        '{\n    "zeta": 1,\n    "hooks": {"SessionEnd": [{"hooks": [{"command": "bye.sh", "type": "command"}],'
        ' "matcher": ""}]},\n    "alpha": [3, 2, 1],\n    "model": "haiku"\n}\n'
    ),
    "unicode": '{\n  "outputStyle": "é — 日本語 🌍",\n  "escaped": "\\u00e9\\ud83c\\udf0d",\n  "n": 1.50\n}\n',
    "no-trailing-newline": '{\n  "cleanupPeriodDays": 45,\n  "hooks": {}\n}',
    "compact": '{"env":{"A":"1"},"hooks":{"SessionEnd":[{"hooks":[{"type":"command","command":"x"}]}]}}',
    "foreign-hooks-in-our-events": json.dumps({
        "hooks": {e: [{"matcher": "*", "hooks": [{"type": "command", "command": f"theirs-{e}.sh"}]},
                      {"hooks": [{"type": "command", "command": "notify", "timeout": 5}]}]
                  for e in EVENTS},
    }, indent=3),
    "empty-event-lists": '{\n  "hooks": {\n    "Stop": [],\n    "SubagentStop": [{"hooks": []}]\n  }\n}\n',
    "user-statusline": (
        '{\n  "statusLine": {"type": "command", "command": "echo \\"their # line\\"", "padding": 1},\n'
        '  "model": "opus"\n}\n'
    ),
    "user-statusline-and-hooks-crlf-bom": (
        '\ufeff{\r\n\t"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say hi"}]}]},\r\n'
        '\t"statusLine": {"type": "command", "command": "~/bin/line.sh --then x"}\r\n}'
    ),
}

OPS = ("hooks install", "statusline install", "hooks uninstall", "statusline uninstall")


def statusline_command(previous: str | None) -> str:
    """The command ``tokenprint statusline --install`` builds (tui/commands/statusline.py)."""
    words = ["/opt/tp/bin/tokenprint", "statusline"]
    if previous:
        words += ["--then", previous]
    return installer.marked(" ".join(shlex.quote(w) for w in words))


class Settings:
    """One settings file, its original bytes, and what of ours should be in it."""

    def __init__(self, folder: Path, name: str) -> None:
        self.home = folder / "home"
        self.path = folder / "claude" / "settings.json"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = ORIGINALS[name]
        self.original = None if text is None else text.encode("utf-8")
        if self.original is not None:
            self.path.write_bytes(self.original)
        self.installed: set[str] = set()

    def bytes(self) -> bytes | None:
        return self.path.read_bytes() if self.path.exists() else None

    def do(self, op: str) -> None:
        what, action = op.split()
        if op == "hooks install":
            installer.install_hooks(self.home, self.path, EVENTS, HOOK_COMMAND)
        elif op == "hooks uninstall":
            installer.uninstall_hooks(self.home, self.path, EVENTS)
        elif op == "statusline install":
            installer.install_statusline(self.home, self.path, statusline_command)
        else:
            installer.uninstall_statusline(self.home, self.path)
        (self.installed.add if action == "install" else self.installed.discard)(what)
        self.check(op)

    def check(self, op: str) -> None:
        """Every invariant, after every step."""
        now = self.bytes()
        if not self.installed:
            assert now == self.original, f"after {op}: not the original bytes"
            return
        assert now is not None
        data = json.loads(now.decode("utf-8-sig"))
        ours = installer.installed_hooks(data)
        if "hooks" in self.installed:
            assert ours == {e: [HOOK_COMMAND] for e in EVENTS}, op
        else:
            assert ours == {}, op
        line = data.get("statusLine")
        assert installer.statusline_is_ours(line) == ("statusline" in self.installed), op
        before = self.original_data()
        if "statusline" in self.installed:
            previous = before.get("statusLine", {}).get("command")
            assert line["command"] == statusline_command(previous)
        assert _canon(_without_ours(data, before)) == _canon(before), f"after {op}: user content changed"
        # a second identical install changes no byte
        again = {"hooks": "hooks install", "statusline": "statusline install"}
        for what in sorted(self.installed):
            if what == "hooks":
                said = installer.install_hooks(self.home, self.path, EVENTS, HOOK_COMMAND)
            else:
                said = installer.install_statusline(self.home, self.path, statusline_command)
            assert said == "already installed", again[what]
            assert self.bytes() == now, f"{again[what]} twice after {op} changed the file"

    def original_data(self) -> dict[str, Any]:
        if not self.original or not self.original.strip():
            return {}
        data: dict[str, Any] = json.loads(self.original.decode("utf-8-sig"))
        return data


def _without_ours(data: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    for groups in out.get("hooks", {}).values():
        for group in groups:
            group["hooks"] = [h for h in group["hooks"] if not installer.is_ours(h.get("command"))]
    if installer.statusline_is_ours(out.get("statusLine")):
        if "statusLine" in original:
            out["statusLine"] = original["statusLine"]
        else:
            del out["statusLine"]
    return out


def _canon(data: dict[str, Any]) -> dict[str, Any]:
    """Empty hook groups, event lists and ``hooks`` mean nothing: drop them."""
    out = copy.deepcopy(data)
    hooks = out.get("hooks", {})
    for event in list(hooks):
        hooks[event] = [g for g in hooks[event] if g.get("hooks") != []]
        if not hooks[event]:
            del hooks[event]
    if not hooks:
        out.pop("hooks", None)
    return out


FINALS = (("hooks uninstall", "statusline uninstall"), ("statusline uninstall", "hooks uninstall"))


def run_sequence(folder: Path, name: str, ops: tuple[str, ...]) -> None:
    """``ops`` then the final uninstalls (in both orders, each on its own copy): the
    original bytes, exactly."""
    for i, last in enumerate(FINALS):
        s = Settings(folder / f"final{i}", name)
        for op in ops + last:
            s.do(op)
        assert s.bytes() == s.original


@pytest.mark.parametrize("name", sorted(ORIGINALS))
def test_every_order_of_the_four_operations(tmp_path: Path, name: str) -> None:
    for i, ops in enumerate(itertools.permutations(OPS)):
        run_sequence(tmp_path / f"perm{i}", name, ops)


@pytest.mark.parametrize("name", sorted(ORIGINALS))
def test_every_sequence_of_three_with_repeats(tmp_path: Path, name: str) -> None:
    for i, ops in enumerate(itertools.product(OPS, repeat=3)):
        run_sequence(tmp_path / f"seq{i}", name, ops)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(ORIGINALS)), ops=st.lists(st.sampled_from(OPS), max_size=10))
def test_any_sequence_gives_the_bytes_back(tmp_path_factory: pytest.TempPathFactory, name: str,
                                           ops: list[str]) -> None:
    run_sequence(tmp_path_factory.mktemp("any"), name, tuple(ops))


@pytest.mark.parametrize("name", ["one-line-hook-objects", "user-statusline-and-hooks-crlf-bom"])
def test_the_issues_order_through_the_command(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch,
                                              name: str) -> None:
    """hooks install, statusline --install, hooks uninstall, statusline --uninstall (the
    issue: the one-line hook objects came back re-formatted), and the mirror order."""
    claude = tmp_path / "claude"
    claude.mkdir()
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    isolate_clients(tmp_path, monkeypatch)  # `hooks install` alone installs every client found
    path = claude / "settings.json"
    original = (ORIGINALS[name] or "").encode("utf-8")
    path.write_bytes(original)
    orders = [
        [("hooks", "install"), ("statusline", "--install"), ("hooks", "uninstall"), ("statusline", "--uninstall")],
        [("statusline", "--install"), ("hooks", "install"), ("statusline", "--uninstall"), ("hooks", "uninstall")],
    ]
    for order in orders:
        for args in order:
            proc = run(*args)
            assert proc.returncode == 0, proc.stderr
            assert json.loads(path.read_bytes().decode("utf-8-sig")) is not None
        assert path.read_bytes() == original, order


def test_an_edit_between_installs_is_kept_by_the_uninstalls(tmp_path: Path) -> None:
    s = Settings(tmp_path, "one-line-hook-objects")
    s.do("hooks install")
    s.do("statusline install")
    data = json.loads(s.path.read_text())
    data["theme"] = "light"
    data["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "later.sh"}]})
    s.path.write_text(json.dumps(data, indent=2) + "\n")
    installer.uninstall_hooks(s.home, s.path, EVENTS)
    installer.uninstall_statusline(s.home, s.path)
    after = json.loads(s.path.read_text())
    expected = s.original_data()
    expected["theme"] = "light"
    expected["hooks"]["Stop"].append({"hooks": [{"type": "command", "command": "later.sh"}]})
    assert after == expected
    assert not list((s.home / "backups").glob("*.original"))  # nothing of ours left: forgotten


def test_a_snapshot_of_an_older_version_still_gives_the_bytes_back(tmp_path: Path) -> None:
    """Before this version the hooks and the status line each kept their own snapshot."""
    s = Settings(tmp_path, "one-line-hook-objects")
    assert s.original is not None
    old = installer.backup_dir(s.home) / f"{installer._key(s.path)}.hooks.original"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"+" + s.original)
    loaded = installer.load(s.path)
    s.path.write_bytes(installer.dumps(loaded, installer.with_hooks(loaded.data, EVENTS, HOOK_COMMAND, 10)))
    s.installed.add("hooks")
    s.do("statusline install")
    s.do("hooks uninstall")
    s.do("statusline uninstall")
    assert s.bytes() == s.original and not old.exists()
