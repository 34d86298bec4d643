"""Bench: ``tokenprint export`` of one month of a 1,000,000-event ledger.

Prints the median wall time of the real command (a subprocess: start-up and
imports count) for each format, for the last complete month of the demo ledger
(about a third of its events), and for a two-ledger team export where every
event of the second ledger duplicates the first (the worst case of the
dedupe). Target (issue 6): under 2 s.

    python bench/export_month.py [--events N] [--repeat K] [--dir DIR]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import demo_bench_args, exe, median, run_cmd, time_runs  # noqa: E402

TARGET_S = 2.0


def main() -> int:
    args, home = demo_bench_args(__doc__)
    db = home / "demo.db"
    base = [exe("tokenprint"), "export", "--home", str(home), "--tz", "UTC"]

    doc = json.loads(run_cmd([*base, "--demo", "-f", "json"]).stdout)  # warms the page cache too
    print(f"events: {args.events:,}  ledger: {db.stat().st_size / 1e6:.0f} MB")
    print(f"month: {doc['title']} ({doc['since']} to {doc['until']}), "
          f"{doc['totals']['requests']:,} requests in the month")
    worst = 0.0
    for fmt in ("md", "html", "csv", "json"):
        t = median(time_runs(lambda fmt=fmt: run_cmd([*base, "--demo", "-f", fmt]), args.repeat))
        worst = max(worst, t)
        print(f"tokenprint export --format {fmt:<4} (process): {t:.3f} s")
    team = [*base, "-f", "html", "--ledger", f"a={db}", "--ledger", f"b={db}"]
    t_team = median(time_runs(lambda: run_cmd(team), args.repeat))
    print(f"team export, 2 ledgers, all duplicated (process): {t_team:.3f} s")
    print(f"under {TARGET_S:.0f} s (single ledger): {'yes' if worst < TARGET_S else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
