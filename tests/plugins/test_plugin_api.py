"""The plugin API through the real entry-point mechanism: packages installed with pip.

The example plugin (``plugins/example-client``) and two broken ones are installed with
``pip install --target`` into folders put on ``PYTHONPATH``; the real ``tokenprint`` and
``tokenprint-hook`` run as subprocesses. Nothing patches the registry.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import TOKENPRINT_HOOK, run

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plugins" / "example-client"
LABEL = "plugin 'example' (tokenprint-example-client 0.1.0)"
HEAVY = ("sqlalchemy", "sqlmodel", "click", "textual", "rich", "pydantic", "tomlkit", "platformdirs", "pluggy")

BROKEN_IMPORT = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tokenprint-broken-plugin"
        version = "0.1.0"
        [project.entry-points.tokenprint]
        broken = "tokenprint_broken_plugin"
        [tool.setuptools]
        packages = ["tokenprint_broken_plugin"]
    """,
    "tokenprint_broken_plugin/__init__.py": "import nothere  # noqa\n",
}
BAD_DECLARATIONS = {
    "pyproject.toml": """
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "tokenprint-bad-plugin"
        version = "0.2.0"
        [project.entry-points.tokenprint]
        bad = "tokenprint_bad_plugin"
        [tool.setuptools]
        packages = ["tokenprint_bad_plugin"]
    """,
    "tokenprint_bad_plugin/__init__.py": '''
        from ledger.plugins import hookimpl

        ROW = {"provider": "example", "host": "cloud",
               "params": {"total": 3, "unit": "billion", "year": 2026, "source": "made up"}}

        @hookimpl
        def register_clients(register):
            register("codex", "tokenprint_bad_plugin.noparse")
            register("Bad Name", "tokenprint_bad_plugin.noparse")
            register("noparse-client", "tokenprint_bad_plugin.noparse")
            register("twice-client", "tokenprint_bad_plugin.wrongname")
            register("twice-client", "tokenprint_bad_plugin.noparse")

        @hookimpl
        def register_models(register):
            register({**ROW, "id": "gpt-4o", "params": {**ROW["params"], "total": 1}})
            register({**ROW, "id": "nosource-1b", "params": {"total": 1, "unit": "billion", "year": 2026}})
            register({**ROW, "id": "bad-good-3b", "aliases": ["GPT-4O-2024-05-13"]})
            register({**ROW, "id": "bad-good-3b"})

        @hookimpl
        def register_factor_sets(register):
            register("mine", {"host": {"anthropic": {"region": "US"}}})
            register("nozone", {"zone": {"XX": {"intensity": {"value": 100, "unit": "g", "year": 2026,
                                                              "source": "made up"}}}})

        @hookimpl
        def register_client(register):
            pass
    ''',
    "tokenprint_bad_plugin/noparse.py": 'CLIENT = "noparse-client"\n',
    "tokenprint_bad_plugin/wrongname.py": 'CLIENT = "other"\nparse = default_roots = transcripts = hook_paths = print\n',
}


def _pip_install(target: Path, *sources: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "--disable-pip-version-check", "--target", str(target), *map(str, sources)],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _package(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text).lstrip())
    return folder


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``ok``: the example plugin alone; ``broken``: the two broken plugins."""
    base = tmp_path_factory.mktemp("sites")
    src = base / "src"
    shutil.copytree(EXAMPLE, src / "example", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    _package(src / "broken", BROKEN_IMPORT)
    _package(src / "bad", BAD_DECLARATIONS)
    _pip_install(base / "ok", src / "example")
    _pip_install(base / "broken", src / "broken", src / "bad")
    return {"ok": base / "ok", "broken": base / "broken"}


@pytest.fixture
def env(sites: dict[str, Path], home: Path, tmp_path: Path) -> dict[str, str]:
    """The example plugin on PYTHONPATH, Example Chat's home, a private cache folder."""
    (tmp_path / "example" / "logs").mkdir(parents=True)
    return {"PYTHONPATH": str(sites["ok"]), "EXAMPLE_CLIENT_HOME": str(tmp_path / "example"),
            "XDG_CACHE_HOME": str(tmp_path / "cache"), "TOKENPRINT_HOME": str(home)}


