"""The real Copilot CLI (npm ``@github/copilot``, ``$TOKENPRINT_TEST_COPILOT``) runs offline
against the local fake model server (``tests/plugins/fake_models.py``: OpenAI Chat
Completions, usage numbers the test chose) with ``COPILOT_OTEL_FILE_EXPORTER_PATH`` in
``~/.copilot/otel/``; ``tokenprint import copilot`` then holds exactly the usage the
server reported, in our buckets: a turn with a tool call (two requests; the agent span's
sum not counted), then the same session resumed (``--resume``: the same session id). The
CLI also writes each session's events (``~/.copilot/session-state/<id>/events.jsonl``),
OTel or not: read too, each call counted once; and alone, without OTel.

Offline: ``COPILOT_OFFLINE=true`` with ``COPILOT_PROVIDER_BASE_URL`` (no GitHub login,
``copilot help environment``). Skipped with the reason where the binary is missing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run
from tests.hooks.helpers import buckets
from tests.plugins.fake_models import FakeModels, Usage, serve, summed

COPILOT = os.environ.get("TOKENPRINT_TEST_COPILOT", "")
pytestmark = pytest.mark.skipif(not COPILOT or not os.access(COPILOT, os.X_OK),
                                reason="TOKENPRINT_TEST_COPILOT is not set (the real Copilot CLI from npm: "
                                       "npm install @github/copilot@1.0.102)")
MODEL = "gpt-4.1"
BASH = json.dumps({"command": "echo hi", "description": "say hi", "mode": "sync", "initial_wait": 10})


def copilot(user: Path, url: str, *args: str, otel: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "GH_", "GITHUB_", "OTEL_"))}
    env.update(HOME=str(user), COPILOT_OFFLINE="true", COPILOT_PROVIDER_BASE_URL=f"{url}/v1",
               COPILOT_PROVIDER_API_KEY="x", COPILOT_MODEL=MODEL)
    if otel:
        env["COPILOT_OTEL_FILE_EXPORTER_PATH"] = str(user / ".copilot" / "otel" / "run.jsonl")
    work = user / "work"
    work.mkdir(exist_ok=True)
    return subprocess.run([COPILOT, *args, "--allow-all-tools"], cwd=work, env=env, capture_output=True,
                          text=True, timeout=180, stdin=subprocess.DEVNULL)


def sessions(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    try:
        return [(r[0], r[1]) for r in conn.execute("SELECT session, project FROM events ORDER BY ts")]
    finally:
        conn.close()


def test_a_real_copilot_cli_turn_and_its_resume(home: Path) -> None:
    user = Path(os.environ["HOME"])
    (user / ".copilot" / "otel").mkdir(parents=True)
    turn = [Usage(prompt=1200, cached=512, output=47, reasoning=10, call=("bash", BASH)),
            Usage(prompt=2200, cached=1024, output=87, reasoning=20, text="Done.")]
    again = Usage(prompt=3300, cached=3000, output=5, text="Again.")
    with serve(FakeModels(plan=[*turn, again])) as fake:
        first = copilot(user, fake.url, "-p", "run echo hi")
        assert first.returncode == 0, first.stderr[-2000:]
        resume = [ln for ln in (first.stdout + first.stderr).splitlines() if "--resume=" in ln]
        assert resume, first.stdout[-2000:]
        session = resume[-1].split("--resume=", 1)[1].strip()
        second = copilot(user, fake.url, f"--resume={session}", "-p", "again")
        assert second.returncode == 0, second.stderr[-2000:]
        assert fake.unexpected == [] and fake.plan == []
    proc = run("import", "copilot", "--no-progress")
    assert proc.returncode == 0, proc.stderr
    # the OTel file and the session's events (written with or without OTel): each call once
    assert proc.stdout.startswith("copilot: 2 files (2 read, 0 unchanged), 3 new events, 0 updated, 0 lines skipped")
    got = buckets(home / "ledger.db")
    assert list(got.values()) == [summed(*turn, again)] and [m for _d, m in got] == [MODEL]
    assert sessions(home / "ledger.db") == [(session, str(user / "work"))] * 3
    assert run("import", "copilot", "--no-progress").stdout.startswith(
        "copilot: 2 files (0 read, 2 unchanged), 0 new events")


def test_the_session_events_alone_count_the_same(home: Path) -> None:
    """Without ``COPILOT_OTEL_FILE_EXPORTER_PATH``: the session's events are enough."""
    user = Path(os.environ["HOME"])
    turn = [Usage(prompt=1200, cached=512, output=47, reasoning=10, call=("bash", BASH)),
            Usage(prompt=2200, cached=1024, output=87, reasoning=20, text="Done.")]
    with serve(FakeModels(plan=list(turn))) as fake:
        proc = copilot(user, fake.url, "-p", "run echo hi", otel=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert fake.unexpected == [] and fake.plan == []
    assert not (user / ".copilot" / "otel").exists()
    proc = run("import", "copilot", "--no-progress")
    assert proc.stdout.startswith("copilot: 1 file (1 read, 0 unchanged), 2 new events, 0 updated, 0 lines skipped")
    assert list(buckets(home / "ledger.db").values()) == [summed(*turn)]
