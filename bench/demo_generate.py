"""Bench: ``tokenprint demo --events 1000000`` (issue 2: well under two minutes).

Prints the wall time of the real command next to a baseline in the same run: a
bare ``sqlite3`` bulk insert of the same number of pre-built rows (no generation).

    python bench/demo_generate.py [--events N]
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import exe, run_cmd  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        t0 = time.perf_counter()
        run_cmd([exe("tokenprint"), "demo", "--events", str(args.events), "--home", str(home)])
        ours = time.perf_counter() - t0
        db = home / "demo.db"
        n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM events").fetchone()[0]
        assert n == args.events, n
        rows = [("c", f"id{i}", "m", i, 1, 2, 3) for i in range(args.events)]
        base_db = home / "base.db"
        conn = sqlite3.connect(base_db)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE e (client TEXT, event_id TEXT, model TEXT, ts INT, a INT, b INT, c INT, "
                     "UNIQUE (client, event_id))")
        conn.execute("CREATE INDEX e_ts ON e (ts)")
        t0 = time.perf_counter()
        with conn:
            conn.executemany("INSERT INTO e VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        base = time.perf_counter() - t0
    print(f"tokenprint demo --events {args.events:,}: {ours:.1f} s (target: well under 120 s)")
    print(f"baseline bare sqlite3 insert of {args.events:,} pre-built rows: {base:.1f} s (ratio {ours / base:.1f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