LOG = (
    b"# Example Chat 1.0\n"
    b"r1 2026-11-30T10:00:00Z example-7b in=120 out=45 cached=30\n"
    b"r2 2026-11-30T10:01:00+01:00 gpt-4o in=10 out=5 think=7\n"
    b"\n"
    b"r3 2026-11-30T10:02:00Z example-7b in=abc out=1\n"
    b"r4 2026-11-30T10:03:00Z example-7b out=1\n"
    b"r5 1990-01-01T00:00:00Z example-7b in=1 out=1\n"
    b"r6 2026-11-30T10:04:00Z example-7b in=1000000001 out=1\n"
    b"r7 yesterday example-7b in=1 out=1\n"
    b"r1 2026-11-30T10:00:00Z example-7b in=121 out=46 cached=30\n"
    b"r8 2026-11-30T10:05:00Z example-7b in=7 out=8 cached=1"  # being written: no newline yet
)
SKIPS = ("5 lines skipped (2 bad usage counts, 1 instant outside the accepted window, "
         "1 count above the maximum per request, 1 bad timestamp)")


def events(home: Path) -> dict[str, tuple[Any, ...]]:
    with sqlite3.connect(home / "ledger.db") as conn:
        rows = conn.execute("SELECT event_id, model, ts, input_tokens, cache_write_tokens, cache_read_tokens, "
                            "output_tokens, reasoning_tokens, requests, source FROM events "
                            "WHERE client = 'example-client'").fetchall()
    return {r[0]: r[1:] for r in rows}


MS_1000 = 1796032800000  # 2026-11-30T10:00:00Z


