"""``hooks.targets``: the installer declaration, and the commands generic over it.

:class:`JsonHooks` keeps the installer's promises (byte-idempotent install, exact
uninstall, foreign entries kept, a file it cannot understand refused and left
untouched). A fake adapter registered in ``hooks.ADAPTERS`` (one module, with a
JSON hooks target and a target of its own kind) is installed, inspected, checked by
``doctor`` and uninstalled by the real commands: a new client costs one module.
"""

from __future__ import annotations

import json
import os
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from hooks import installer
from hooks.tail import Position
from hooks.targets import JsonHooks, Target, TargetStatus, hook_command

FOREIGN = '{\n    "theme": "dark",\n    "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}\n}\n'
ARGV = ["/opt/tp/bin/tokenprint-hook", "fake", "--home", "/x y"]


def _settings(root: Path) -> types.FunctionType:
    def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        return root / scope / "settings.json"

    return settings_path  # type: ignore[return-value]


@pytest.fixture
def target(tmp_path: Path) -> JsonHooks:
    return JsonHooks(events=("Stop", "AfterAgent"), timeout=7, settings_path=_settings(tmp_path / "cfg"),
                     scopes=("user", "project"))


def test_json_hooks_is_a_target_and_joins_the_argv_with_the_marker(target: JsonHooks) -> None:
    assert isinstance(target, Target)
    assert hook_command(ARGV) == "/opt/tp/bin/tokenprint-hook fake --home '/x y' # tokenprint-managed"
    assert target.describe() == "Stop, AfterAgent"
    with pytest.raises(ValueError, match="unknown scope 'local'"):
        target.path("local")


@pytest.mark.parametrize("original", [None, "", "{}", FOREIGN])
def test_install_twice_same_bytes_and_uninstall_gives_the_original_back(
    target: JsonHooks, home: Path, original: str | None
) -> None:
    path = target.path("user")
    path.parent.mkdir(parents=True)
    if original is not None:
        path.write_text(original)
    assert target.install(home, "user", ARGV) == "installed"
    once = path.read_bytes()
    assert target.install(home, "user", ARGV) == "already installed"
    assert path.read_bytes() == once
    data = json.loads(once)
    entry = {"type": "command", "command": hook_command(ARGV), "timeout": 7}
    assert data["hooks"]["AfterAgent"] == [{"hooks": [entry]}]
    st = target.status(home, "user")
    assert st == TargetStatus(path, "user", "hooks", ["Stop", "AfterAgent"], [], [hook_command(ARGV)])
    assert target.status(home, "project") == TargetStatus(target.path("project"), "project", "hooks", [], [], [])
    assert target.uninstall(home, "user") in ("restored the original content", "removed the file we had created")
    if original is None:
        assert not path.exists()
    else:
        assert path.read_text() == original
    assert target.status(home, "user").installed == []


def test_foreign_entries_are_kept_and_a_missing_event_is_reported(target: JsonHooks, home: Path) -> None:
    path = target.path("user")
    path.parent.mkdir(parents=True)
    path.write_text(FOREIGN)
    target.install(home, "user", ARGV)
    data = json.loads(path.read_text())
    assert data["theme"] == "dark"
    assert data["hooks"]["Stop"][0] == {"hooks": [{"type": "command", "command": "say done"}]}
    del data["hooks"]["AfterAgent"]  # the user removed one of ours by hand
    path.write_text(json.dumps(data))
    st = target.status(home, "user")
    assert (st.installed, st.missing) == (["Stop"], ["AfterAgent"])


def test_a_file_it_cannot_understand_is_refused_and_left_untouched(target: JsonHooks, home: Path) -> None:
    path = target.path("user")
    path.parent.mkdir(parents=True)
    path.write_text('{"hooks": []}')
    with pytest.raises(installer.SettingsError, match='"hooks" is a JSON list'):
        target.install(home, "user", ARGV)
    path.write_text("{nope")
    with pytest.raises(installer.SettingsError, match="not valid JSON at line 1 column 2"):
        target.uninstall(home, "user")
    assert path.read_text() == "{nope"
    st = target.status(home, "user")
    assert st.problem is not None and "not valid JSON" in st.problem and st.installed == []
    assert not list((home / "backups").glob("*.bak"))


def test_the_status_line_shows_up_as_a_note(target: JsonHooks, home: Path) -> None:
    path = target.path("user")
    path.parent.mkdir(parents=True)
    installer.install_statusline(home, path, lambda _prev: installer.marked("tp statusline"))
    st = target.status(home, "user")
    assert st.installed == [] and len(st.notes) == 1 and st.notes[0].startswith("status line installed in ")


