"""The Claude Code plugin and the repository's marketplace: manifests valid, hook command runs,
and the plugin works on its own once installed the way users install it.

Claude Code copies the plugin's folder (the marketplace entry's ``source``, and only
that folder, following symbolic links) into ``<config>/plugins/cache/<marketplace>/
<plugin>/<version>/`` and runs it from there. Two tests check that this copy records a
turn and answers ``/footprint`` with nothing of tokenprint installed (a bare PATH and
a Python without it): one with the real client from npm (skipped with its reason
where there is none), one emulating the copy, so that CI without npm still checks it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
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
#: What the plugin's folder links to, so that Claude Code's copy of it is a complete
#: source tree: the stdlib hook, and everything ``pipx install <copy>`` needs.
LINKS = {"hooks": "../../hooks", "ledger": "../../ledger", "tui": "../../tui",
         "pyproject.toml": "../../pyproject.toml", "README.md": "../../README.md"}
#: The hook runs with this (and nothing else) on PATH, besides a python3 without tokenprint.
TOOLS = ("sh", "cat", "dirname", "date")
#: Where the real client comes from: .ci/run installs @anthropic-ai/claude-code with npm.
CLAUDE_ENV = "TOKENPRINT_TEST_CLAUDE"


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
    # hooks/ is the Python package (a link), so the hook config is named in the manifest
    assert m["hooks"] == "./hooks.json"


def test_plugin_links_make_a_complete_source_tree() -> None:
    for name, target in LINKS.items():
        link = PLUGIN / name
        assert link.is_symlink() and os.readlink(link) == target, name
        assert link.exists(), f"{name} -> {target} is dangling"
    assert (PLUGIN / "hooks" / "entry.py").is_file()
    assert (PLUGIN / "ledger" / "impact" / "data" / "models.toml").is_file()
    if (ROOT / ".git").exists():  # git keeps them as links, so a clone has them too
        staged = subprocess.run(["git", "ls-files", "-s", "--", *LINKS], cwd=PLUGIN,
                                capture_output=True, text=True, check=True).stdout
        modes = {line.split("\t")[1]: line.split()[0] for line in staged.splitlines()}
        assert modes == dict.fromkeys(LINKS, "120000")


def hook_commands(plugin: Path = PLUGIN) -> dict[str, list[dict]]:
    data = load(plugin / load(plugin / ".claude-plugin" / "plugin.json")["hooks"])
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


def run_plugin_hook(event: str, payload: dict | str, env: dict[str, str],
                    plugin: Path = PLUGIN) -> subprocess.CompletedProcess[str]:
    command = hook_commands(plugin)[event][0]["command"]
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(["/bin/sh", "-c", command], input=data, capture_output=True,
                          text=True, env={**env, "CLAUDE_PLUGIN_ROOT": str(plugin)}, timeout=60)


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


def test_footprint_script_prints_today_and_this_month(plugin_env) -> None:
    env = {**plugin_env, "TOKENPRINT": str(BIN / "tokenprint")}
    proc = subprocess.run(["/bin/sh", str(PLUGIN / "scripts" / "footprint")], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "## Today" in proc.stdout and "## This month" in proc.stdout


# -- with nothing of tokenprint installed ------------------------------------------------


def python_without_tokenprint(tmp_path: Path) -> str:
    """A Python 3.11+ that cannot import tokenprint's packages (outside the plugin)."""
    candidates = [getattr(sys, "_base_executable", ""), "/usr/bin/python3",
                  shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin") or ""]
    probe = ("import importlib.util as u, sys; "
             "sys.exit(sys.version_info < (3, 11) or any(u.find_spec(m) for m in "
             "('ledger', 'hooks', 'tui', 'tokenprint')))")
    for py in dict.fromkeys(c for c in candidates if c and os.access(c, os.X_OK)):
        if py == sys.executable:
            continue
        if subprocess.run([py, "-I", "-c", probe], cwd=tmp_path, timeout=30).returncode == 0:
            return py
    pytest.skip(f"no Python 3.11+ without tokenprint among {candidates} to play a bare machine")


def bare_env(tmp_path: Path, home: Path) -> dict[str, str]:
    """A PATH with a few shell tools and a python3 that has no tokenprint; nothing else."""
    bindir = tmp_path / "bare-bin"
    bindir.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to run the plugin's scripts"
        (bindir / tool).symlink_to(found)
    (bindir / "python3").symlink_to(python_without_tokenprint(tmp_path))
    env = {"PATH": str(bindir), "HOME": str(tmp_path / "user"), "TOKENPRINT_HOME": str(home),
           "LANG": "C.UTF-8"}
    for name in ("tokenprint", "tokenprint-hook"):
        assert shutil.which(name, path=env["PATH"]) is None
    return env


def today_transcript(tmp_path: Path, model: str) -> Path:
    """A session with one assistant turn timestamped now (today, in every time zone's sense
    that matters here: the test and the script run within seconds)."""
    path = tmp_path / "claude" / "projects" / "-p-alpha" / f"{corpus.SESSION_A}.jsonl"
    path.parent.mkdir(parents=True)
    now = dt.datetime.now(dt.UTC)
    ts = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    lines = [corpus.user(corpus.SESSION_A, "/p/alpha", ts, "hello"),
             corpus.assistant(corpus.SESSION_A, "/p/alpha", ts, model,
                              corpus.usage(12, 300, 4000, 150), msg_id="msg_today",
                              request_id="req_today")]
    path.write_text("".join(corpus.compact(line) + "\n" for line in lines), encoding="utf-8")
    return path


def check_installed_copy_works_alone(install: Path, tmp_path: Path, home: Path) -> None:
    """The copy in the cache records a Stop turn and answers /footprint, on a bare machine."""
    assert not any((install / name).is_symlink() for name in LINKS)
    assert (install / "hooks" / "entry.py").is_file()
    env = bare_env(tmp_path, home)
    model = corpus.SONNET
    transcript = today_transcript(tmp_path, model)
    payload = {"session_id": corpus.SESSION_A, "transcript_path": str(transcript),
               "cwd": "/p/alpha", "hook_event_name": "Stop", "stop_hook_active": False}
    proc = run_plugin_hook("Stop", payload, env, plugin=install)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    log = home / "logs" / "hook.log"
    assert (home / "ledger.db").is_file(), log.read_text() if log.exists() else "no hook.log"
    day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert buckets(home / "ledger.db") == {(day, model): {
        "input_tokens": 12, "cache_write_tokens": 300, "cache_read_tokens": 4000,
        "output_tokens": 150, "reasoning_tokens": 0, "requests": 1}}

    if not (install / "hooks" / "footprint.py").is_file():
        pytest.skip("hooks/footprint.py (the stdlib /footprint report) has not landed yet")
    fp = subprocess.run(["sh", str(install / "scripts" / "footprint")], capture_output=True,
                        text=True, env={**env, "CLAUDE_PLUGIN_ROOT": str(install)}, timeout=60)
    assert fp.returncode == 0, fp.stderr
    assert "Today" in fp.stdout and model in fp.stdout, fp.stdout
    hint = fp.stdout.rstrip().splitlines()[-1]
    assert f'pipx install "{install.resolve()}"' in hint, hint


def test_plugin_hook_without_python_drains_and_exits_0(tmp_path: Path, home: Path) -> None:
    bindir = tmp_path / "no-python"
    bindir.mkdir()
    for tool in TOOLS:
        (bindir / tool).symlink_to(shutil.which(tool) or tool)
    env = {"PATH": str(bindir), "HOME": str(tmp_path), "TOKENPRINT_HOME": str(home)}
    files = corpus.build(tmp_path / "claude")
    payload = {"session_id": corpus.SESSION_A, "transcript_path": str(files["a"]),
               "hook_event_name": "Stop"}
    proc = run_plugin_hook("Stop", payload, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert not (home / "ledger.db").exists()
    fp = subprocess.run(["sh", str(PLUGIN / "scripts" / "footprint")], capture_output=True,
                        text=True, env=env, timeout=60)
    assert fp.returncode == 0 and "Python 3.11" in fp.stdout, fp


def test_plugin_hook_with_a_missing_transcript_is_silent(tmp_path: Path, home: Path) -> None:
    proc = run_plugin_hook("Stop", {"transcript_path": "/x.jsonl"}, bare_env(tmp_path, home))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")


def test_plugin_hook_falls_back_to_its_copy_when_the_installed_one_cannot_start(
        tmp_path: Path, home: Path) -> None:
    env = bare_env(tmp_path, home)
    broken = tmp_path / "user" / ".local" / "bin" / "tokenprint-hook"
    broken.parent.mkdir(parents=True)
    broken.write_text("#!/nonexistent/venv/bin/python\n")  # a pipx venv that lost its Python
    broken.chmod(0o755)
    transcript = today_transcript(tmp_path, corpus.OPUS)
    proc = run_plugin_hook("Stop", {"session_id": corpus.SESSION_A, "hook_event_name": "Stop",
                                    "transcript_path": str(transcript)}, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert [m for _d, m in buckets(home / "ledger.db")] == [corpus.OPUS]


def test_plugin_hook_prefers_the_installed_cli(tmp_path: Path, home: Path) -> None:
    """An installed tokenprint-hook owns the ledger (it may have migrated it past the
    plugin's copy): when one runs, the plugin's copy does not."""
    env = bare_env(tmp_path, home)
    installed = tmp_path / "user" / ".local" / "bin" / "tokenprint-hook"
    installed.parent.mkdir(parents=True)
    seen = tmp_path / "seen"
    installed.write_text(f'#!/bin/sh\necho "$@" > "{seen}"\ncat >> "{seen}"\n')
    installed.chmod(0o755)
    transcript = today_transcript(tmp_path, corpus.OPUS)
    payload = {"hook_event_name": "Stop", "transcript_path": str(transcript)}
    proc = run_plugin_hook("Stop", payload, env)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert seen.read_text() == "claude-code\n" + json.dumps(payload)
    assert not (home / "ledger.db").exists()


def checkout_copy(dest: Path) -> Path:
    """The checkout as a clone has it (links kept as links), working tree included."""
    skip = shutil.ignore_patterns(".git", ".venv", "node", "node_modules", "build", "dist",
                                  "*.egg-info", "__pycache__", ".*_cache", "tests", "bench")
    shutil.copytree(ROOT, dest, symlinks=True, ignore=skip)
    return dest


def test_emulated_cache_copy_works_alone(tmp_path: Path, home: Path) -> None:
    """What Claude Code does, without it: copy the marketplace entry's source folder,
    following links, into a versioned cache folder; then the source is gone."""
    market = checkout_copy(tmp_path / "market")
    entry = load(market / ".claude-plugin" / "marketplace.json")["plugins"][0]
    version = load(market / entry["source"] / ".claude-plugin" / "plugin.json")["version"]
    install = tmp_path / "config" / "plugins" / "cache" / "tokenprint" / entry["name"] / version
    shutil.copytree(market / entry["source"], install, symlinks=False)
    shutil.rmtree(market)
    check_installed_copy_works_alone(install, tmp_path, home)


def claude_binary() -> str:
    claude = os.environ.get(CLAUDE_ENV, "").strip() or shutil.which("claude")
    if not claude or not os.access(claude, os.X_OK):
        pytest.skip(f"no Claude Code binary: set ${CLAUDE_ENV} (.ci/run installs "
                    "@anthropic-ai/claude-code with npm; npm could not, or this is not CI)")
    return claude


def test_real_claude_code_installs_the_plugin_and_its_copy_works_alone(
        tmp_path: Path, home: Path) -> None:
    claude = claude_binary()
    user_home = tmp_path / "claude-home"
    user_home.mkdir()
    config = user_home / ".claude"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(user_home),
           "CLAUDE_CONFIG_DIR": str(config), "LANG": "C.UTF-8", "DISABLE_TELEMETRY": "1",
           "DISABLE_AUTOUPDATER": "1", "DISABLE_ERROR_REPORTING": "1",
           "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}

    def cc(*args: str) -> str:
        proc = subprocess.run([claude, *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc.stdout

    market = checkout_copy(tmp_path / "market")
    assert "Validation passed" in cc("plugin", "validate", str(market / "plugins" / "claude-code"))
    assert "Validation passed" in cc("plugin", "validate", str(market))
    cc("plugin", "marketplace", "add", str(market))
    cc("plugin", "install", "tokenprint@tokenprint")
    details = cc("plugin", "details", "tokenprint@tokenprint")
    assert re.search(r"Hooks \(3\)\s+Stop, SubagentStop, SessionEnd", details), details
    installed = load(config / "plugins" / "installed_plugins.json")["plugins"]
    (record,) = installed["tokenprint@tokenprint"]
    install = Path(record["installPath"])
    assert install == config / "plugins" / "cache" / "tokenprint" / "tokenprint" / project_version()
    shutil.rmtree(market)  # files outside the plugin's folder are gone at run time
    check_installed_copy_works_alone(install, tmp_path, home)
