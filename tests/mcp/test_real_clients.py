"""The real Claude Code, Codex and Gemini CLI (from npm, pinned in ``.ci/run``) list our
MCP server with their own ``mcp list`` after ``tokenprint mcp install``, and no longer
after ``tokenprint mcp uninstall``; offline, in a temporary user folder.

``claude mcp list`` checks each server's health: it starts ``tokenprint mcp`` and
initialises it, so "Connected" is the SDK handshake of our server, run by Claude Code.
``gemini mcp list`` connects too in a trusted folder (``GEMINI_CLI_TRUST_WORKSPACE``;
an untrusted one shows the server "Disabled"); ``codex mcp list --json`` only reads config.toml.
Each test skips with its reason where the client's binary is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import BIN, TOKENPRINT

BINARIES = {"claude": ("TOKENPRINT_TEST_CLAUDE", "@anthropic-ai/claude-code"),
            "codex": ("TOKENPRINT_TEST_CODEX", "@openai/codex"),
            "gemini": ("TOKENPRINT_TEST_GEMINI", "@google/gemini-cli")}


def binary(name: str) -> str:
    var, package = BINARIES[name]
    exe = os.environ.get(var, "").strip()
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip(f"no {package} binary: set ${var} (.ci/run installs {package} with npm; "
                    "npm could not, or this is not CI)")
    return exe


@pytest.fixture
def env(tmp_path: Path, home: Path) -> dict[str, str]:
    user = tmp_path / "user"
    for d in (user / ".codex", user / ".config", user / ".cache", user / ".local" / "share"):
        d.mkdir(parents=True)
    return {
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(user), "CODEX_HOME": str(user / ".codex"), "GEMINI_CLI_HOME": str(user),
        "XDG_CONFIG_HOME": str(user / ".config"), "XDG_CACHE_HOME": str(user / ".cache"),
        "XDG_DATA_HOME": str(user / ".local" / "share"), "TOKENPRINT_HOME": str(home),
        "LANG": "C.UTF-8", "TERM": "dumb", "NO_COLOR": "1",
        # nothing leaves the machine
        "DISABLE_TELEMETRY": "1", "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1", "GEMINI_TELEMETRY_ENABLED": "false",
        "npm_config_offline": "true", "npm_config_registry": "http://127.0.0.1:9/",
    }


def sh(argv: list[str], env: dict[str, str], cwd: Path, stdout_only: bool = False) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)
    assert proc.returncode == 0, (argv, proc.stdout, proc.stderr)
    return proc.stdout if stdout_only else proc.stdout + proc.stderr


def tokenprint(env: dict[str, str], cwd: Path, *args: str) -> str:
    return sh([TOKENPRINT, *args], env, cwd)


def test_claude_mcp_list(env: dict[str, str], tmp_path: Path) -> None:
    claude = binary("claude")
    listed = tokenprint(env, tmp_path, "mcp", "install", "claude-code")
    assert "claude-code: installed in ~/.claude.json" in listed
    for _ in range(3):  # its health check waits for the SDK's import: a loaded machine may need a retry
        out = sh([claude, "mcp", "list"], env, tmp_path)
        if "Connected" in out:
            break
    line = next(x for x in out.splitlines() if x.startswith("tokenprint:"))
    assert f"{Path(TOKENPRINT).absolute()} mcp --home" in line
    assert "Connected" in line, out  # Claude Code started our server and initialised it
    assert "tokenprint" in sh([claude, "mcp", "get", "tokenprint"], env, tmp_path)
    tokenprint(env, tmp_path, "mcp", "uninstall", "claude-code")
    out = sh([claude, "mcp", "list"], env, tmp_path)
    assert "tokenprint" not in out


def test_codex_mcp_list(env: dict[str, str], tmp_path: Path) -> None:
    codex = binary("codex")
    config = Path(env["CODEX_HOME"]) / "config.toml"
    config.write_text('# mine\nmodel = "gpt-5"\n')
    tokenprint(env, tmp_path, "mcp", "install", "codex")
    listed = json.loads(sh([codex, "mcp", "list", "--json"], env, tmp_path, stdout_only=True))
    (ours,) = [s for s in listed if s["name"] == "tokenprint"]
    assert ours["enabled"] is True
    assert ours["transport"]["command"] == str(Path(TOKENPRINT).absolute())
    assert ours["transport"]["args"] == ["mcp", "--home", env["TOKENPRINT_HOME"]]
    tokenprint(env, tmp_path, "mcp", "uninstall", "codex")
    assert json.loads(sh([codex, "mcp", "list", "--json"], env, tmp_path, stdout_only=True)) == []
    assert config.read_text() == '# mine\nmodel = "gpt-5"\n'


def test_gemini_mcp_list(env: dict[str, str], tmp_path: Path) -> None:
    gemini = binary("gemini")
    settings = Path(env["HOME"]) / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{\n  // mine\n  "ui": {"theme": "GitHub"}\n}\n')
    tokenprint(env, tmp_path, "mcp", "install", "gemini-cli")
    out = sh([gemini, "mcp", "list"], env, tmp_path)
    line = next(x for x in out.splitlines() if "tokenprint:" in x)
    assert f"{Path(TOKENPRINT).absolute()} mcp --home {env['TOKENPRINT_HOME']} (stdio)" in line, out
    # in a trusted folder Gemini CLI starts our server and initialises it; its wait is short
    # (the SDK's import takes a second, more on a loaded machine): up to three tries
    for _ in range(3):
        trusted = sh([gemini, "mcp", "list"], {**env, "GEMINI_CLI_TRUST_WORKSPACE": "true"}, tmp_path)
        if "- Connected" in trusted:
            break
    assert "tokenprint:" in trusted and "- Connected" in trusted, trusted
    tokenprint(env, tmp_path, "mcp", "uninstall", "gemini-cli")
    out = sh([gemini, "mcp", "list"], env, tmp_path)
    assert "tokenprint" not in out
    assert settings.read_text() == '{\n  // mine\n  "ui": {"theme": "GitHub"}\n}\n'