# -- the one "fully read" rule ---------------------------------------------------------------


def test_fully_read_is_one_rule_for_files_and_databases(tmp_path: Path) -> None:
    import sqlite3

    from hooks.dbsource import signature
    from hooks.doctor import fully_read

    f = tmp_path / "a.jsonl"
    f.write_bytes(b'{"a": 1}\n{"b"')  # 13 bytes, an unterminated last line of 4
    st = f.stat()
    ino = f"{st.st_ino}:13:ffff"
    assert not fully_read(None, st)
    assert fully_read(Position(identity=ino, offset=9, size=13), st)  # to its end as it is now
    assert not fully_read(Position(identity=ino, offset=9, size=-1), st)  # half read (killed)
    assert not fully_read(Position(identity=ino, offset=9, size=9), st)  # grown since
    assert not fully_read(Position(identity="1:13:ffff", offset=13, size=13), st)  # another file
    # a database: the signature of its last complete read (file and -wal) is the one it has now
    db = tmp_path / "x.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    dst = db.stat()
    read = Position(identity=f"{dst.st_ino}:{dst.st_dev}:db", size=dst.st_size,
                    state={"sig": signature(str(db), "sqlite")})
    assert fully_read(read, dst, str(db), "sqlite")
    conn.execute("INSERT INTO t VALUES (1)")  # in the -wal: the main file is as it was
    conn.commit()
    assert db.stat().st_size == dst.st_size
    assert not fully_read(read, db.stat(), str(db), "sqlite")
    conn.close()
    # a folder of records: its last walk was complete
    d = tmp_path / "storage"
    d.mkdir()
    dst = d.stat()
    assert fully_read(Position(identity=f"{dst.st_ino}:0:tree", size=dst.st_size), dst, str(d), "tree")
    assert not fully_read(Position(identity=f"{dst.st_ino}:0:tree", size=-1), dst, str(d), "tree")


# -- a fake client: one module -------------------------------------------------------------------


@dataclass(frozen=True)
class DropFile:
    """A target of another kind: a file of ours dropped in a folder (like a plugin)."""

    folder: Path
    kind: str = "plugin"
    scopes: tuple[str, ...] = ("user",)

    def path(self, scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
        return self.folder / "tokenprint.js"

    def install(self, home: Path, scope: str, argv: list[str]) -> str:
        content = f"// tokenprint-managed\nexport const argv = {json.dumps(argv)}\n".encode()
        path = self.path(scope)
        if path.exists() and path.read_bytes() == content:
            return "already installed"
        installer.write_atomic(path, content, home)
        return "installed"

    def uninstall(self, home: Path, scope: str) -> str:
        path = self.path(scope)
        if not path.exists():
            return "nothing installed"
        installer.write_atomic(path, None, home)
        return "removed the file we had created"

    def status(self, home: Path, scope: str) -> TargetStatus:
        path = self.path(scope)
        if not path.exists():
            return TargetStatus(path, scope, self.kind, [], [], [])
        argv = json.loads(path.read_text().split("argv = ", 1)[1])
        return TargetStatus(path, scope, self.kind, ["plugin"], [], [" ".join(argv)],
                            notes=["restart the client to load it"])

    def applies(self, env: Mapping[str, str] | None = None) -> bool:
        return True


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[types.ModuleType]:
    from hooks import ADAPTERS

    root = tmp_path / "fake-home"
    logs = root / "logs"
    logs.mkdir(parents=True)
    (logs / "one.log").write_bytes(b"x" * 1000)
    (logs / "two.log").write_bytes(b"y" * 500)
    mod = types.ModuleType("tp_fake_adapter")
    mod.CLIENT = "fake"  # type: ignore[attr-defined]
    mod.NAME = "Fake"  # type: ignore[attr-defined]
    mod.SOURCE_NOUN = "logs"  # type: ignore[attr-defined]
    mod.DEFAULT_CLEANUP_DAYS = 400  # type: ignore[attr-defined]
    mod.SCOPES = ("user", "project")  # type: ignore[attr-defined]
    mod.settings_path = _settings(root / "cfg")  # type: ignore[attr-defined]
    mod.HOOK_EVENTS = ("Stop",)  # type: ignore[attr-defined]
    mod.INSTALL = (JsonHooks(events=("Stop",), timeout=5, settings_path=mod.settings_path,  # type: ignore[attr-defined]
                             scopes=("user", "project")), DropFile(root / "plugins"))
    mod.present = lambda env=None: root.is_dir()  # type: ignore[attr-defined]
    mod.default_roots = lambda env=None: [logs]  # type: ignore[attr-defined]
    mod.transcripts = lambda paths: sorted(str(p) for d in paths for p in Path(d).glob("*.log"))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tp_fake_adapter", mod)
    monkeypatch.setitem(ADAPTERS, "fake", "tp_fake_adapter")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "no-claude"))  # Claude Code: not here
    from tests.clients_env import isolate_clients

    isolate_clients(tmp_path, monkeypatch, path=True)
    yield mod


