"""The real Codex, Gemini CLI and opencode (from npm, pinned in ``.ci/run``) check what
``tokenprint hooks install`` wrote, in their own words, then run offline against a local
fake model server (tests/plugins/fake_models.py) whose usage numbers the test chose:
the client writes its own rollout, chat file or database and fires our installed hook,
and the ledger must hold exactly the usage the server reported, in our buckets.

Each client's own checks, as found in the pinned versions:

- Codex 0.171: ``codex doctor --json`` (``checks["config.load"]``: config.toml parses;
  doctor has no hooks check: a broken hooks.json leaves it ``ok``), and the app server's
  ``hooks/list`` (``codex app-server``, JSON-RPC over stdio; schema from ``codex app-server
  generate-ts``: ``HooksListEntry {hooks, warnings, errors}``, ``HookMetadata.trustStatus``),
  which is what ``/hooks`` shows: a hooks.json Codex cannot parse is a warning there.
  Trust is what ``/hooks`` records, ``[hooks.state."<key>"] trusted_hash``, written here
  through Codex's own ``config/value/write``. ``codex exec`` runs a trusted Stop hook
  and ``notify`` after each turn; a custom ``model_provider`` with ``wire_api = "responses"``
  and ``base_url`` needs no login.
- Gemini CLI 0.61: every start validates the settings (``Invalid configuration in
  <file>`` / ``Error in: <key>``, and a file that does not parse stops it with exit 52);
  ``gemini extensions validate`` (``link`` runs the same checks), ``link --consent``,
  ``list --output-format json`` (with the hooks it loaded; printed on stderr); headless ``gemini -p``
  with ``security.auth.selectedType = "gemini-api-key"`` and ``GOOGLE_GEMINI_BASE_URL``
  runs offline and fires ``AfterAgent`` and ``SessionEnd`` (settings and extension hooks).
  ``GEMINI_CLI_TRUST_WORKSPACE=true`` stands for the folder-trust prompt.
- opencode 1.18: ``opencode run --print-logs`` loads ``~/.config/opencode/plugins/*.js``
  at start (a plugin that throws is logged at ERROR) and fires ``session.idle``; a
  custom provider (``@ai-sdk/openai-compatible``, bundled) needs no login. Its
  background ``npm install`` of ``@opencode-ai/plugin`` into the config folder fails
  offline with a WARN and changes nothing for a plugin that imports only node built-ins.

Each test skips with its reason where the client's binary is missing (``$TOKENPRINT_TEST_*``
unset: npm could not install it, or this is not CI).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, TOKENPRINT, run
from tests.hooks.helpers import buckets
from tests.plugins.fake_models import FakeModels, Usage, serve, summed

ROOT = Path(__file__).resolve().parents[2]
#: The binaries .ci/run installs with npm (the variable, the npm package).
CLIENTS = {"codex": ("TOKENPRINT_TEST_CODEX", "@openai/codex"),
           "gemini": ("TOKENPRINT_TEST_GEMINI", "@google/gemini-cli"),
           "opencode": ("TOKENPRINT_TEST_OPENCODE", "opencode-ai")}
#: What a client prints on stderr for a settings file it rejects (Gemini CLI 0.61).
GEMINI_REJECTS = ("Invalid configuration", "Error in", "Hook execution error", "failed for event",
                  "Invalid hook event name", "Please fix")


def client(name: str) -> str:
    var, package = CLIENTS[name]
    exe = os.environ.get(var, "").strip()
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip(f"no {package} binary: set ${var} (.ci/run installs {package} with npm; "
                    "npm could not, or this is not CI)")
    return exe


@dataclass
class Machine:
    """An isolated user: every client's home, config and data folders under tmp_path."""

    root: Path
    home: Path  # $HOME
    tp_home: Path  # $TOKENPRINT_HOME
    project: Path  # the session's cwd
    env: dict[str, str]

    def tokenprint(self, *args: str, ok: bool = True, cwd: Path | None = None
                   ) -> subprocess.CompletedProcess[str]:
        if cwd is None:
            proc = run(*args, env=self.env, exe=TOKENPRINT)
        else:  # --scope project edits the files of the folder it runs in
            proc = subprocess.run([TOKENPRINT, *args], capture_output=True, text=True, cwd=cwd,
                                  env={**os.environ, **self.env}, timeout=120)
        if ok:
            assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        return proc

    def ledger(self) -> dict[tuple[str, str], dict[str, int]]:
        db = self.tp_home / "ledger.db"
        try:
            return buckets(db) if db.exists() else {}
        except sqlite3.OperationalError:  # a hook still creating it (notify, opencode: not awaited)
            return {}

    def hook_log(self) -> str:
        """What the hook said about its runs (for a failed assertion)."""
        logs = self.tp_home / "logs"
        found = sorted(logs.glob("hook*")) if logs.is_dir() else []
        return "\n".join(f"{p.name}: {p.read_text(errors='replace')}" for p in found) or "(the hook never ran)"


