"""``hooks status`` and ``doctor`` after a hook run: lines without usage written after it
(Codex writes its turn's closing lines after the Stop hook ran) do not make a source
"not yet in the ledger"; a new usage line does."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import TOKENPRINT_HOOK, run
from tests.hooks import codex_corpus as cc


@pytest.fixture
def codex_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    root = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(root))
    return root


def test_closing_lines_after_the_hook_are_not_unread_usage(codex_home: Path, home: Path) -> None:
    path = codex_home / "sessions" / "2026" / "09" / "17" / cc.name("2026-09-17T08-00-00", cc.TA)
    path.parent.mkdir(parents=True)
    path.write_bytes(cc.jsonl(cc.rollout_a_head()))
    proc = run("codex", "Stop", input=json.dumps(cc.stop_payload(path)), exe=TOKENPRINT_HOOK)
    assert proc.returncode == 0 and proc.stdout == ""
    status = run("hooks", "status", "codex")
    assert "the only rollout is in the ledger" in status.stdout, status.stdout

    # the turn's closing lines, after the hook: no usage in them
    with open(path, "ab") as f:
        f.write(cc.jsonl([cc.line("2026-09-17T08:05:01.000", "event_msg",
                                  {"type": "task_complete", "turn_id": "t2", "last_agent_message": "done"}),
                          cc.message("2026-09-17T08:05:02.000", "bye")]))
    status = run("hooks", "status", "codex")
    assert "the only rollout is in the ledger" in status.stdout, status.stdout
    doctor = json.loads(run("doctor", "--json").stdout)
    cleanup = [c for c in doctor["checks"] if c["check"] == "positions.codex.cleanup"]
    assert cleanup and cleanup[0]["status"] == "ok", cleanup

    # a usage line after them: now there is usage the ledger lacks
    with open(path, "ab") as f:
        f.write(cc.jsonl([cc.token_count("2026-09-17T08:06:00.000", cc.usage(4000, 1500, 100, 900, 300))]))
    status = run("hooks", "status", "codex")
    assert "1 of 1 rollout" in status.stdout and "not yet in the ledger" in status.stdout, status.stdout
    assert os.path.getsize(path) > 0
