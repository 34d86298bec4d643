"""Bench: ``tokenprint report monthly --json`` on a 1,000,000-event ledger.

Prints the median wall time of the real command (a subprocess, so start-up and
imports count) next to a baseline measured in the same run: the plain
``sqlite3`` query a person would write by hand for the same monthly totals, run
in an already-started Python. Targets (issue 2): under 1 s and at most 3x.

    python bench/report_monthly.py [--events N] [--repeat K] [--dir DIR]
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import demo_bench_args, exe, median, run_cmd, time_runs  # noqa: E402

BASELINE_SQL = (
    "SELECT strftime('%Y-%m', ts / 1000, 'unixepoch') AS month, client, model, "
    "SUM(input_tokens), SUM(cache_write_tokens), SUM(cache_read_tokens), SUM(output_tokens), "
    "SUM(reasoning_tokens), SUM(requests), SUM(cost_usd) FROM events GROUP BY 1, 2, 3"
)


def main() -> int:
    args, home = demo_bench_args(__doc__)
    db = home / "demo.db"

    def baseline() -> None:
        conn = sqlite3.connect(db)
        conn.execute(BASELINE_SQL).fetchall()
        conn.close()

    cmd = [exe("tokenprint"), "report", "monthly", "--json", "--demo", "--home", str(home), "--tz", "UTC"]
    out = json.loads(run_cmd(cmd).stdout)
    assert out["totals"]["requests"] == args.events, out["totals"]
    baseline()  # warm the page cache for both
    base = median(time_runs(baseline, args.repeat))
    ours = median(time_runs(lambda: run_cmd(cmd), args.repeat))
    print(f"events: {args.events:,}  ledger: {db.stat().st_size / 1e6:.0f} MB")
    print(f"baseline plain sqlite3 query (in-process): {base:.3f} s")
    print(f"tokenprint report monthly --json (process): {ours:.3f} s")
    print(f"ratio: {ours / base:.2f}x (target <= 3x); under 1 s: {'yes' if ours < 1 else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
