"""Import a generated ChatGPT export cold and warm: throughput, peak memory, warm/cold.

    python bench/export_import.py [--sizes 100,500] [--zip] [--keep DIR]

For each size (MB), ``bench/gen_chatgpt_export.py`` writes a ``conversations.json``
(``--zip``: the export ``.zip`` as downloaded; sizes and MB/s are then those of the
JSON inside it), then ``tokenprint import
chatgpt-export FILE`` runs as a real process in a fresh home (cold), and again
(warm: the unchanged file is skipped on its ``stat()`` signature). Printed: MB/s of
the cold import (target >= 20), the peak RSS of each import process (target < 300 MB,
and flat from the smallest size to the largest), and warm/cold (target < 10 %).
Offline: ``TIKTOKEN_CACHE_DIR`` points at an empty folder, so the tokens are counted
with the shipped ``cl100k_base`` as on a machine that never downloaded ``o200k_base``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_chatgpt_export import generate  # noqa: E402


def exe(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def tree_rss_mb(root: int) -> float:
    """The resident memory of ``root`` and all its descendants now (MB, from /proc)."""
    parent: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat", "rb") as f:
                    parent[int(d)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, todo = set(), [root]
    while todo:
        p = todo.pop()
        tree.add(p)
        todo += [c for c, pp in parent.items() if pp == p and c not in tree]
    total = 0
    for p in tree:
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e6


def peak_of(args: list[str], env: dict[str, str]) -> tuple[float, float, float, float, str]:
    """Wall seconds, CPU seconds (the process and its reader processes), the largest
    process's peak RSS (MB), the peak of their sum (sampled every 50 ms), and stdout."""
    import threading

    t = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    summed = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.05):
            summed[0] = max(summed[0], tree_rss_mb(proc.pid))

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out = proc.stdout.read()
    err = proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    stop.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {err.decode(errors='replace')}")
    # wait4's usage includes the reader processes it waited for (CPU summed, RSS the largest)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, summed[0], out.decode()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,500")
    ap.add_argument("--zip", action="store_true")
    ap.add_argument("--keep", type=Path, default=None, help="reuse/keep generated exports in DIR")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tp-export-bench-"))
    store = a.keep or work
    store.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(work / "no-tiktoken-cache"), TOKENPRINT_TIKTOKEN_DIR="")
    env.pop("TOKENPRINT_DATABASE_URL", None)
    rows = []
    try:
        for mb in (float(s) for s in a.sizes.split(",")):
            src = store / (f"chatgpt-{mb:g}mb.zip" if a.zip else f"conversations-{mb:g}mb.json")
            if not src.exists():
                generate(src, mb, seed=1, as_zip=a.zip)
            size = src.stat().st_size / 1e6
            if a.zip:  # MB/s of the JSON inside (the zip's own size is a fifth of it)
                import zipfile

                with zipfile.ZipFile(src) as zf:
                    size = sum(i.file_size for i in zf.infolist() if i.filename.startswith("conversations")) / 1e6
            home = work / f"home-{mb:g}"
            shutil.rmtree(home, ignore_errors=True)
            env["TOKENPRINT_HOME"] = str(home)
            args = [exe("tokenprint"), "import", "chatgpt-export", str(src), "--no-progress"]
            cold, cpu, cold_peak, cold_sum, out = peak_of(args, env)
            warm, _wcpu, warm_peak, _wsum, warm_out = peak_of(args, env)
            assert "1 unchanged" in warm_out, warm_out
            rows.append((size, cold, cold_peak, warm, warm_peak, cold_sum))
            print(f"{size:7.1f} MB  cold {cold:6.2f} s  {size / cold:5.1f} MB/s (CPU {cpu:5.1f} s)  "
                  f"peak {cold_peak:4.0f} MB/process, {cold_sum:4.0f} MB all   "
                  f"warm {warm * 1000:5.0f} ms  peak {warm_peak:3.0f} MB  warm/cold {warm / cold:6.2%}")
            print(f"          {out.strip()}")
        if len(rows) > 1:
            lo, hi = rows[0], rows[-1]
            print(f"peak memory {lo[0]:.0f} MB -> {hi[0]:.0f} MB export: {lo[5]:.0f} -> {hi[5]:.0f} MB all "
                  f"processes ({hi[5] / lo[5]:.2f}x for {hi[0] / lo[0]:.1f}x the size)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