def test_import_help_lists_the_plugin_client(env: dict[str, str]) -> None:
    proc = run("import", "--help", env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    clients = proc.stdout.split("Clients:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in clients] == sorted(line.split()[0] for line in clients)
    assert f"  example-client  from {LABEL}" in clients
    assert "  codex           built-in" in clients
    # and without the plugin on the path, it is not there
    proc = run("import", "--help", env={**env, "PYTHONPATH": ""})
    assert "example-client" not in proc.stdout and proc.returncode == 0


def test_import_reimport_and_the_rest_of_a_line(env: dict[str, str], home: Path) -> None:
    log = Path(env["EXAMPLE_CLIENT_HOME"]) / "logs" / "a.log"
    log.write_bytes(LOG)
    proc = run("import", "example-client", env=env)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert proc.stdout.strip() == ("example-client: 1 file (1 read, 0 unchanged), 2 new events, 0 updated, "
                                   f"{SKIPS}, 0.0 MB read")
    first = {"r1": ("example-7b", MS_1000, 121, 0, 30, 46, 0, 1, "example-log"),
             "r2": ("gpt-4o", MS_1000 - 59 * 60_000, 10, 0, 0, 5, 7, 1, "example-log")}
    assert events(home) == first
    again = run("import", "example-client", env=env)
    assert again.stdout.strip() == ("example-client: 1 file (0 read, 1 unchanged), 0 new events, 0 updated, "
                                    "0 lines skipped, 0.0 MB read")
    assert events(home) == first
    with open(log, "ab") as fh:
        fh.write(b" think=2\nr9 2026-11-30T10:06:00Z example-7b in=3 out=4\n")
    proc = run("import", "example-client", str(log), env=env)
    assert proc.stdout.strip() == ("example-client: 1 file (1 read, 0 unchanged), 2 new events, 0 updated, "
                                   "0 lines skipped, 0.0 MB read")
    assert events(home) == {**first, "r8": ("example-7b", MS_1000 + 300_000, 7, 0, 1, 8, 2, 1, "example-log"),
                            "r9": ("example-7b", MS_1000 + 360_000, 3, 0, 0, 4, 0, 1, "example-log")}


def test_hooks_install_status_and_the_hook_of_a_plugin_client(env: dict[str, str], home: Path) -> None:
    client_home = Path(env["EXAMPLE_CLIENT_HOME"])
    log = client_home / "logs" / "a.log"
    log.write_bytes(b"h1 2026-11-30T10:00:00Z example-7b in=5 out=6\n")
    proc = run("hooks", "status", "example-client", env=env)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [
        "example-client: hooks not installed (run `tokenprint hooks install example-client`)",
        "example-client: the hook has not run yet",
        "example-client: 1 of 1 log (0.0 MB) has usage not yet in the ledger: run `tokenprint import example-client`",
    ]
    proc = run("hooks", "install", "example-client", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"example-client: installed in {client_home / 'settings.json'} (Stop)"
    hook_cmd = json.loads((client_home / "settings.json").read_text())["hooks"]["Stop"][0]["hooks"][0]["command"]
    assert f"tokenprint-hook example-client --home {home}" in hook_cmd
    proc = run("example-client", "Stop", input=json.dumps({"log_path": str(log)}), env=env, exe=TOKENPRINT_HOOK)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert events(home) == {"h1": ("example-7b", MS_1000, 5, 0, 0, 6, 0, 1, "example-log")}
    proc = run("hooks", "status", env=env)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("example-client")]
    assert lines[0] == f"example-client: hooks installed in {client_home / 'settings.json'} (user): Stop"
    assert lines[1].startswith("example-client: last hook run ") and lines[1].endswith("(Stop, ok, 1 new, 0 updated)")
    assert lines[2] == "example-client: the only log is in the ledger"
    checks = {c["check"]: (c["status"], c["message"]) for c in json.loads(run("doctor", "--json", env=env).stdout)
              ["checks"] if "example-client" in c["check"]}
    assert checks == {
        "hooks.example-client.installed": ("ok", f"example-client: hooks installed in {client_home / 'settings.json'} "
                                                 "(user): Stop"),
        "hooks.example-client.last_run": ("ok", checks["hooks.example-client.last_run"][1]),
        "positions.example-client.cleanup": ("ok", "example-client: 1 source file known, none at risk of cleanup"),
    }
    assert re.fullmatch(r"example-client: last hook run \d+ s ago, ok", checks["hooks.example-client.last_run"][1])
    proc = run("hooks", "uninstall", "example-client", env=env)
    assert proc.returncode == 0 and not (client_home / "settings.json").exists()


def _hook_modules(env: dict[str, str], client: str, payload: str) -> list[str]:
    code = (
        "import sys, io\n"
        f"sys.stdin = io.TextIOWrapper(io.BytesIO({payload.encode()!r}))\n"
        "from hooks.entry import main\n"
        f"main([{client!r}, 'Stop'])\n"
        "print(repr(sorted(sys.modules)))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})
    assert proc.returncode == 0, proc.stderr
    modules: list[str] = eval(proc.stdout)  # noqa: S307 - our own repr of a list of names
    return modules


def test_hook_of_a_plugin_client_is_standard_library_only(env: dict[str, str], home: Path) -> None:
    log = Path(env["EXAMPLE_CLIENT_HOME"]) / "logs" / "a.log"
    log.write_bytes(b"s1 2026-11-30T10:00:00Z example-7b in=1 out=2\n")
    modules = _hook_modules(env, "example-client", json.dumps({"log_path": str(log)}))
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []
    assert "tokenprint_example_client.adapter" in modules  # it did the work through the plugin
    assert events(home) == {"s1": ("example-7b", MS_1000, 1, 0, 0, 2, 0, 1, "example-log")}


def test_hook_of_a_built_in_client_scans_no_entry_point(env: dict[str, str], sites: dict[str, Path],
                                                       home: Path, tmp_path: Path) -> None:
    env = {**env, "PYTHONPATH": os.pathsep.join([str(sites["ok"]), str(sites["broken"])])}
    transcript = tmp_path / "t.jsonl"
    transcript.write_text("")
    modules = _hook_modules(env, "claude-code", json.dumps({"transcript_path": str(transcript),
                                                            "hook_event_name": "Stop"}))
    assert {"importlib.metadata", "ledger.plugins", "hooks.plugins", "tokenprint_example_client",
            "tokenprint_broken_plugin", "tokenprint_bad_plugin"} & set(modules) == set()
    assert not (tmp_path / "cache").exists()  # not even the cache of the entry points is read
    log = home / "logs" / "hook.log"
    assert "plugin" not in (log.read_text() if log.exists() else "")


def test_model_rows_and_factor_sets_of_a_plugin(env: dict[str, str]) -> None:
    proc = run("estimate", "--model", "example-7b-chat", "--input", "1000", "--json", env=env)
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    out = json.loads(proc.stdout)
    assert out["model_resolved"] == {
        "id": "example-7b", "provider": "example", "family": "example", "host": "examplecloud", "arch": "dense",
        "params_total_b": {"low": 7.0, "central": 7.0, "high": 7.0},
        "params_active_b": {"low": 7.0, "central": 7.0, "high": 7.0},
        "params_source": "Example Labs model card (invented for tokenprint's example plugin)",
        "reasoning": False, "match": "table", "requested": "example-7b-chat"}
    assert out["grid"]["zone"] == "FR"  # the plugin host's region
    assert out["warnings"] == []
    # without the plugin: the same id is an unknown model, sized from its name
    bare = json.loads(run("estimate", "--model", "example-7b-chat", "--input", "1000", "--json",
                          env={**env, "PYTHONPATH": ""}).stdout)
    assert bare["model_resolved"]["match"] == "tag" and bare["model_resolved"]["host"] == "cloud"


def test_broken_plugins_are_named_and_break_nothing(env: dict[str, str], sites: dict[str, Path],
                                                    home: Path) -> None:
    env = {**env, "PYTHONPATH": os.pathsep.join([str(sites["ok"]), str(sites["broken"])])}
    bad = "plugin 'bad' (tokenprint-bad-plugin 0.2.0)"
    expected = [  # plugins in the order of their names: bad, broken, example
        f"{bad}: 'register_client' is marked as a hook but tokenprint has no such hook (hooks: "
        "register_clients, register_models, register_factor_sets); ignored",
        "plugin 'broken' (tokenprint-broken-plugin 0.1.0): cannot be loaded (tokenprint_broken_plugin): "
        "ModuleNotFoundError: No module named 'nothere'; left out (pip uninstall tokenprint-broken-plugin, "
        "or set TOKENPRINT_LOAD_PLUGINS to the plugins to load)",
        f"{bad}: register_clients: 'codex' is a built-in client; a plugin never replaces a client: ignored",
        f"{bad}: register_clients: 'Bad Name' is not a client name (lower-case letters, digits, '.', '_', '-'); "
        "ignored",
        f"{bad}: register_clients: 'twice-client' is registered by {bad}; a plugin never replaces a client: ignored",
        f"{bad}: the adapter tokenprint_bad_plugin.noparse of client 'noparse-client' lacks parse, "
        "default_roots, transcripts, hook_paths; client left out",
        f"{bad}: the adapter tokenprint_bad_plugin.wrongname declares CLIENT = 'other', registered as "
        "'twice-client'; client left out",
    ]
    proc = run("import", "--help", env=env)
    assert proc.returncode == 0
    assert [line.removeprefix("tokenprint: warning: ") for line in proc.stderr.splitlines()] == expected
    assert f"  example-client  from {LABEL}" in proc.stdout.splitlines()
    assert "noparse-client" not in proc.stdout and "twice-client" not in proc.stdout
    # the example client still imports; a report still runs
    (Path(env["EXAMPLE_CLIENT_HOME"]) / "logs" / "a.log").write_bytes(b"b1 2026-11-30T10:00:00Z m in=1 out=1\n")
    proc = run("import", "example-client", env=env)
    assert proc.returncode == 0 and "1 new event" in proc.stdout
    rep = run("report", "--json", env=env)
    assert rep.returncode == 0
    # the report says what its figures leave out (a model row refused)
    assert (f"tokenprint: warning: {bad}: model 'nosource-1b': params: no source; row ignored"
            in rep.stderr.splitlines()), rep.stderr
    # doctor: one finding per problem, model rows and factor sets included
    proc = run("doctor", "--json", env=env)
    found = [f["message"] for f in json.loads(proc.stdout)["checks"] if f["check"] == "plugins"]
    assert found == expected + [
        f"{bad}: factor set 'mine': host 'anthropic' is already in the built-in factors; a plugin never "
        "replaces a host: ignored",
        f"{bad}: factor set 'nozone': zone 'XX'.intensity: unit must be gCO2e/kWh; zone ignored",
        f"{bad}: model 'gpt-4o': 'gpt-4o' is already a built-in model (id or alias); a plugin row never "
        "replaces a model row: ignored",
        f"{bad}: model 'nosource-1b': params: no source; row ignored",
        f"{bad}: model 'bad-good-3b': 'gpt-4o-2024-05-13' is already a built-in model (id or alias); a plugin "
        "row never replaces a model row: ignored",
    ]
    # the built-in row stands, the plugin's valid row counts
    gpt = json.loads(run("estimate", "--model", "gpt-4o", "--json", env=env).stdout)["model_resolved"]
    assert (gpt["provider"], gpt["params_total_b"]["central"]) == ("openai", 440.0)
    good = json.loads(run("estimate", "--model", "bad-good-3b", "--json", env=env).stdout)["model_resolved"]
    assert (good["match"], good["host"], good["params_total_b"]["central"]) == ("table", "cloud", 3.0)
    # the hook of a broken plugin's client logs why and exits 0; a built-in's hook is untouched
    proc = run("noparse-client", input="{}", env=env, exe=TOKENPRINT_HOOK)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    hook_log = (home / "logs" / "hook.log").read_text()
    assert "tokenprint_bad_plugin.noparse of client 'noparse-client' lacks parse" in hook_log
    assert "unknown client 'noparse-client'" in hook_log
    # $TOKENPRINT_LOAD_PLUGINS: only the plugins named
    proc = run("import", "--help", env={**env, "TOKENPRINT_LOAD_PLUGINS": "example"})
    assert (proc.returncode, proc.stderr) == (0, "") and f"  example-client  from {LABEL}" in proc.stdout


def test_entry_points_are_cached_until_the_environment_changes(env: dict[str, str], sites: dict[str, Path],
                                                               tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(sites["ok"], site)
    env = {**env, "PYTHONPATH": str(site)}
    listing = "from hooks import clients; print(' '.join(clients()))"
    first = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True,
                           env={**os.environ, **env}, timeout=60)
    assert "example-client" in first.stdout.split()
    cached = list((tmp_path / "cache" / "tokenprint").glob("plugins-*.json"))
    assert len(cached) == 1
    assert json.loads(cached[0].read_text()) == [{"name": "example", "value": "tokenprint_example_client",
                                                  "dist": "tokenprint-example-client", "version": "0.1.0"}]
    # a second run reads the cache: importlib.metadata is not needed
    no_meta = "import sys; sys.modules['importlib.metadata'] = None\n" + listing
    second = subprocess.run([sys.executable, "-c", no_meta], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=60)
    assert second.stdout == first.stdout, second.stderr
    # removing the package changes its folder: read again, and the old cache file goes
    shutil.rmtree(site / "tokenprint_example_client-0.1.0.dist-info")
    third = subprocess.run([sys.executable, "-c", listing], capture_output=True, text=True,
                           env={**os.environ, **env}, timeout=60)
    assert "example-client" not in third.stdout.split()
    again = list((tmp_path / "cache" / "tokenprint").glob("plugins-*.json"))
    assert len(again) == 1 and again != cached and json.loads(again[0].read_text()) == []


# -- in-process: the same checks for built-in data, the example adapter's parse --------------


def test_built_in_data_passes_the_checks_plugin_rows_get() -> None:
    from ledger import plugins
    from ledger.impact import loading, plugin_data

    assert plugins.cache_dir() == loading.cache_dir()
    hosts = set(loading.load("factors")["host"])
    zones = set(loading.load("grids")["zone"])
    assert [p for r in loading.load("models")["model"] for p in plugin_data.model_problems(r, hosts)] == []
    assert [p for h, s in loading.load("factors")["host"].items() for p in plugin_data.host_problems(h, s, zones)] == []
    assert [p for z, s in loading.load("grids")["zone"].items() for p in plugin_data.zone_problems(z, s)] == []
    row = {"id": "x-1b", "provider": "nowhere", "aliases": "x", "reasoning": 1,
           "params": {"total": [3, 1], "unit": "billion", "year": "2026", "source": " "},
           "price": {"input": -1, "unit": "USD"}}
    assert plugin_data.model_problems(row, hosts) == [
        "model 'x-1b': aliases must be a list of non-empty strings",
        f"model 'x-1b': host 'nowhere' is not a known host ({', '.join(sorted(hosts))}; a factor set may add one)",
        "model 'x-1b': reasoning must be true or false",
        "model 'x-1b': params.total: bad size in billions (range out of order or negative: (3.0, 1.7320508075688772, 1.0))",
        "model 'x-1b': params: no source",
        "model 'x-1b': params: no year (an integer)",
        "model 'x-1b': price.input must be a non-negative number",
        "model 'x-1b': price needs input and output",
        "model 'x-1b': price: date missing",
        "model 'x-1b': price: source missing",
    ]


def _example_adapter() -> Any:
    import importlib

    sys.path.insert(0, str(EXAMPLE))
    try:
        return importlib.import_module("tokenprint_example_client.adapter")
    finally:
        sys.path.remove(str(EXAMPLE))


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=0, max_value=len(LOG)), max_size=6))
def test_example_parse_is_independent_of_chunk_boundaries(cuts: list[int]) -> None:
    """Fed in any chunks (each read resuming at what the last consumed), the same events."""
    adapter = _example_adapter()
    whole = adapter.parse(LOG, True)
    got: dict[str, Any] = {}
    skips: dict[str, int] = {}
    pos = 0
    for end in [*sorted(cuts), len(LOG)]:
        if end <= pos:
            continue
        parsed = adapter.parse(LOG[pos:end], end == len(LOG))
        for ev in parsed.events:
            got[ev.event_id] = ev
        for k, n in parsed.skips.items():
            skips[k] = skips.get(k, 0) + n
        pos += parsed.consumed
    assert pos == whole.consumed == LOG.rfind(b"\n") + 1
    assert {e.event_id: e for e in whole.events} == got
    assert skips == whole.skips == {"bad-usage": 2, "far-instant": 1, "absurd-count": 1, "bad-timestamp": 1}
    assert adapter.parse(LOG, True) == whole  # idempotent: a pure function of its bytes
