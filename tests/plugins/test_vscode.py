"""The VS Code extension (plugins/vscode/): ``npm ci``, its Node tests (``npm test``: unit tests
against a fake ``vscode`` API, the real CLI end to end on a demo ledger, the status item
refreshing within 5 s of a real hook run), ``vsce package``, and the ``.vsix`` it produces
(a zip: its manifest and what is, and is not, inside). Then the webview rendered to a PNG
by headless Chromium, and the ``summary --json`` command the extension reads.

Skipped, with the reason, without npm/node (or Chromium for the screenshot).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKENPRINT, TOKENPRINT_HOOK, run, run_json

PLUGIN = Path(__file__).resolve().parents[2] / "plugins" / "vscode"
NPM = shutil.which("npm")
NODE = shutil.which("node")
needs_npm = pytest.mark.skipif(not (NPM and NODE), reason="npm and node are needed to build the VS Code extension")

COMMANDS = {
    "tokenprint.showFootprint", "tokenprint.refresh", "tokenprint.installHooks", "tokenprint.exportMonth",
    "tokenprint.openMethodology", "tokenprint.setRegion", "tokenprint.setBudget", "tokenprint.enableCopilot",
}
SETTINGS = {
    "tokenprint.path", "tokenprint.refreshSeconds", "tokenprint.hideStatusItem", "tokenprint.home",
    "tokenprint.demo", "tokenprint.copilot",
}


def npm(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([NPM or "npm", *args], cwd=PLUGIN, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert proc.returncode == 0, f"npm {' '.join(args)}: exit {proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return proc


@pytest.fixture(scope="module")
def built() -> Path:
    """``npm ci`` (from the registry, the lock file's exact versions; the npm cache serves it
    offline once filled), then the TypeScript compiled."""
    npm("ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error")
    npm("run", "compile")
    return PLUGIN


@needs_npm
def test_npm_test(built: Path, home: Path) -> None:
    """The Node tests, with the real ``tokenprint`` and ``tokenprint-hook`` of this venv."""
    proc = npm("test", env={"TOKENPRINT_BIN": TOKENPRINT, "TOKENPRINT_HOOK_BIN": TOKENPRINT_HOOK})
    out = proc.stdout
    assert "# fail 0" in out and "# skipped 0" in out, out[-3000:]
    # unit (17) + end to end (8) + a real hook's refresh and hostile names (2) + Copilot Chat opt-in (2)
    assert "# pass 29" in out, out[-3000:]
    assert "# refresh latency after the hook: " in out


def vsix(built: Path) -> zipfile.ZipFile:
    """``npm run package``: ``plugins/vscode/tokenprint.vsix``, the build's product (git ignores it)."""
    target = built / "tokenprint.vsix"
    target.unlink(missing_ok=True)
    npm("run", "package")
    return zipfile.ZipFile(target)


@needs_npm
def test_vsce_package_and_its_manifest(built: Path) -> None:
    z = vsix(built)
    names = z.namelist()
    manifest: dict[str, Any] = json.loads(z.read("extension/package.json"))
    assert manifest["engines"]["vscode"] == "^1.85.0"
    assert manifest["activationEvents"] == ["onStartupFinished"]
    assert {c["command"] for c in manifest["contributes"]["commands"]} == COMMANDS
    assert set(manifest["contributes"]["configuration"]["properties"]) == SETTINGS
    assert manifest["main"] == "./out/src/extension.js"
    assert "extension/out/src/extension.js" in names
    assert manifest.get("dependencies", {}) == {}  # nothing at run time but Node and vscode
    # only the compiled extension, the manifest and the README: no node_modules (dev tools
    # or any), no tests, no TypeScript sources, no build scripts
    assert not [n for n in names if "node_modules" in n]
    assert not [n for n in names if n.endswith(".ts") or "/test/" in n or "/scripts/" in n or "/electron/" in n]
    assert sorted(n for n in names if n.startswith("extension/out/")) == [
        f"extension/out/src/{m}.js"
        for m in ("cli", "copilot", "extension", "footprint", "format", "locate", "panel", "watch", "webview")
    ]
    xml = z.read("extension.vsixmanifest").decode()
    assert 'Id="tokenprint"' in xml and 'Publisher="tokenprint"' in xml
    assert '<Property Id="Microsoft.VisualStudio.Code.Engine" Value="^1.85.0" />' in xml


