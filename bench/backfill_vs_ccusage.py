"""Backfill speed and totals against ccusage, in the same run.

    python bench/backfill_vs_ccusage.py [--mb 200] [--corpus DIR] [--ccusage PATH] [--runs 5]

Generates (or reuses) a Claude Code corpus under /tmp with ``gen_claude_corpus.py``
and times, interleaved, the median of ``--runs`` runs of:

- cold: ``tokenprint import claude-code DIR`` then ``tokenprint report daily --json``
  on a fresh ledger, against ``ccusage claude daily --json --offline``;
- warm: the same import (nothing new) then the report, on the same ledger.

Prints MB/s, the ratios, the peak memory (max RSS) of every import, and checks the
ledger's per-(day, model) totals against the corpus's expectation, and says how
ccusage's differ. ccusage: ``npm install ccusage@20.0.24`` (in a scratch folder);
its npm package runs a native binary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TOKENPRINT = str(BIN / "tokenprint")
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
           "reasoning_tokens", "requests")


def timed(cmd: list[str], env: dict[str, str] | None = None, out: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one child process."""
    full = dict(os.environ, **(env or {}))
    stdout = open(out, "wb") if out else subprocess.DEVNULL  # noqa: SIM115
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=full, stdout=stdout, stderr=subprocess.PIPE)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read() if proc.stderr else b""
    finally:
        if out:
            stdout.close()  # type: ignore[union-attr]
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err.decode(errors='replace')[-2000:]}")
    return wall, usage.ru_maxrss // 1024


def find_ccusage(given: str | None) -> str | None:
    for cand in (given, os.environ.get("CCUSAGE"), str(HERE / "node_modules/.bin/ccusage"),
                 "/tmp/ccusage/node_modules/.bin/ccusage", shutil.which("ccusage")):
        if cand and Path(cand).exists():
            return cand
    return None


def ledger_totals(report: Path) -> dict[tuple[str, str], dict[str, int]]:
    data = json.loads(report.read_text())
    out: dict[tuple[str, str], dict[str, int]] = {}
    for row in data["rows"]:
        b = out.setdefault((row["key"], row["model"]), dict.fromkeys(BUCKETS, 0))
        for k in BUCKETS:
            b[k] += int(row[k])
    return out


def ccusage_totals(path: Path) -> dict[tuple[str, str], dict[str, int]]:
    data = json.loads(path.read_text())
    out: dict[tuple[str, str], dict[str, int]] = {}
    for day in data.get("daily", []):
        for m in day.get("modelBreakdowns", []):
            out[(day["date"], m["modelName"])] = {
                "input_tokens": m["inputTokens"],
                "cache_write_tokens": m["cacheCreationTokens"],
                "cache_read_tokens": m["cacheReadTokens"],
                "output_tokens": m["outputTokens"],  # thinking included, as Claude reports it
            }
    return out


def expected_totals(corpus: Path) -> dict[tuple[str, str], dict[str, int]]:
    data = json.loads((corpus / "expected.json").read_text())
    return {tuple(k.split("|", 1)): v for k, v in data["days"].items()}  # type: ignore[misc]


def sums(t: dict[Any, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in t.values():
        for k, v in b.items():
            out[k] = out.get(k, 0) + v
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--ccusage")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    corpus = a.corpus or Path(f"/tmp/tokenprint-bench-claude-{int(a.mb)}mb")
    if not (corpus / "expected.json").exists():
        print(f"generating {a.mb:.0f} MB corpus in {corpus} ...", flush=True)
        subprocess.run([sys.executable, str(HERE / "gen_claude_corpus.py"), str(corpus),
                        "--mb", str(a.mb), "--seed", str(a.seed)], check=True)
    mb = json.loads((corpus / "expected.json").read_text())["bytes"] / 1e6
    cc = find_ccusage(a.ccusage)
    if cc is None:
        print("ccusage not found: npm install ccusage@20.0.24 (e.g. in bench/); timing tokenprint only")
    work = Path(tempfile.mkdtemp(prefix="tokenprint-bench-"))
    env_tp = {"TOKENPRINT_DATABASE_URL": ""}
    env_cc = {"CLAUDE_CONFIG_DIR": str(corpus), "TZ": "UTC"}
    cold, warm, ccs, rss = [], [], [], []
    report = work / "report.json"
    cc_out = work / "ccusage.json"
    for i in range(a.runs):
        home = work / f"home{i}"
        imp = [TOKENPRINT, "--home", str(home), "import", "claude-code", str(corpus), "--no-progress"]
        rep = [TOKENPRINT, "--home", str(home), "report", "daily", "--json", "--tz", "UTC"]
        t1, m1 = timed(imp, env_tp)
        t2, _ = timed(rep, env_tp, report)
        cold.append(t1 + t2)
        rss.append(m1)
        t3, m3 = timed(imp, env_tp)
        t4, _ = timed(rep, env_tp, report)
        warm.append(t3 + t4)
        rss.append(m3)
        if cc:
            tc, _ = timed([cc, "claude", "daily", "--json", "--offline", "-z", "UTC"], env_cc, cc_out)
            ccs.append(tc)
        shutil.rmtree(home)
    med = statistics.median
    print(f"corpus: {corpus} ({mb:.1f} MB)")
    print(f"tokenprint cold import+report: {med(cold):.2f} s ({mb / med(cold):.0f} MB/s)")
    print(f"tokenprint warm import+report: {med(warm):.2f} s")
    print(f"peak memory of import: {max(rss)} MB")
    if ccs:
        print(f"ccusage claude daily --json --offline: {med(ccs):.2f} s ({mb / med(ccs):.0f} MB/s) [{cc}]")
        print(f"ratio cold/ccusage: {med(cold) / med(ccs):.2f}x   ratio warm/ccusage: {med(warm) / med(ccs):.2f}x")
    expected = expected_totals(corpus)
    ours = ledger_totals(report)
    ok = ours == expected
    print(f"ledger totals == expectation: {ok}")
    if not ok:
        for k in sorted(set(ours) | set(expected)):
            if ours.get(k) != expected.get(k):
                print(f"  {k}: ledger {ours.get(k)} expected {expected.get(k)}")
    if ccs:
        theirs = ccusage_totals(cc_out)
        folded = {k: {**{b: v[b] for b in BUCKETS[:3]},
                      "output_tokens": v["output_tokens"] + v["reasoning_tokens"]}
                  for k, v in expected.items()}
        exp_sum, cc_sum = sums(folded), sums(theirs)
        print("ccusage vs expectation (output includes thinking):")
        for k in exp_sum:
            diff = cc_sum.get(k, 0) - exp_sum[k]
            print(f"  {k}: ccusage {cc_sum.get(k, 0)} expected {exp_sum[k]} ({diff:+d})")
        moved = sum(1 for k in set(folded) | set(theirs) if folded.get(k) != theirs.get(k))
        print(f"  (day, model) buckets that differ: {moved} of {len(folded)}")
    shutil.rmtree(work)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
