"""``/footprint`` (hooks/footprint.py): the report's layout for today and this month,
standard library only, read only, one line on an empty ledger."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from hooks.footprint import footprint_text, main
from ledger.events import Event
from ledger.store import open_store

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("sqlalchemy", "sqlmodel", "click", "rich", "textual", "tomlkit", "pydantic", "platformdirs")


def write_ledger(home: Path, today: date) -> Path:
    noon = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    earlier = noon - timedelta(days=1) if today.day > 1 else noon
    store = open_store(path=home / "ledger.db")
    store.ingest([
        Event(client="claude-code", event_id="t1", model="claude-sonnet-4-5-20250929", ts_ms=int(noon.timestamp() * 1000),
              input_tokens=100, cache_read_tokens=50_000, output_tokens=800),
        Event(client="codex", event_id="t2", model="gpt-5-codex", ts_ms=int(earlier.timestamp() * 1000),
              input_tokens=2000, output_tokens=300, cost_usd=0.02),
    ])
    store.dispose()
    return home / "ledger.db"


def test_today_and_this_month_per_model_in_80_columns(tmp_path: Path) -> None:
    today = date(2026, 10, 15)
    write_ledger(tmp_path, today)
    text = footprint_text(tmp_path, "UTC", today=today, width=80)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert lines[0].startswith("Today, 2026-10-15")
    month = lines.index(next(line for line in lines if line.startswith("This month, October 2026")))
    today_part, month_part = "\n".join(lines[:month]), "\n".join(lines[month:])
    assert "claude-sonnet-4-5" in today_part and "gpt-5-codex" not in today_part
    assert "claude-sonnet-4-5" in month_part and "gpt-5-codex" in month_part
    for word in ("Tokens", "Energy", "CO2e", "Water", "Cost"):
        assert word in today_part and word in month_part
    assert "~$" in text and "estimated from list prices" in text


def test_empty_or_missing_ledger_is_one_line_and_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path), "--tz", "UTC"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 and "No usage recorded yet" in out
    assert not (tmp_path / "ledger.db").exists()
    open_store(path=tmp_path / "ledger.db").dispose()  # a ledger without events
    assert main(["--home", str(tmp_path)]) == 0
    assert len(capsys.readouterr().out.strip().splitlines()) == 1


def test_bad_time_zone_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_ledger(tmp_path, date.today())
    assert main(["--home", str(tmp_path), "--tz", "Mars/Olympus"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "unknown time zone" in err


def test_runs_on_the_standard_library_only_and_never_writes(tmp_path: Path) -> None:
    """A fresh interpreter, as the plugin's bare python3 runs it (-I: no site packages
    from the environment): no heavy package is imported, the ledger is unchanged."""
    db = write_ledger(tmp_path, date.today())
    before = db.read_bytes()
    code = (
        "import sys, json\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from hooks.footprint import main\n"
        f"rc = main(['--home', {str(tmp_path)!r}])\n"
        f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
        "print(json.dumps({'rc': rc, 'heavy': heavy}))\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"rc": 0, "heavy": []}
    assert "Today," in proc.stdout and "This month," in proc.stdout
    assert db.read_bytes() == before