@pytest.fixture
def machine(tmp_path: Path, home: Path) -> Machine:
    user = tmp_path / "user"
    project = tmp_path / "project"
    for d in (user, project, user / ".codex", user / ".config", user / ".local" / "share",
              user / ".cache", user / ".local" / "state"):
        d.mkdir(parents=True, exist_ok=True)
    bindir = tmp_path / "bin"  # the clients as a user has them on PATH (install reads versions)
    bindir.mkdir()
    for name in CLIENTS:
        exe = os.environ.get(CLIENTS[name][0], "").strip()
        if exe and os.access(exe, os.X_OK):
            (bindir / name).symlink_to(exe)
    env = {
        "PATH": os.pathsep.join([str(bindir), str(BIN), os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(user), "CODEX_HOME": str(user / ".codex"), "GEMINI_CLI_HOME": str(user),
        "XDG_CONFIG_HOME": str(user / ".config"), "XDG_DATA_HOME": str(user / ".local" / "share"),
        "XDG_CACHE_HOME": str(user / ".cache"), "XDG_STATE_HOME": str(user / ".local" / "state"),
        "TOKENPRINT_HOME": str(home), "LANG": "C.UTF-8", "TERM": "dumb", "NO_COLOR": "1",
        # nothing leaves the machine: no telemetry, no update checks, npm offline
        "npm_config_offline": "true", "npm_config_registry": "http://127.0.0.1:9/",
        "npm_config_cache": str(tmp_path / "npm-cache"),
        "GEMINI_TELEMETRY_ENABLED": "false", "OPENCODE_DISABLE_AUTOUPDATE": "1",
        "OPENCODE_DISABLE_MODELS_FETCH": "1", "OPENCODE_DISABLE_SHARE": "1",
        "OPENCODE_DISABLE_LSP_DOWNLOAD": "1", "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
        "OPENCODE_EXPERIMENTAL_DISABLE_FILEWATCHER": "1",
    }
    for var in ("CLAUDE_CONFIG_DIR", "OPENCODE_DB", "OPENCODE_CONFIG", "OPENCODE_CONFIG_DIR",
                "GEMINI_API_KEY", "GOOGLE_API_KEY", "OPENAI_API_KEY", "CODEX_API_KEY"):
        env[var] = ""  # tests.conftest.run inherits the environment: blank what would leak in
    return Machine(tmp_path, user, home, project, env)


def clean(env: dict[str, str]) -> dict[str, str]:
    """The machine's environment for a client process (blanked variables dropped)."""
    return {k: v for k, v in env.items() if v}


def today() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


def wait_for(check: Any, timeout: float = 20.0) -> Any:
    """Poll ``check()`` until it is truthy (a detached hook, a file written after exit)."""
    end = time.monotonic() + timeout
    while True:
        got = check()
        if got or time.monotonic() > end:
            return got
        time.sleep(0.1)


# -- Codex -----------------------------------------------------------------------------

CODEX_MODEL = "gpt-fake-codex"
#: A user's config.toml with comments and formatting of its own.
CODEX_USER_CONFIG = """\
# my Codex settings (kept by hand)
approval_policy = "never"   # never ask in CI

[tui]
# the footer
show_tooltips = false
"""


def codex_provider(url: str) -> str:
    """A model provider that needs no login: Codex reads the key from the named variable."""
    return (f'model = "{CODEX_MODEL}"\nmodel_provider = "fake"\n'
            f'model_providers.fake = {{ name = "Fake", base_url = "{url}/v1", wire_api = "responses", '
            'env_key = "FAKE_MODEL_KEY" }\n')


def app_server(codex: str, m: Machine, calls: list[tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Codex's app server over stdio (JSONL JSON-RPC): initialize, then each call in turn;
    the results, in order (a JSON-RPC error fails the test with its message)."""
    msgs: list[dict[str, Any]] = [
        {"method": "initialize", "id": 0,
         "params": {"clientInfo": {"name": "tokenprint-tests", "title": None, "version": "0"},
                    "capabilities": None}},
        {"method": "initialized"}]
    msgs += [{"method": method, "id": i, "params": params} for i, (method, params) in enumerate(calls, 1)]
    proc = subprocess.Popen([codex, "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=clean(m.env), cwd=m.project)
    assert proc.stdin and proc.stdout
    results: dict[int, dict[str, Any]] = {}
    try:
        for msg in msgs:  # one at a time: a write waits for the one before it
            proc.stdin.write(json.dumps(msg) + "\n")
            proc.stdin.flush()
            want = msg.get("id")
            while want is not None and want not in results:
                line = proc.stdout.readline()
                assert line, f"codex app-server ended early: {proc.stderr.read() if proc.stderr else ''}"
                reply = json.loads(line)
                if "id" in reply and ("result" in reply or "error" in reply):
                    results[reply["id"]] = reply
    finally:
        proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    out = []
    for i, (method, _params) in enumerate(calls, 1):
        assert "error" not in results[i], (method, results[i]["error"])
        out.append(results[i]["result"])
    return out


def codex_hooks(codex: str, m: Machine) -> dict[str, Any]:
    """``hooks/list`` for the project: Codex's view of every hooks layer."""
    (listing,) = app_server(codex, m, [("hooks/list", {"cwds": [str(m.project)]})])
    (entry,) = listing["data"]
    return entry


def ours_in(entry: dict[str, Any], hooks_json: Path) -> dict[str, dict[str, Any]]:
    return {h["eventName"]: h for h in entry["hooks"]
            if h["sourcePath"] == str(hooks_json) and "tokenprint-hook" in h.get("command", "")}


def trust(codex: str, m: Machine, hooks: dict[str, dict[str, Any]]) -> None:
    """What approving the entries in ``/hooks`` records, written by Codex itself."""
    state = {h["key"]: {"trusted_hash": h["currentHash"]} for h in hooks.values()}
    app_server(codex, m, [("config/value/write",
                           {"keyPath": "hooks.state", "value": state, "mergeStrategy": "upsert"})])


def codex_doctor(codex: str, m: Machine) -> dict[str, Any]:
    proc = subprocess.run([codex, "doctor", "--json"], capture_output=True, text=True,
                          env=clean(m.env), cwd=m.project, timeout=60)
    report = json.loads(proc.stdout)  # exit 1 here: no login and no network are failures
    assert report["codexVersion"] == "0.171.0" or report["codexVersion"]
    return report["checks"]


def codex_exec(codex: str, m: Machine, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([codex, "exec", "--skip-git-repo-check", *args], capture_output=True,
                          text=True, env={**clean(m.env), "FAKE_MODEL_KEY": "not-a-secret"},
                          cwd=m.project, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, (proc.stdout, proc.stderr)
    return proc


def test_codex_lists_our_hooks_untrusted_then_trusted_and_its_doctor_loads_the_config(
        machine: Machine) -> None:
    codex = client("codex")
    m = machine
    config = m.home / ".codex" / "config.toml"
    config.write_text(CODEX_USER_CONFIG)
    out = m.tokenprint("hooks", "install", "codex").stdout
    assert "not yet trusted" in out, out
    assert config.read_text() == CODEX_USER_CONFIG  # a current Codex: hooks.json only
    hooks_json = m.home / ".codex" / "hooks.json"
    listing = codex_hooks(codex, m)
    assert (listing["warnings"], listing["errors"]) == ([], [])
    ours = ours_in(listing, hooks_json)
    assert sorted(ours) == ["stop", "subagentStop"]
    on_disk = json.loads(hooks_json.read_text())["hooks"]
    for event, name in (("Stop", "stop"), ("SubagentStop", "subagentStop")):
        (group,) = on_disk[event]
        (entry,) = group["hooks"]
        h = ours[name]
        assert (h["command"], h["timeoutSec"], h["handlerType"], h["source"]) == (
            entry["command"], entry["timeout"], "command", "user")
        assert (h["enabled"], h["trustStatus"]) == (True, "untrusted")
    assert codex_doctor(codex, m)["config.load"]["status"] == "ok"

    trust(codex, m, ours)
    after = ours_in(codex_hooks(codex, m), hooks_json)
    assert {k: h["trustStatus"] for k, h in after.items()} == {"stop": "trusted", "subagentStop": "trusted"}
    status = m.tokenprint("hooks", "status", "codex").stdout
    assert "not yet trusted" not in status, status
    assert codex_doctor(codex, m)["config.load"]["status"] == "ok"
    assert config.read_text().startswith(CODEX_USER_CONFIG.rstrip("\n"))  # Codex appended its state

    m.tokenprint("hooks", "uninstall", "codex")
    assert ours_in(codex_hooks(codex, m), hooks_json) == {}


def test_codex_exec_fires_our_trusted_hook_and_the_ledger_holds_the_servers_usage(
        machine: Machine) -> None:
    codex = client("codex")
    m = machine
    # the first turn takes two requests: a tool call (get_goal: no side effects), then
    # the answer; Codex writes a cumulative token_count after each
    first = Usage(prompt=12_000, cached=9_000, cache_write=500, output=300, reasoning=120,
                  call=("get_goal", "{}"))
    answer = Usage(prompt=12_600, cached=12_000, output=80, reasoning=10)
    second = Usage(prompt=15_500, cached=12_000, cache_write=0, output=410, reasoning=0)
    with serve(FakeModels([first, answer, second])) as fake:
        (m.home / ".codex" / "config.toml").write_text(codex_provider(fake.url) + CODEX_USER_CONFIG)
        m.tokenprint("hooks", "install", "codex")
        trust(codex, m, ours_in(codex_hooks(codex, m), m.home / ".codex" / "hooks.json"))
        day = today()
        codex_exec(codex, m, "say hello")
        assert m.ledger() == {(day, CODEX_MODEL): summed(first, answer)}, m.hook_log()
        codex_exec(codex, m, "resume", "--last", "and again")
        assert fake.unexpected == [] and fake.plan == []
    rollouts = list((m.home / ".codex" / "sessions").rglob("rollout-*.jsonl"))
    assert len(rollouts) == 1  # resume appends to the same rollout: cumulative totals
    assert m.ledger() == {(day, CODEX_MODEL): summed(first, answer, second)}, m.hook_log()
    # the backfill of Codex's own files agrees with what the hook recorded
    m.tokenprint("import", "codex", str(m.home / ".codex"))
    assert m.ledger() == {(day, CODEX_MODEL): summed(first, answer, second)}


def test_codex_loads_our_project_hooks_once_the_project_is_trusted(machine: Machine) -> None:
    """``--scope project`` writes ``<project>/.codex/hooks.json``; Codex reads a project's
    layers only in a trusted project (``[projects."<path>"] trust_level = "trusted"``,
    what the first-run prompt records): before that ``hooks/list`` shows nothing of
    it, not even a warning, so ``/hooks`` cannot offer to trust our entries yet."""
    codex = client("codex")
    m = machine
    subprocess.run(["git", "init", "-q", str(m.project)], check=True)
    m.tokenprint("hooks", "install", "codex", "--scope", "project", cwd=m.project)
    hooks_json = m.project / ".codex" / "hooks.json"
    assert hooks_json.is_file()
    listing = codex_hooks(codex, m)
    assert (ours_in(listing, hooks_json), listing["warnings"], listing["errors"]) == ({}, [], [])
    app_server(codex, m, [("config/value/write", {"keyPath": "projects", "mergeStrategy": "upsert",
                                                   "value": {str(m.project): {"trust_level": "trusted"}}})])
    listing = codex_hooks(codex, m)
    ours = ours_in(listing, hooks_json)
    assert (listing["warnings"], listing["errors"]) == ([], [])
    assert {k: (h["source"], h["trustStatus"]) for k, h in ours.items()} == {
        "stop": ("project", "untrusted"), "subagentStop": ("project", "untrusted")}


CHILD_TASK = "count the files (a subagent's task)"


def subagent_script(spawn: Usage, wait: Usage, child: Usage, done: Usage) -> Any:
    """The model's side of a turn that spawns a subagent with the parent's context
    (``multi_agent_v1.spawn_agent`` with ``fork_context``), waits for it, then answers."""
    import dataclasses

    def route(body: dict[str, Any]) -> Usage:
        items = body.get("input") or []
        last = items[-1] if items else {}
        outputs = {i.get("call_id"): i.get("output") for i in items if i.get("type") == "function_call_output"}
        if last.get("type") == "message" and CHILD_TASK in json.dumps(last):
            return child
        if "call_spawn_agent" not in outputs:
            return dataclasses.replace(spawn, namespace="multi_agent_v1", call=(
                "spawn_agent", json.dumps({"message": CHILD_TASK, "fork_context": True})))
        if "call_wait_agent" not in outputs:
            agent = json.loads(outputs["call_spawn_agent"])["agent_id"]
            return dataclasses.replace(wait, namespace="multi_agent_v1", call=(
                "wait_agent", json.dumps({"targets": [agent], "timeout_ms": 30000})))
        return done
    return route


def test_codex_subagent_with_the_parents_context_counts_each_request_once(machine: Machine) -> None:
    """A real subagent: Codex writes the child's rollout with the parent's session_meta
    and replayed turn copied in (history_mode "paginated" in 0.171: no parent token_count
    replayed), and fires SubagentStop and Stop; every request counts once."""
    codex = client("codex")
    m = machine
    spawn = Usage(prompt=5_000, cached=3_000, output=40, reasoning=15)
    wait = Usage(prompt=5_200, cached=5_000, output=20)
    child = Usage(prompt=6_000, cached=4_500, cache_write=300, output=250, reasoning=100)
    done = Usage(prompt=5_600, cached=5_100, output=60, reasoning=5)
    with serve(FakeModels([], aside=subagent_script(spawn, wait, child, done))) as fake:
        (m.home / ".codex" / "config.toml").write_text(codex_provider(fake.url))
        m.tokenprint("hooks", "install", "codex")
        trust(codex, m, ours_in(codex_hooks(codex, m), m.home / ".codex" / "hooks.json"))
        day = today()
        codex_exec(codex, m, "ask a subagent to count the files")
        assert len(fake.requests) == 4 and fake.unexpected == []
    rollouts = sorted((m.home / ".codex" / "sessions").rglob("rollout-*.jsonl"))
    metas = [json.loads(f.read_text().splitlines()[0])["payload"] for f in rollouts]
    assert sorted("subagent" in json.dumps(meta.get("source")) for meta in metas) == [False, True]
    expected = {(day, CODEX_MODEL): summed(spawn, wait, child, done)}
    assert wait_for(lambda: m.ledger() == expected and m.ledger(), timeout=10) == expected, m.hook_log()
    # Codex runs Stop before it writes the turn's task_complete line: the hook has read
    # every usage, but the rollouts have grown by a line without any since
    assert "(Stop, ok," in m.tokenprint("hooks", "status", "codex").stdout
    m.tokenprint("import", "codex", str(m.home / ".codex"))
    assert m.ledger() == expected
    status = m.tokenprint("hooks", "status", "codex").stdout
    assert "all 2 rollouts are in the ledger" in status, status


def test_codex_notify_fallback_loads_and_still_calls_the_users_program(machine: Machine) -> None:
    """On a Codex without stable hooks, install adds ``notify`` to config.toml (a shim
    ``codex --version`` plays the old one); the real Codex must load that config and
    call it after a turn, and the user's own notify program still gets its argument."""
    codex = client("codex")
    m = machine
    shim = m.root / "old-codex"
    shim.mkdir()
    (shim / "codex").write_text("#!/bin/sh\necho 'codex-cli 0.100.0'\n")
    (shim / "codex").chmod(0o755)
    seen = m.root / "user-notify.seen"
    program = m.root / "user-notify"
    program.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> "{seen}"\n')
    program.chmod(0o755)
    usage = Usage(prompt=8_000, cached=6_000, output=200, reasoning=50)
    with serve(FakeModels([usage])) as fake:
        config = m.home / ".codex" / "config.toml"
        user_config = (f'notify = ["{program}", "--from-codex"]  # my notifier\n'
                       + codex_provider(fake.url) + CODEX_USER_CONFIG)
        config.write_text(user_config)
        old = {**m.env, "PATH": f"{shim}{os.pathsep}{m.env['PATH']}"}
        proc = run("hooks", "install", "codex", env=old, exe=TOKENPRINT)
        assert proc.returncode == 0, proc.stderr
        text = config.read_text()
        assert "# my notifier" in text and "# my Codex settings (kept by hand)" in text, text
        assert "tokenprint-hook" in text.split("\n[")[0], text
        assert codex_doctor(codex, m)["config.load"]["status"] == "ok"
        day = today()
        codex_exec(codex, m, "say hello")  # hooks.json is untrusted: only notify runs
        assert wait_for(lambda: m.ledger()) == {(day, CODEX_MODEL): usage.buckets()}, m.hook_log()
    lines = wait_for(lambda: seen.exists() and seen.read_text().splitlines())
    assert lines and lines[0] == "--from-codex", lines
    payload = json.loads(lines[-1])
    assert payload["type"] == "agent-turn-complete" and payload["cwd"] == str(m.project)
    proc = run("hooks", "uninstall", "codex", env=old, exe=TOKENPRINT)
    assert proc.returncode == 0, proc.stderr
    assert config.read_text() == user_config


# -- Gemini CLI ------------------------------------------------------------------------

GEMINI_MODEL = "gemini-2.5-pro"
#: A user's settings.json with comments (JSONC, which Gemini CLI reads).
GEMINI_USER_SETTINGS = """\
// my Gemini settings
{
  // no login: the key comes from GEMINI_API_KEY
  "security": {"auth": {"selectedType": "gemini-api-key"}},
  "ui": {"hideBanner": true} // quiet (comments, but no trailing commas: JSON.parse after
}                               // stripping comments rejects them, exit 52)
"""
EXTENSION = ROOT / "plugins" / "gemini-cli"


def gemini(exe: str, m: Machine, *args: str, url: str = "", ok: bool = True
           ) -> subprocess.CompletedProcess[str]:
    env = {**clean(m.env), "GEMINI_CLI_TRUST_WORKSPACE": "true"}
    if url:
        env |= {"GEMINI_API_KEY": "not-a-secret", "GOOGLE_GEMINI_BASE_URL": url}
    proc = subprocess.run([exe, *args], capture_output=True, text=True, env=env, cwd=m.project,
                          timeout=120, stdin=subprocess.DEVNULL)
    if ok:
        assert proc.returncode == 0, (args, proc.stdout, proc.stderr)
        rejected = [w for w in GEMINI_REJECTS if w in proc.stderr]
        assert not rejected, proc.stderr
    return proc


def test_gemini_runs_our_settings_hooks_in_a_commented_settings_file(machine: Machine) -> None:
    exe = client("gemini")
    m = machine
    settings = m.home / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(GEMINI_USER_SETTINGS)
    m.tokenprint("hooks", "install", "gemini-cli")
    text = settings.read_text()
    assert "// my Gemini settings" in text and "// quiet" in text and "tokenprint-hook" in text, text
    # two requests in one turn: a read-only tool call (list_directory), then the answer
    step = Usage(prompt=20_000, cached=15_000, output=40, reasoning=250,
                 call=("list_directory", json.dumps({"dir_path": "."})))
    usage = Usage(prompt=20_400, cached=20_000, output=400, reasoning=0)
    with serve(FakeModels([step, usage])) as fake:
        day = today()
        out = gemini(exe, m, "-p", "say hello", "-m", GEMINI_MODEL, url=fake.url)
        assert out.stdout.strip() == usage.text
        assert fake.unexpected == [] and fake.plan == []
    expected = {(day, GEMINI_MODEL): summed(step, usage)}
    assert wait_for(lambda: m.ledger()) == expected, m.hook_log()
    chats = list((m.home / ".gemini" / "tmp").rglob("session-*.jsonl"))
    assert len(chats) == 1
    m.tokenprint("import", "gemini-cli", str(m.home / ".gemini"))
    assert m.ledger() == expected
    m.tokenprint("hooks", "uninstall", "gemini-cli")
    assert settings.read_text() == GEMINI_USER_SETTINGS


def test_gemini_validates_links_and_runs_our_extension(machine: Machine) -> None:
    exe = client("gemini")
    if not (EXTENSION / "gemini-extension.json").is_file():
        pytest.skip("plugins/gemini-cli (the Gemini CLI extension) has not landed yet")
    m = machine
    settings = m.home / ".gemini" / "settings.json"
    settings.parent.mkdir()
    settings.write_text(GEMINI_USER_SETTINGS)
    # link loads and validates the manifest as `gemini extensions validate` does (4 s saved)
    linked = gemini(exe, m, "extensions", "link", str(EXTENSION), "--consent")
    assert "linked successfully" in linked.stdout + linked.stderr, linked
    listing = gemini(exe, m, "extensions", "list", "--output-format", "json")
    listed = json.loads(listing.stdout.strip() or listing.stderr)  # 0.61 prints it on stderr
    manifest = json.loads((EXTENSION / "gemini-extension.json").read_text())
    (ext,) = [e for e in listed if e.get("name") == manifest["name"]]
    assert (ext["version"], ext["isActive"], Path(ext["path"])) == (manifest["version"], True, EXTENSION)
    # the hooks as Gemini CLI loaded them from hooks/hooks.json
    assert sorted(ext["hooks"]) == ["AfterAgent", "SessionEnd"], ext
    for groups in ext["hooks"].values():
        assert ["tokenprint-hook gemini-cli" in h["command"] for g in groups for h in g["hooks"]] == [True]
    usage = Usage(prompt=9_000, cached=4_000, output=120, reasoning=30)
    with serve(FakeModels([usage])) as fake:
        day = today()
        gemini(exe, m, "-p", "say hello", "-m", GEMINI_MODEL, url=fake.url)
    # the extension's hook runs tokenprint-hook from PATH (or its own copy)
    assert wait_for(lambda: m.ledger()) == {(day, GEMINI_MODEL): usage.buckets()}, m.hook_log()


# -- opencode --------------------------------------------------------------------------

OPENCODE_MODEL = "fake-opencode-model"
TITLE = Usage(prompt=77, output=7, text="A title")


def title_request(body: dict[str, Any]) -> Usage | None:
    """opencode asks the model for a session title beside the turn: not in its database."""
    return TITLE if "title generator" in json.dumps(body.get("messages", ""))[:2000] else None


def opencode_config(url: str) -> dict[str, Any]:
    return {"$schema": "https://opencode.ai/config.json", "autoupdate": False, "share": "disabled",
            "model": f"fake/{OPENCODE_MODEL}",
            "provider": {"fake": {"npm": "@ai-sdk/openai-compatible", "name": "Fake",
                                  "options": {"baseURL": f"{url}/v1", "apiKey": "not-a-secret"},
                                  "models": {OPENCODE_MODEL: {"name": "Fake"}}}}}


@pytest.fixture
def opencode_db(machine: Machine) -> Iterator[Path]:
    yield machine.home / ".local" / "share" / "opencode" / "opencode.db"


def test_opencode_loads_our_plugin_and_the_ledger_holds_the_servers_usage(
        machine: Machine, opencode_db: Path) -> None:
    exe = client("opencode")
    m = machine
    out = m.tokenprint("hooks", "install", "opencode").stdout
    plugin = m.home / ".config" / "opencode" / "plugins" / "tokenprint.js"
    assert plugin.is_file(), out
    # one turn, two steps: a tool call (glob), then the answer
    step = Usage(prompt=30_000, cached=24_000, output=600, reasoning=90,
                 call=("glob", json.dumps({"pattern": "*.txt"})))
    usage = Usage(prompt=31_000, cached=30_000, output=150, reasoning=0)
    with serve(FakeModels([step, usage], aside=title_request)) as fake:
        (m.home / ".config" / "opencode" / "opencode.json").write_text(json.dumps(opencode_config(fake.url)))
        day = today()
        proc = subprocess.run([exe, "run", "--print-logs", "--log-level", "INFO", "say hello"],
                              capture_output=True, text=True, env=clean(m.env), cwd=m.project,
                              timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stderr[-4000:]
        assert usage.text in proc.stdout
        # a plugin that fails is logged as level=ERROR message="failed to load plugin" path=...
        errors = [line for line in proc.stderr.splitlines() if "level=ERROR" in line or "failed to load plugin" in line]
        assert errors == [], errors
        assert fake.unexpected == [] and fake.plan == []
    # the plugin spawns the hook detached on session.idle: wait for it
    expected = {(day, OPENCODE_MODEL): summed(step, usage)}
    assert wait_for(lambda: m.ledger() == expected and m.ledger()) == expected, m.hook_log()
    assert opencode_db.is_file()
    # opencode's own record (1.18.33): each step is an assistant message of its own, with
    # one step-finish part holding the same tokens (input without the cache reads)
    with sqlite3.connect(f"file:{opencode_db}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id, data FROM message ORDER BY time_created").fetchall()
        parts = db.execute("SELECT message_id, data FROM part ORDER BY time_created").fetchall()
    messages = {i: json.loads(d) for i, d in rows if json.loads(d).get("role") == "assistant"}
    steps = {i: json.loads(d)["tokens"] for i, d in parts if json.loads(d).get("type") == "step-finish"}
    assert [(t["input"], t["cache"]["read"], t["output"], t["reasoning"]) for t in steps.values()] == [
        (6_000, 24_000, 600, 90), (1_000, 30_000, 150, 0)]
    assert {i: m["tokens"] for i, m in messages.items()} == steps
    m.tokenprint("import", "opencode", str(opencode_db))
    assert m.ledger() == expected  # the title request is not in opencode's database
    m.tokenprint("hooks", "uninstall", "opencode")
    assert not plugin.exists()


def test_client_binaries_are_the_pinned_versions() -> None:
    """.ci/run pins the versions; a binary from elsewhere says which it is (the three
    asked at once: Gemini CLI alone takes 3 to 4 s to start)."""
    pins = dict(re.findall(r'^([A-Z]+)_VERSION=(\S+)$', (ROOT / ".ci" / "run").read_text(), re.M))
    wanted = {"codex": pins["CODEX"], "gemini": pins["GEMINI"], "opencode": pins["OPENCODE"]}
    procs = {}
    for name, (var, _package) in CLIENTS.items():
        exe = os.environ.get(var, "").strip()
        if exe and shutil.which(exe):
            procs[name] = subprocess.Popen([exe, "--version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                           text=True, env={**os.environ, "NO_COLOR": "1"})
    if not procs:
        pytest.skip("no real client installed ($TOKENPRINT_TEST_CODEX/GEMINI/OPENCODE unset)")
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0 and wanted[name] in out, (name, out, err)
