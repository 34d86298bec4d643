"""The wheel as users install it (``pipx install .``, ``uv tool install .``, or from the
plugin's own copy): built with ``python -m build``, installed into a fresh venv, run.

The wheel must carry the data files (factors, grids, models), the Textual stylesheet
and the Claude Code plugin's own files, and not a second copy of the packages through
the plugin's links. Building needs setuptools from the index (an isolated build) and
installing needs the dependencies: both come from PyPI or pip's cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.hooks import corpus
from tests.hooks.helpers import buckets
from tests.plugins.test_claude_plugin import checkout_copy

ROOT = Path(__file__).resolve().parents[2]
DATA = sorted(p.name for p in (ROOT / "ledger" / "impact" / "data").glob("*.toml"))
#: The plugin's own files (its links are not: the packages ship once, at the top level).
PLUGIN_FILES = [
    "plugins/claude-code/.claude-plugin/plugin.json",
    "plugins/claude-code/hooks.json",
    "plugins/claude-code/commands/footprint.md",
    "plugins/claude-code/scripts/tokenprint-hook",
    "plugins/claude-code/scripts/footprint",
    "plugins/gemini-cli/gemini-extension.json",
    "plugins/gemini-cli/hooks/hooks.json",
    "plugins/opencode/tokenprint.js",
]


def build_wheel(source: Path, out: Path) -> Path:
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("tokenprint-*.whl")
    return wheel


def check_contents(wheel: Path, *, plugin: bool) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"ledger/impact/data/{n}" for n in DATA} <= names
    assert {"tui/app.tcss", "hooks/entry.py", "ledger/fastpath.py", "tui/cli.py"} <= names
    assert not [n for n in names if n.startswith("plugins/claude-code/") and n.endswith(".py")]
    if plugin:
        assert set(PLUGIN_FILES) <= names
        assert "plugins/__init__.py" in names


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, float]]:
    """(venv bin folder, the wheel, seconds per step): the checkout's wheel, installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    wheel = build_wheel(checkout_copy(tmp / "src"), tmp / "dist")
    seconds["build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(tmp / "venv")], check=True, timeout=300)
    venv_bin = tmp / "venv" / ("Scripts" if os.name == "nt" else "bin")
    proc = subprocess.run([str(venv_bin / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", str(wheel)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    seconds["venv+install"] = time.perf_counter() - t0
    print(f"wheel: build {seconds['build']:.1f} s, venv and install {seconds['venv+install']:.1f} s")
    return venv_bin, wheel, seconds


def run(venv_bin: Path, exe: str, *args: str, home: Path, input: str | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{venv_bin}{os.pathsep}/usr/bin:/bin", "HOME": str(home.parent),
           "TOKENPRINT_HOME": str(home), "LANG": "C.UTF-8"}
    return subprocess.run([str(venv_bin / exe), *args], input=input, capture_output=True,
                          text=True, env=env, cwd=home.parent, timeout=300)


def test_wheel_contents(installed) -> None:
    check_contents(installed[1], plugin=True)


def test_installed_wheel_runs(installed, tmp_path: Path) -> None:
    venv_bin, _wheel, _seconds = installed
    home = tmp_path / "tp-home"
    version = run(venv_bin, "tokenprint", "--version", home=home)
    assert version.returncode == 0 and "0.1.0" in version.stdout, version

    files = corpus.build(tmp_path / "claude")
    payload = json.dumps({"session_id": corpus.SESSION_A, "transcript_path": str(files["a"]),
                          "cwd": "/p/alpha", "hook_event_name": "Stop", "stop_hook_active": False})
    hook = run(venv_bin, "tokenprint-hook", "claude-code", home=home, input=payload)
    assert (hook.returncode, hook.stdout, hook.stderr) == (0, "", "")
    got = buckets(home / "ledger.db")
    assert got[("2025-09-28", corpus.HAIKU)] == corpus.EXPECTED[("2025-09-28", corpus.HAIKU)]

    demo = run(venv_bin, "tokenprint", "demo", "--events", "2000", home=home)
    assert demo.returncode == 0, demo.stderr
    report = run(venv_bin, "tokenprint", "report", "--demo", home=home)
    assert report.returncode == 0, report.stderr
    assert "CO2e" in report.stdout and "claude" in report.stdout, report.stdout


def test_installed_files_are_found_where_the_code_looks(installed, tmp_path: Path) -> None:
    venv_bin, _wheel, _seconds = installed
    code = "import ledger, tui, plugins, pathlib; print(pathlib.Path(ledger.__file__).parent.parent)"
    proc = run(venv_bin, "python", "-I", "-c", code, home=tmp_path / "tp-home")
    assert proc.returncode == 0, proc.stderr
    site = Path(proc.stdout.strip())
    assert "venv" in site.parts and ROOT not in site.parents  # the wheel's copy, not the checkout
    for name in DATA:
        assert (site / "ledger" / "impact" / "data" / name).is_file()
    assert (site / "tui" / "app.tcss").is_file()
    for rel in PLUGIN_FILES:
        assert (site / rel).is_file(), rel
    assert not (site / "plugins" / "claude-code" / "ledger").exists()


def test_installed_wheel_installs_the_opencode_plugin_from_its_own_copy(installed, tmp_path: Path) -> None:
    """``hooks install opencode`` writes the plugin from the wheel's plugins/opencode/."""
    venv_bin, _wheel, _seconds = installed
    home = tmp_path / "tp-home"
    (tmp_path / ".config" / "opencode").mkdir(parents=True)
    proc = run(venv_bin, "tokenprint", "hooks", "install", "opencode", home=home)
    assert proc.returncode == 0, proc.stderr
    plugin = tmp_path / ".config" / "opencode" / "plugins" / "tokenprint.js"
    text = plugin.read_text()
    assert str(venv_bin / "tokenprint-hook") in text and "session.idle" in text


def test_hook_help_prints_usage_and_a_payload_run_stays_silent(installed, tmp_path: Path) -> None:
    venv_bin, _wheel, _seconds = installed
    home = tmp_path / "tp-home"
    for flag in ("--help", "-h"):
        proc = run(venv_bin, "tokenprint-hook", flag, home=home)
        assert proc.returncode == 0 and proc.stderr == ""
        assert proc.stdout.startswith("usage: tokenprint-hook <client>")
        assert "claude-code" in proc.stdout
    # a real run (even one passing an unknown option) still prints nothing
    files = corpus.build(tmp_path / "claude")
    payload = json.dumps({"transcript_path": str(files["a"]), "hook_event_name": "Stop"})
    proc = run(venv_bin, "tokenprint-hook", "claude-code", "--verbose", home=home, input=payload)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert buckets(home / "ledger.db")


def test_plugin_copy_is_an_installable_source_tree(tmp_path: Path) -> None:
    """``pipx install "<plugin cache dir>"``: Claude Code's copy of the plugin (links
    followed) builds a wheel with every package, data file and the stylesheet."""
    market = checkout_copy(tmp_path / "market")
    copy = tmp_path / "cache" / "0.1.0"
    shutil.copytree(market / "plugins" / "claude-code", copy, symlinks=False)
    shutil.rmtree(market)
    check_contents(build_wheel(copy, tmp_path / "dist"), plugin=False)
