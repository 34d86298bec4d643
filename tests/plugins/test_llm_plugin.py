"""``llm footprint`` through the real ``llm`` executable, with the llm-tokenprint plugin
installed (through llm's own entry-point mechanism, ``llm plugins``).

llm writes ``logs.db`` itself: its own OpenAI plugin (Chat Completions, and the
Responses API with ``responses: true``) is pointed at the local fake server
(``tests/plugins/fake_models.py``) by ``extra-openai-models.yaml``, which answers with
the usage the test planned. Nothing is mocked inside llm or tokenprint.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BIN, run
from tests.plugins.fake_models import FakeModels, Usage, serve, summed

ROOT = Path(__file__).resolve().parents[2]
LLM = str(BIN / "llm")
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens",
           "requests")

CHAT = Usage(prompt=1200, cached=1000, output=50, reasoning=30)
RESPONSES = Usage(prompt=800, cached=300, output=60, reasoning=20)
AGAIN = Usage(prompt=1300, cached=1200, output=40)


@pytest.fixture(scope="module")
def plugin_installed() -> None:
    """llm-tokenprint installed in this environment (editable, from plugins/llm), as
    ``llm install -e plugins/llm`` would; llm then lists it among its plugins."""
    try:
        importlib.metadata.distribution("llm-tokenprint")
    except importlib.metadata.PackageNotFoundError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", str(ROOT / "plugins" / "llm")],
                       check=True, capture_output=True, timeout=300)
    out = subprocess.run([LLM, "plugins"], capture_output=True, text=True, check=True, timeout=60).stdout
    assert {"name": "llm-tokenprint", "hooks": ["register_commands"], "version": "0.1.0"} in json.loads(out)


def llm_run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run(*args, env=env, exe=LLM, timeout=120)


def totals(rep: dict[str, Any]) -> dict[str, int]:
    return {b: rep["totals"][b] for b in BUCKETS}


def test_llm_footprint(home: Path, tmp_path: Path, plugin_installed: None) -> None:
    user = tmp_path / "llm-user"
    user.mkdir()
    env = {"LLM_USER_PATH": str(user), "TOKENPRINT_HOME": str(home), "OPENAI_API_KEY": "sk-not-used"}
    with serve(FakeModels([CHAT, RESPONSES, AGAIN])) as fake:
        (user / "extra-openai-models.yaml").write_text(
            f"- model_id: fake-chat\n  model_name: fake-chat-1\n  api_base: {fake.url}/v1\n"
            f"- model_id: fake-resp\n  model_name: fake-resp-1\n  api_base: {fake.url}/v1\n  responses: true\n")
        for args in (("-m", "fake-chat", "hello"), ("-m", "fake-resp", "hello")):
            p = llm_run(*args, env=env)
            assert p.returncode == 0, p.stderr
        # Nothing imported yet: the first footprint reads both turns.
        p = llm_run("footprint", "--tz", "UTC", "--json", env=env)
        assert p.returncode == 0, p.stderr
        first = json.loads(p.stdout)
        # The last conversation continued (llm -c): a third turn in fake-resp's thread.
        p = llm_run("-c", "again", env=env)
        assert p.returncode == 0, p.stderr
        assert fake.unexpected == []
        assert [path for path, _ in fake.requests] == ["/v1/chat/completions", "/v1/responses",
                                                       "/v1/responses"]
    assert first["import"] == {"files": 1, "read": 1, "new": 2, "updated": 0, "skipped": {}, "errors": []}
    assert totals(first["today"]) == summed(CHAT, RESPONSES)

    today = dt.datetime.now(dt.UTC).date()
    p = llm_run("footprint", "--tz", "UTC", "--json", env=env)
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["import"] == {"files": 1, "read": 1, "new": 1, "updated": 0, "skipped": {}, "errors": []}
    want = summed(CHAT, RESPONSES, AGAIN)
    assert want == {"input_tokens": 800, "cache_write_tokens": 0, "cache_read_tokens": 2500,
                    "output_tokens": 150, "reasoning_tokens": 50, "requests": 3}
    assert totals(data["today"]) == want
    assert totals(data["month"]) == want
    assert (data["today"]["since"], data["today"]["until"]) == (today.isoformat(), today.isoformat())
    assert (data["month"]["since"], data["month"]["period"]) == (today.replace(day=1).isoformat(), "monthly")
    by_model = {r["model"]: {b: r[b] for b in BUCKETS} for r in data["today"]["rows"]}
    assert by_model == {"fake-chat": summed(CHAT), "fake-resp": summed(RESPONSES, AGAIN)}
    for rep in (data["today"], data["month"]):
        for name in ("energy_wh", "co2e_g", "water_ml"):
            r = rep["totals"][name]
            assert 0 < r["low"] <= r["central"] <= r["high"]

    # The ledger's events: one per turn, the conversation as the session, no text.
    ledger = sqlite3.connect(home / "ledger.db")
    try:
        rows = ledger.execute("SELECT event_id, session, input_tokens, cache_read_tokens FROM events "
                              "WHERE client = 'llm' ORDER BY ts").fetchall()
    finally:
        ledger.close()
    logs = sqlite3.connect(user / "logs.db")
    try:
        turns = logs.execute("SELECT id, thread_id FROM turns ORDER BY datetime_utc").fetchall()
    finally:
        logs.close()
    assert [(r[0], r[1]) for r in rows] == turns
    assert [r[2:] for r in rows] == [(200, 1000), (500, 300), (100, 1200)]
    assert rows[1][1] == rows[2][1] != rows[0][1]

    # The text: today's and this month's tables, the import's summary first.
    p = llm_run("footprint", "--tz", "UTC", env={**env, "COLUMNS": "140"})
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("llm: 1 file (0 read, 1 unchanged), 0 new events, 0 updated, 0 lines skipped")
    assert f"Today ({today.isoformat()}) · UTC" in out
    assert f"This month ({today:%Y-%m}) · UTC" in out
    assert out.index("Today (") < out.index("This month (")
    assert "  llm fake-chat" in out and "  llm fake-resp" in out
    total_lines = [line.split() for line in out.splitlines() if line.startswith("Total")]
    assert len(total_lines) == 2
    assert total_lines[0] == total_lines[1]
    # Tokens, input, cache write, cache read, output, reasoning, requests (then the impacts).
    assert total_lines[0][:10] == ["Total", "3.50", "k", "800", "0", "2.50", "k", "150", "50", "3"]

    p = llm_run("footprint", "--month", "--tz", "UTC", env=env)
    assert p.returncode == 0, p.stderr
    assert "This month (" in p.stdout and "Today (" not in p.stdout

    # Another client's usage today: in --all-clients, not in llm's own footprint.
    p = run("log", "--json", "-", input=json.dumps({"client": "manual", "model": "gpt-4o", "input_tokens": 1000,
                                                    "output_tokens": 7}), env=env)
    assert p.returncode == 0, p.stderr
    p = llm_run("footprint", "--all-clients", "--month", "--tz", "UTC", "--json", env=env)
    assert p.returncode == 0, p.stderr
    both = json.loads(p.stdout)
    assert "today" not in both
    assert totals(both["month"]) == {**want, "input_tokens": 1800, "output_tokens": 157, "requests": 4}
    p = llm_run("footprint", "--month", "--tz", "UTC", "--json", env=env)
    assert totals(json.loads(p.stdout)["month"]) == want

    # tokenprint import llm shares the positions: nothing new.
    p = run("import", "llm", env=env)
    assert p.returncode == 0, p.stderr
    assert "llm: 1 file (0 read, 1 unchanged), 0 new events, 0 updated" in p.stdout


def test_llm_footprint_without_logs(home: Path, tmp_path: Path, plugin_installed: None) -> None:
    """No logs.db yet, and a bad --tz: an answer, not a traceback."""
    user = tmp_path / "empty-user"
    env = {"LLM_USER_PATH": str(user), "TOKENPRINT_HOME": str(home)}
    p = llm_run("footprint", "--tz", "UTC", env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("llm: 0 files (0 read, 0 unchanged), 0 new events")
    assert "No usage matches --client llm" in p.stdout or "No usage recorded" in p.stdout
    p = llm_run("footprint", "--tz", "Mars/Olympus", env=env)
    assert p.returncode == 1
    assert "Error: unknown time zone 'Mars/Olympus'" in p.stderr
    assert "Traceback" not in p.stderr


def test_llm_footprint_damaged_ledger(home: Path, tmp_path: Path, plugin_installed: None) -> None:
    (home / "ledger.db").write_bytes(b"not a database\n" * 10)
    env = {"LLM_USER_PATH": str(tmp_path / "u"), "TOKENPRINT_HOME": str(home)}
    p = llm_run("footprint", env=env)
    assert p.returncode == 1
    assert p.stderr.startswith(f"Error: the ledger {home / 'ledger.db'} is damaged (file is not a database)")
    assert "Traceback" not in p.stderr


def test_wheel(tmp_path: Path) -> None:
    """plugins/llm builds as the llm-tokenprint wheel: llm's entry point, its module, its
    dependencies (built from a copy: the build leaves its folders beside the sources)."""
    import shutil
    import zipfile

    src = tmp_path / "src"
    shutil.copytree(ROOT / "plugins" / "llm", src, ignore=shutil.ignore_patterns("*.egg-info", "build"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
                    str(tmp_path / "dist"), str(src)], check=True, capture_output=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("llm_tokenprint-0.1.0-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        entry = z.read("llm_tokenprint-0.1.0.dist-info/entry_points.txt").decode()
        meta = z.read("llm_tokenprint-0.1.0.dist-info/METADATA").decode()
    assert "llm_tokenprint.py" in names
    assert entry.split() == ["[llm]", "tokenprint", "=", "llm_tokenprint"]
    assert [line for line in meta.splitlines() if line.startswith("Requires-Dist")] == [
        "Requires-Dist: llm>=0.19", "Requires-Dist: tokenprint>=0.1", "Requires-Dist: click>=8.1"]