def tp(*args: str) -> tuple[int, str]:
    from tui.cli import cli

    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_a_new_client_is_one_module_install_status_doctor_uninstall(fake: types.ModuleType, home: Path) -> None:
    from hooks.doctor import client_findings

    json_target, drop = fake.INSTALL
    settings = json_target.path("user")
    plugin = drop.path("user")
    code, out = tp("hooks", "install", "--all")
    assert code == 0, out
    lines = out.splitlines()
    from tui.commands.hooks_cmd import adapters

    skipped = sorted(set(adapters()) - {"fake"})  # the clients with hooks to install
    assert lines[0] == f"skipped (not found on this machine): {', '.join(skipped)}"
    assert lines[1] == f"fake: installed in {settings} (Stop)"
    assert lines[2] == f"fake: installed in {plugin} (plugin)"
    assert lines[3] == "  note: restart the client to load it"
    command = json.loads(settings.read_text())["hooks"]["Stop"][0]["hooks"][0]["command"]
    assert command.endswith(" fake # tokenprint-managed") or " fake --home " in command
    assert json.loads(plugin.read_text().split("argv = ")[1])[1] == "fake"

    code, out = tp("hooks", "status", "fake")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"fake: hooks installed in {settings} (user): Stop"
    assert lines[1].startswith("  command: ") and lines[1].endswith("# tokenprint-managed")
    assert lines[2] == f"fake: plugin installed in {plugin} (user): plugin"
    assert lines[4] == "  note: restart the client to load it"
    assert lines[5] == "fake: the hook has not run yet"
    assert lines[6] == ("fake: 2 of 2 logs (0.0 MB) have usage not yet in the ledger "
                        "(Fake deletes logs after 400 days, default): run `tokenprint import fake`")

    findings = {f.check: f for f in client_findings(home) if f.check.startswith("hooks.fake")}
    assert findings["hooks.fake.installed"].status == "ok"
    assert findings["hooks.fake.notes"].message == "fake: restart the client to load it"
    assert findings["hooks.fake.last_run"].status == "info"

    code, out = tp("hooks", "uninstall", "--all")
    assert code == 0, out
    assert out.splitlines() == [f"fake: removed the file we had created ({settings})",
                                f"fake: removed the file we had created ({plugin})"]
    assert not settings.exists() and not plugin.exists()
    code, out = tp("hooks", "uninstall", "--all")
    assert (code, out) == (0, "nothing of ours is installed in any client (user scope)\n")


def test_a_client_without_the_scope_and_one_not_found(fake: types.ModuleType, home: Path) -> None:
    from hooks.doctor import client_findings

    # --scope project: the JSON target has it, the plugin target has not (skipped quietly)
    code, out = tp("hooks", "install", "fake", "--scope", "project")
    assert code == 0, out
    assert out.splitlines()[0] == f"fake: installed in {fake.INSTALL[0].path('project')} (Stop)"
    assert "usually committed" in out.splitlines()[1]
    # a client that is not on this machine: doctor says so without asking for action
    fake.present = lambda env=None: False  # type: ignore[attr-defined]
    assert tp("hooks", "uninstall", "fake", "--scope", "project")[0] == 0
    got = [f for f in client_findings(home) if f.check == "hooks.fake.installed"]
    assert [(f.status, f.message) for f in got] == [("info", "fake: not found on this machine, nothing installed")]
    code, out = tp("hooks", "install")
    assert code == 0
    assert out.splitlines()[-1] == "no client found on this machine: name one (tokenprint hooks install CLIENT)"
    assert not os.path.exists(fake.INSTALL[0].path("user"))


def test_a_scope_no_target_of_the_client_has(fake: types.ModuleType, home: Path) -> None:
    code, out = tp("hooks", "install", "fake", "--scope", "local")
    assert code == 2
    assert "tokenprint: fake has no local scope (its scopes: user, project)" in out
    assert not os.path.exists(fake.INSTALL[0].path("user"))
