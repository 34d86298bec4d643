"""Bench: time from pressing ``m`` on the dashboard to the methodology on screen, on
a 1,000,000-event demo ledger (issue 9: under 1 s, no "Loading" that lasts).

Each run is a fresh process: the dashboard opens on the demo ledger (headless,
120x40), waits for the period to be loaded, then presses ``m``; the time is taken
from the key press to the first screenshot of the screen that shows the
methodology's text (its "Boundary" section), polled every 10 ms.

    python bench/methodology_open.py [--events N] [--repeat K] [--dir DIR]
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import demo_bench_args, median  # noqa: E402

CHILD = r"""
import asyncio, sys, time
from tui.app import TokenprintApp

async def main(home):
    app = TokenprintApp(home, demo=True, live=False, period="month")
    async with app.run_test(size=(120, 40)) as pilot:
        dash = app.dashboard
        while not (dash.summary is not None and dash.summary.complete and not dash.busy):
            await pilot.pause(0.01)
        await pilot.pause(0.2)
        t0 = time.perf_counter()
        await pilot.press("m")
        while "Boundary" not in app.export_screenshot():  # what the terminal would show
            await pilot.pause(0.01)
        print(time.perf_counter() - t0)

asyncio.run(main(sys.argv[1]))
"""


def open_once(home: Path) -> float:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(home)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"dashboard run failed: {proc.stderr[-2000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    args, home = demo_bench_args(__doc__)
    runs = [open_once(home) for _ in range(args.repeat)]
    print(f"ledger: {home / 'demo.db'} ({args.events:,} events)")
    print(f"{'dashboard, m to the methodology painted':<52} median {median(runs):6.2f} s  "
          f"(min {min(runs):.2f}, max {max(runs):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
