"""A short ``kill -9`` loop (``bench/kill9.py --runs 3``): import and hook killed at
random instants; the ledger passes ``integrity_check`` after each kill and the final
run's totals equal a clean run's.

Also checks that the harness can fail: a damaged file fails ``integrity_check``, a
missing event changes the totals, and a kill really kills.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(BENCH))

import harness  # noqa: E402


def test_short_kill9_loops(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, str(BENCH / "kill9.py"), "--runs", "3", "--mb", "4", "--hook-mb", "2",
                           "--dir", str(tmp_path)], capture_output=True, text=True, timeout=180)
    out = proc.stdout
    assert proc.returncode == 0, out + proc.stderr
    assert out.count("  runs: 3 ") == 2, out
    assert out.count("  integrity failures: 0") == 2, out
    assert out.count("  mismatches: 0 ") == 2, out
    assert "clean import = generator's expectation: yes" in out
    assert "clean hook = clean import: yes" in out
    points = re.findall(r"kill points \(ms[^)]*\): (.*)", out)
    assert len(points) == 2 and all(len(p.split(", ")) == 3 for p in points), out
    assert re.search(r"^total: 6 runs, \d+ killed, integrity failures 0, mismatches 0$", out, re.M), out


def _small_ledger(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    items = ",".join(f'{{"model": "m", "input_tokens": {i}, "id": "e{i}", "timestamp": "2025-10-0{1 + i % 5}T00:00:00Z"}}'
                     for i in range(400))
    harness.run_ok([harness.exe("tokenprint"), "log", "--json", "-", "-q"], harness.tool_env(home),
                   f"[{items}]".encode())
    return home / "ledger.db"


def test_integrity_check_sees_a_damaged_file(tmp_path: Path) -> None:
    db = _small_ledger(tmp_path)
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    assert harness.integrity_check(db) == "ok"
    size = db.stat().st_size
    with open(db, "r+b") as f:  # garbage over the pages after the first two
        f.seek(8192)
        f.write(b"\x5a" * (size - 8192))
    assert harness.integrity_check(db) != "ok"
    assert "no such file" in harness.integrity_check(tmp_path / "none.db")


def test_totals_see_a_missing_event(tmp_path: Path) -> None:
    db = _small_ledger(tmp_path)
    before = harness.totals(db)
    assert harness.diff_totals(before, before) == []
    con = sqlite3.connect(db)
    con.execute("DELETE FROM events WHERE event_id = 'e7'")
    con.commit()
    con.close()
    diff = harness.diff_totals(harness.totals(db), before)
    # e7 fell on 2025-10-03 (7 % 5 == 2), whose 80 events hold inputs 2, 7, ..., 397
    assert diff == ["2025-10-03 m events: got 79, want 80", "2025-10-03 m input_tokens: got 15953, want 15960",
                    "2025-10-03 m requests: got 79, want 80"]


def test_kill_at_kills_and_spares(tmp_path: Path) -> None:
    env = harness.tool_env(tmp_path)
    k = harness.kill_at([sys.executable, "-c", "import time; time.sleep(30)"], env, 200)
    assert k.killed and k.returncode == -9 and k.elapsed_ms < 10_000
    k = harness.kill_at([sys.executable, "-c", "pass"], env, 20_000)
    assert not k.killed and k.returncode == 0 and k.elapsed_ms < 10_000


def test_totals_of_a_ledger_killed_before_its_first_migration_are_empty(tmp_path: Path) -> None:
    """A kill can land after ledger.db was created and before the events table was:
    the harness reads that as an empty ledger (it made the 3-run loop fail once)."""
    db = tmp_path / "ledger.db"
    sqlite3.connect(db).close()
    assert harness.totals(db) == {} and harness.event_count(db) == 0
