"""``tokenprint report --json`` starts light: on a local ledger with no config.toml it
imports no SQLAlchemy, Textual, Rich, tomlkit, tomllib (the impact data comes from
the cache after the first run), shutil or hooks, and prints what json.dumps prints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ledger.events import Event, parse_timestamp
from ledger.store import open_store

AVOIDED = ("sqlalchemy", "sqlmodel", "textual", "rich", "tomlkit", "tomllib", "shutil", "hooks", "msgspec",
           "ledger.impact.shrink", "ledger.store")

SCRIPT = """
import io, json, sys
from tui.cli import main
out = io.StringIO()
sys.stdout = out
try:
    main(["report", "daily", "--json", "--tz", "UTC"])
except SystemExit as exc:
    assert not exc.code, exc.code
sys.stdout = sys.__stdout__
avoided = %r
print(json.dumps({"out": out.getvalue(), "loaded": sorted(
    m for m in sys.modules if m in avoided or m.split(".")[0] in avoided)}))
"""


def test_report_json_imports_only_what_it_needs(home: Path, tmp_path: Path) -> None:
    store = open_store(path=home / "ledger.db")
    store.ingest([
        Event(client="codex", event_id="a", model="gpt-5", ts_ms=parse_timestamp("2026-11-02T10:00:00Z"),
              input_tokens=1200, output_tokens=300, cache_read_tokens=5000),
        Event(client="claude-code", event_id="b", model="claude-sonnet-4-5",
              ts_ms=parse_timestamp("2026-11-03T10:00:00Z"), input_tokens=10, output_tokens=20, cost_usd=0.5),
    ])
    store.dispose()
    env = {**os.environ, "TOKENPRINT_HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("TOKENPRINT_DATABASE_URL", None)
    runs = []
    for _ in range(2):  # the first run parses the data files and fills the cache
        proc = subprocess.run([sys.executable, "-c", SCRIPT % (AVOIDED,)], capture_output=True, text=True,
                              env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        runs.append(json.loads(proc.stdout))
    assert runs[1]["loaded"] == []
    assert "tomllib" in runs[0]["loaded"]  # the first run parses the data files
    assert runs[0]["out"] == runs[1]["out"]
    report = json.loads(runs[1]["out"])
    assert runs[1]["out"] == json.dumps(report, indent=1) + "\n"
    assert [(r["key"], r["client"], r["requests"]) for r in report["rows"]] == [
        ("2026-11-02", "codex", 1), ("2026-11-03", "claude-code", 1)]
