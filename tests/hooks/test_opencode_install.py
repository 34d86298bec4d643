"""``tokenprint hooks install opencode``: our plugin file, and the plugin itself under node.

The plugin file target (``hooks.plugin_file.PluginFile``): byte-idempotent install,
exact uninstall, a foreign file of the same name refused and untouched, a foreign
plugin beside ours untouched, status installed / outdated / missing. The JS plugin
(``plugins/opencode/tokenprint.js``) is imported by real node, its ``event`` hook
called with a ``session.idle`` event: a fake ``tokenprint-hook`` on PATH records its
stdin; without any ``tokenprint-hook`` nothing throws; a slow hook delays nothing.
When the real ``opencode`` is installed, its own config resolution lists our plugin.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hooks import opencode
from hooks.installer import SettingsError
from hooks.plugin_file import MARKER, PluginFile, argv_of
from tests.conftest import run

ARGV = ["/opt/tp/bin/tokenprint-hook", "opencode", "--home", "/data/tp"]


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$XDG_CONFIG_HOME`` in the test's folder; returns opencode's plugins folder."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    return tmp_path / "config" / "opencode" / "plugins"


def target() -> PluginFile:
    (t,) = opencode.INSTALL
    assert isinstance(t, PluginFile)
    return t


def test_install_is_byte_idempotent(cfg: Path, home: Path) -> None:
    t = target()
    assert t.path("user") == cfg / "tokenprint.js"
    assert t.install(home, "user", ARGV) == "installed"
    first = (cfg / "tokenprint.js").read_bytes()
    assert t.install(home, "user", ARGV) == "already installed"
    assert (cfg / "tokenprint.js").read_bytes() == first
    assert first.split(b"\n", 1)[0].startswith(b"// " + MARKER.encode())
    assert argv_of(first) == ARGV
    assert t.state(home, "user") == "installed"
    st = t.status(home, "user")
    assert (st.installed, st.missing, st.commands, st.notes) == (
        ["plugin"], [], ["/opt/tp/bin/tokenprint-hook opencode --home /data/tp"], [])
    # Another command replaces ours (the file is still ours).
    assert t.install(home, "user", [*ARGV[:2]]) == "updated"
    assert argv_of((cfg / "tokenprint.js").read_bytes()) == ARGV[:2]


def test_uninstall_is_exact_and_keeps_a_foreign_plugin_beside_ours(cfg: Path, home: Path) -> None:
    cfg.mkdir(parents=True)
    theirs = cfg / "their-plugin.js"
    theirs.write_bytes(b"export const Theirs = async () => ({})\n")
    t = target()
    t.install(home, "user", ARGV)
    assert sorted(p.name for p in cfg.iterdir()) == ["their-plugin.js", "tokenprint.js"]
    assert t.uninstall(home, "user") == "removed our plugin"
    assert [p.name for p in cfg.iterdir()] == ["their-plugin.js"]
    assert theirs.read_bytes() == b"export const Theirs = async () => ({})\n"
    assert t.uninstall(home, "user") == "nothing installed"
    assert t.state(home, "user") == "missing"


def test_a_foreign_file_of_the_same_name_is_refused_and_untouched(cfg: Path, home: Path) -> None:
    cfg.mkdir(parents=True)
    foreign = cfg / "tokenprint.js"
    foreign.write_bytes(b"// my own tokenprint experiment\nexport const Mine = async () => ({})\n")
    before = foreign.read_bytes()
    t = target()
    with pytest.raises(SettingsError, match="not tokenprint's"):
        t.install(home, "user", ARGV)
    with pytest.raises(SettingsError, match="not tokenprint's"):
        t.uninstall(home, "user")
    assert foreign.read_bytes() == before
    assert t.state(home, "user") == "foreign"


def test_status_says_outdated(cfg: Path, home: Path) -> None:
    t = target()
    t.install(home, "user", ARGV)
    path = cfg / "tokenprint.js"
    path.write_bytes(path.read_bytes().replace(b"QUIET_MS = 1000", b"QUIET_MS = 5"))
    assert t.state(home, "user") == "outdated"
    assert t.install(home, "user", ARGV) == "updated"
    assert t.state(home, "user") == "installed"


def test_project_scope(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    monkeypatch.chdir(proj)
    t = target()
    assert t.install(home, "project", ARGV) == "installed"
    assert (proj / ".opencode" / "plugins" / "tokenprint.js").is_file()
    assert t.uninstall(home, "project") == "removed our plugin"
    assert not (proj / ".opencode" / "plugins" / "tokenprint.js").exists()


def test_cli_install_status_uninstall(tmp_path: Path, home: Path) -> None:
    env = {"HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    proc = run("hooks", "install", "opencode", env=env)
    assert proc.returncode == 0, proc.stderr
    plugin = tmp_path / "config" / "opencode" / "plugins" / "tokenprint.js"
    argv = argv_of(plugin.read_bytes())
    assert argv is not None and argv[1:] == ["opencode", "--home", str(home)]
    assert os.access(argv[0], os.X_OK)  # the real tokenprint-hook
    assert run("hooks", "install", "opencode", env=env).returncode == 0
    proc = run("hooks", "uninstall", "opencode", env=env)
    assert proc.returncode == 0, proc.stderr
    assert not plugin.exists()


# -- the plugin under real node -----------------------------------------------------------

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

DRIVER = """
const started = Date.now()
const mod = await import(process.argv[2])
const names = Object.keys(mod)
const hooks = await mod.TokenprintPlugin({ directory: "/p/alpha", worktree: "/p" })
const t0 = Date.now()
await hooks.event({ event: { type: "session.idle", properties: { sessionID: "ses_1" } } })
await hooks.event({ event: { type: "session.status", properties: { sessionID: "ses_1", status: { type: "idle" } } } })
await hooks.event({ event: { type: "message.updated", properties: {} } })
await hooks.event({})
await hooks.event({ event: null })
const took = Date.now() - t0
console.log(JSON.stringify({ names, took }))
"""


def _plugin(tmp_path: Path, argv: list[str]) -> Path:
    """Our plugin as installed, in a folder node reads as ES modules."""
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "package.json").write_text('{"type": "module"}')
    path = folder / "tokenprint.js"
    path.write_bytes(target().render(argv))
    (tmp_path / "driver.mjs").write_text(DRIVER)
    return path


def _fake_hook(folder: Path, record: Path, sleep: float = 0.0) -> None:
    folder.mkdir()
    exe = folder / "tokenprint-hook"
    exe.write_text(f"#!/bin/sh\nsleep {sleep}\ncat > {record}.tmp\necho \"$@\" > {record}.args\n"
                   f"mv {record}.tmp {record}\n")
    exe.chmod(0o755)


def _node(tmp_path: Path, plugin: Path, path_env: str, timeout: float = 20) -> tuple[dict[str, object], float]:
    env = {**os.environ, "PATH": path_env}
    t0 = time.monotonic()
    assert NODE is not None
    proc = subprocess.run([NODE, str(tmp_path / "driver.mjs"), str(plugin)], capture_output=True, text=True,
                          env=env, timeout=timeout)
    took = time.monotonic() - t0
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    out: dict[str, object] = json.loads(proc.stdout)
    return out, took


def _wait(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


@needs_node
def test_plugin_runs_the_hook_with_the_payload(tmp_path: Path) -> None:
    record = tmp_path / "recorded.json"
    _fake_hook(tmp_path / "bin", record)
    plugin = _plugin(tmp_path, ["tokenprint-hook", "opencode", "--home", "/x"])  # found on PATH
    out, _took = _node(tmp_path, plugin, f"{tmp_path / 'bin'}:{os.environ.get('PATH', '')}")
    assert out["names"] == ["TokenprintPlugin"]  # opencode calls every export: only the plugin
    _wait(record)
    assert json.loads(record.read_text()) == {"hook_event_name": "session.idle", "session_id": "ses_1",
                                              "directory": "/p/alpha"}
    assert Path(str(record) + ".args").read_text().split() == ["opencode", "--home", "/x"]
    time.sleep(0.3)
    # session.idle and session.status idle of the same session: one run only.
    assert not Path(str(record) + ".tmp").exists()


@needs_node
def test_plugin_without_tokenprint_hook_throws_nothing(tmp_path: Path) -> None:
    plugin = _plugin(tmp_path, ["tokenprint-hook-that-is-not-there", "opencode"])
    empty = tmp_path / "empty"
    empty.mkdir()
    out, _took = _node(tmp_path, plugin, str(empty))
    assert out["names"] == ["TokenprintPlugin"]
    plugin2 = tmp_path / "plugins" / "abs.js"
    plugin2.write_bytes(target().render([str(tmp_path / "no" / "such" / "program"), "opencode"]))
    _node(tmp_path, plugin2, str(empty))


@needs_node
def test_a_slow_hook_delays_nothing(tmp_path: Path) -> None:
    record = tmp_path / "recorded.json"
    _fake_hook(tmp_path / "bin", record, sleep=2)
    plugin = _plugin(tmp_path, [str(tmp_path / "bin" / "tokenprint-hook"), "opencode"])
    out, took = _node(tmp_path, plugin, os.environ.get("PATH", ""))
    assert isinstance(out["took"], int) and out["took"] < 500  # the event hook returned at once
    assert took < 1.5  # and node exited without waiting for the hook (detached, unref'd)
    _wait(record)
    assert json.loads(record.read_text())["session_id"] == "ses_1"


OPENCODE = os.environ.get("TOKENPRINT_TEST_OPENCODE", "").strip() or shutil.which("opencode")


@pytest.mark.skipif(OPENCODE is None, reason="no opencode binary ($TOKENPRINT_TEST_OPENCODE; .ci/run installs opencode-ai with npm)")
def test_real_opencode_resolves_our_plugin(tmp_path: Path, home: Path) -> None:
    env = {"HOME": str(tmp_path / "user"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_STATE_HOME": str(tmp_path / "state"),
           "XDG_CACHE_HOME": str(tmp_path / "cache"), "OPENCODE_DISABLE_MODELS_FETCH": "1",
           "OPENCODE_DISABLE_AUTOUPDATE": "1", "npm_config_offline": "true",
           "npm_config_registry": "http://127.0.0.1:9/"}
    assert run("hooks", "install", "opencode", env=env).returncode == 0
    assert OPENCODE is not None
    proc = run("debug", "config", env=env, exe=OPENCODE, timeout=90)
    assert proc.returncode == 0, proc.stderr
    plugin = tmp_path / "config" / "opencode" / "plugins" / "tokenprint.js"
    assert plugin.as_uri() in json.loads(proc.stdout[proc.stdout.index("{"):])["plugin"]