def chromium() -> str | None:
    return next((c for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if os.path.exists(c)), None)


@needs_npm
@pytest.mark.skipif(chromium() is None, reason="headless Chromium is missing (.ci/run installs it with apt)")
def test_webview_renders_to_png(built: Path, tmp_path: Path, home: Path) -> None:
    """The extension's own page (src/webview.ts) through headless Chromium: a PNG of the size asked."""
    out = tmp_path / "webview.png"
    proc = subprocess.run([NODE or "node", "out/scripts/screenshot.js", "--out", str(out), "--width", "900",
                           "--height", "700", "--tokenprint", TOKENPRINT, "--chromium", chromium() or ""],
                          cwd=PLUGIN, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (900, 700)
    assert len(data) > 20_000  # a page with a chart, not a blank one


def test_summary_json_on_events_logged(home: Path) -> None:
    """``tokenprint summary --json``: today's and the month's figures equal ``estimate --json``
    of the same tokens; the top model; the budget share; the files to watch."""
    today = date.today()
    events = [
        {"client": "claude-code", "model": "claude-sonnet-4-5-20250929", "input_tokens": 1200,
         "cache_write_tokens": 3000, "cache_read_tokens": 20000, "output_tokens": 800, "id": "a"},
        {"client": "codex", "model": "gpt-5", "input_tokens": 500, "output_tokens": 100, "id": "b"},
    ]
    assert run("log", "--json", "-", input=json.dumps(events)).returncode == 0
    assert run("config", "set", "budget.monthly_kg", "2").returncode == 0
    s = run_json("summary", "--json")
    est_a = run_json("estimate", "--model", "claude-sonnet-4-5-20250929", "--input", "1200", "--cache-write", "3000",
                     "--cache-read", "20000", "--output", "800", "--json")
    est_b = run_json("estimate", "--model", "gpt-5", "--input", "500", "--output", "100", "--json")
    co2e = est_a["co2e_g"]["central"] + est_b["co2e_g"]["central"]
    assert s["version"] == 1
    assert s["ledger"] == str(home / "ledger.db")
    assert s["watch"] == [str(home / "ledger.db"), str(home / "ledger.db-wal")]
    assert s["today"]["tokens"] == 25_600  # 1200 + 3000 + 20000 + 800 + 500 + 100
    assert s["today"]["requests"] == 2
    assert s["today"]["co2e_g"]["central"] == pytest.approx(co2e, rel=1e-9)
    assert s["month"]["co2e_g"]["central"] == pytest.approx(co2e, rel=1e-9)
    assert s["month"]["budget_kg"] == 2.0
    assert s["month"]["budget_share"] == pytest.approx(co2e / 2000, rel=1e-9)
    assert s["month"]["projected_co2e_g"] == pytest.approx(co2e * s["month"]["days"] / today.day, rel=1e-9)
    top = max((est_a, "claude-sonnet-4-5-20250929", 25_000), (est_b, "gpt-5", 600), key=lambda t: t[0]["co2e_g"]["central"])
    assert s["top_model"]["model"] == top[1] and s["top_model"]["tokens"] == top[2]
    assert s["today"]["equivalent"]["phrase"]
    assert [p["key"] for p in s["periods"]] == ["today", "week", "month", "year", "all"]
    # and without --json: three lines
    text = run("summary").stdout.splitlines()
    assert len(text) == 3 and text[0].startswith("today: ") and text[2] == f"top model: {top[1]}"


def test_summary_on_an_empty_home_and_a_missing_demo(home: Path) -> None:
    s = run_json("summary", "--json")
    assert s["today"]["tokens"] == 0 and s["today"]["co2e_g"] == {"low": 0.0, "central": 0.0, "high": 0.0}
    assert s["today"]["equivalent"] is None and s["top_model"] is None
    proc = run("summary", "--demo", "--json")
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"tokenprint: no demo ledger at {home / 'demo.db'}: run `tokenprint demo` first"
