"""The Claude Code plugin and the repository's marketplace: manifests valid, hook command runs."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import BIN
from tests.hooks import corpus
from tests.hooks.helpers import buckets

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "plugins" / "claude-code"
SEMVER = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def load(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def project_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_marketplace_manifest() -> None:
    m = load(ROOT / ".claude-plugin" / "marketplace.json")
    assert NAME.match(m["name"])
    assert isinstance(m["owner"], dict) and m["owner"]["name"]
    assert m["plugins"], "a marketplace lists at least one plugin"
    names = [p["name"] for p in m["plugins"]]
    assert len(names) == len(set(names))
    for p in m["plugins"]:
        assert NAME.match(p["name"]) and p["description"]
        assert p["source"].startswith("./")
        source = (ROOT / p["source"]).resolve()
        assert source.is_dir() and ROOT in source.parents
        manifest = load(source / ".claude-plugin" / "plugin.json")
        assert manifest["name"] == p["name"]
        assert p["version"] == manifest["version"] == project_version()


def test_plugin_manifest() -> None:
    m = load(PLUGIN / ".claude-plugin" / "plugin.json")
    assert NAME.match(m["name"])
    assert SEMVER.match(m["version"])
    assert m["description"] and isinstance(m.get("author", {}), dict)
    # only the manifest lives in .claude-plugin/; components sit at the plugin root
    assert sorted(p.name for p in (PLUGIN / ".claude-plugin").iterdir()) == ["plugin.json"]


def hook_commands() -> dict[str, list[dict]]:
    data = load(PLUGIN / "hooks" / "hooks.json")
    assert isinstance(data.get("description"), str)
    out: dict[str, list[dict]] = {}
    for event, groups in data["hooks"].items():
        assert isinstance(groups, list)
        for group in groups:
            assert "matcher" not in group  # Stop, SubagentStop and SessionEnd take none
            for h in group["hooks"]:
                assert h["type"] == "command" and isinstance(h["command"], str)
                assert isinstance(h.get("timeout", 10), int) and 0 < h.get("timeout", 10) <= 60
                out.setdefault(event, []).append(h)
    return out


def test_hooks_manifest() -> None:
    hooks = hook_commands()
    assert set(hooks) == {"Stop", "SubagentStop", "SessionEnd"}
    for entries in hooks.values():
        assert len(entries) == 1
        cmd = entries[0]["command"]
        assert "${CLAUDE_PLUGIN_ROOT}" in cmd and "claude-code" in cmd
        script = cmd.split('"')[1].replace("${CLAUDE_PLUGIN_ROOT}", str(PLUGIN))
        assert Path(script).is_file()


def test_footprint_command_frontmatter() -> None:
    text = (PLUGIN / "commands" / "footprint.md").read_text()
    assert text.startswith("---\n")
    front = text.split("---\n")[1]
    keys = dict(line.split(":", 1) for line in front.strip().splitlines())
    assert keys["description"].strip()
    assert "Bash(sh:*)" in keys["allowed-tools"]
    assert "${CLAUDE_PLUGIN_ROOT}/scripts/footprint" in text


def run_plugin_hook(event: str, payload: dict, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = hook_commands()[event][0]["command"]
    return subprocess.run(["/bin/sh", "-c", command], input=json.dumps(payload),
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def plugin_env(tmp_path: Path, home: Path) -> dict[str, str]:
    return {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "TOKENPRINT_HOME": str(home),
        "CLAUDE_PLUGIN_ROOT": str(PLUGIN),
    }


def test_plugin_hook_command_ingests_a_stop_payload(tmp_path: Path, home: Path, plugin_env) -> None:
    files = corpus.build(tmp_path / "claude")
    payload = {"session_id": corpus.SESSION_A, "transcript_path": str(files["a"]),
               "cwd": "/p/alpha", "hook_event_name": "Stop", "stop_hook_active": False}
    proc = run_plugin_hook("Stop", payload, plugin_env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    got = buckets(home / "ledger.db")
    assert got[("2025-09-28", corpus.HAIKU)] == corpus.EXPECTED[("2025-09-28", corpus.HAIKU)]
    end = {**payload, "hook_event_name": "SessionEnd", "reason": "exit",
           "transcript_path": str(files["c"])}
    assert run_plugin_hook("SessionEnd", end, plugin_env).returncode == 0


def test_plugin_hook_without_tokenprint_installed_is_silent(tmp_path: Path, plugin_env) -> None:
    env = {**plugin_env, "PATH": "/usr/bin:/bin"}
    proc = run_plugin_hook("Stop", {"transcript_path": "/x.jsonl"}, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_footprint_script_prints_today_and_this_month(plugin_env) -> None:
    env = {**plugin_env, "TOKENPRINT": str(BIN / "tokenprint")}
    proc = subprocess.run(["/bin/sh", str(PLUGIN / "scripts" / "footprint")], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "## Today" in proc.stdout and "## This month" in proc.stdout
