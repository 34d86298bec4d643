"""Shared helpers for the bench scripts: timing commands and making demo ledgers."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent


def exe(name: str) -> str:
    return shutil.which(name, path=str(BIN)) or name


def time_runs(fn: Callable[[], object], repeat: int = 5) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def run_cmd(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    full = dict(os.environ)
    full.update(env or {})
    proc = subprocess.run(args, capture_output=True, env=full)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.decode()[-2000:]}")
    return proc


def demo_home(events: int, where: Path) -> Path:
    """A home folder holding a demo ledger of ``events`` events (made once, reused)."""
    home = where / f"demo-{events}"
    if not (home / "demo.db").exists():
        run_cmd([exe("tokenprint"), "demo", "--events", str(events), "--home", str(home)])
    return home


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def demo_bench_args(doc: str | None) -> tuple[argparse.Namespace, Path]:
    """``--events/--repeat/--dir`` for the benches on a demo ledger, and its home folder."""
    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "tokenprint-bench")
    args = ap.parse_args()
    return args, demo_home(args.events, args.dir)
