"""Backfill speed and totals against ccusage, in the same run, per client.

    python bench/backfill_vs_ccusage.py [--client claude-code|codex|gemini-cli|opencode|all]
        [--mb 200] [--small-mb 50] [--runs 5] [--ccusage PATH] [--corpus DIR] [--seed 1]

For each client, generates (or reuses) a corpus in the client's own format under
/tmp (``gen_claude_corpus.py``, ``gen_codex_corpus.py``, ``gen_gemini_corpus.py``,
``gen_opencode_corpus.py``) and times, interleaved, the median of ``--runs`` runs of:

- cold: ``tokenprint import <client> PATH`` then ``tokenprint report daily --json``
  on a fresh ledger, against ccusage's own daily report of the same files
  (``ccusage claude|codex|gemini|opencode daily --json --offline``, pointed at the
  corpus by ``CLAUDE_CONFIG_DIR``, ``CODEX_HOME``, ``GEMINI_DATA_DIR``,
  ``OPENCODE_DATA_DIR``);
- warm: the same import (nothing new) then the report, on the same ledger; and
  with ``--small-mb``, the warm run on a corpus of that size too (a warm run
  must not grow with the logs).

Prints MB/s, the ratios, the peak memory (max RSS of the child, ``wait4``) of every
import and report; checks the ledger's per-(day, model) buckets against the
corpus's expectation (exact), and sets ccusage's totals beside ours in ccusage's
terms, bucket by bucket, with the traps of the corpus (``expected.json``'s
``traps``) that explain the difference and what is left unexplained.

ccusage: ``npm install --prefix /tmp/ccusage ccusage@20.0.24`` (its npm package
runs a native binary; 20.0.24 reads Codex, Gemini CLI and opencode itself).
Targets (issue 11): cold <= 2x ccusage, warm <= 1x and flat in the logs' size,
peak memory < 300 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
TOKENPRINT = str(BIN / "tokenprint")
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
           "reasoning_tokens", "requests")
Cells = dict[tuple[str, str], dict[str, int]]


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


# -- ccusage's JSON, and our buckets, in ccusage's terms ---------------------------------

def breakdowns(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(day, model, row)`` of a ccusage daily report (``modelBreakdowns`` or ``models``)."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    for day in data.get("daily", []):
        if "modelBreakdowns" in day:
            out.extend((day["date"], m["modelName"], m) for m in day["modelBreakdowns"])
        else:
            out.extend((day["date"], name, m) for name, m in day.get("models", {}).items())
    return out


def cc_common(row: dict[str, Any]) -> dict[str, int]:
    return {"input": int(row.get("inputTokens", 0)), "cache_write": int(row.get("cacheCreationTokens", 0)),
            "cache_read": int(row.get("cacheReadTokens", 0)), "output": int(row.get("outputTokens", 0))}


def cc_codex(row: dict[str, Any]) -> dict[str, int]:
    # outputTokens holds reasoningOutputTokens (Codex's own output_tokens)
    return {**cc_common(row), "reasoning": int(row.get("reasoningOutputTokens", 0))}


def ours_folded(b: dict[str, int]) -> dict[str, int]:
    """Our buckets in ccusage's Claude/opencode/Gemini terms: reasoning inside output."""
    return {"input": b["input_tokens"], "cache_write": b["cache_write_tokens"],
            "cache_read": b["cache_read_tokens"], "output": b["output_tokens"] + b["reasoning_tokens"]}


def ours_apart(b: dict[str, int]) -> dict[str, int]:
    """Reasoning apart: ccusage's Gemini rows show no thoughts (only its daily totalTokens
    holds them); its opencode rows take ``tokens.output`` as stored (opencode 1.18: without
    the reasoning)."""
    return {"input": b["input_tokens"], "cache_write": b["cache_write_tokens"],
            "cache_read": b["cache_read_tokens"], "output": b["output_tokens"]}


def ours_codex(b: dict[str, int]) -> dict[str, int]:
    return {**ours_folded(b), "reasoning": b["reasoning_tokens"]}


@dataclass
class Client:
    name: str
    gen: str                                   # generator module in bench/
    cc_sub: str                                # ccusage's subcommand
    path: Callable[[Path], Path]               # what ``tokenprint import`` is given
    cc_env: Callable[[Path], dict[str, str]]   # what points ccusage at the corpus
    cc_row: Callable[[dict[str, Any]], dict[str, int]]
    ours: Callable[[dict[str, int]], dict[str, int]]
    #: trap -> (sign, buckets): what ccusage 20.0.24 counts differently, found by
    #: running it on small corpora holding one trap at a time (see the README)
    explained: dict[str, tuple[int, tuple[str, ...] | None]] = field(default_factory=dict)


def _client(name: str, cc_sub: str, cc_env: Callable[[Path], dict[str, str]],
            cc_row: Callable[[dict[str, Any]], dict[str, int]], ours: Callable[[dict[str, int]], dict[str, int]],
            explained: dict[str, tuple[int, tuple[str, ...] | None]] | None = None) -> Client:
    """A client of the bench: its generator and import path as ``harness.GENERATORS`` has them."""
    gen, path = harness.GENERATORS[name]
    return Client(name, gen, cc_sub, path, cc_env, cc_row, ours, explained or {})


CLIENTS = {
    "claude-code": _client("claude-code", "claude", lambda c: {"CLAUDE_CONFIG_DIR": str(c)}, cc_common,
                           ours_folded),
    "codex": _client("codex", "codex", lambda c: {"CODEX_HOME": str(c)}, cc_codex, ours_codex,
                     {"zst_rollout": (-1, None), "child_only_first_second": (-1, None),
                      "fork_prefix_kept_parent_zst": (+1, None), "subagent_prefix_kept_parent_zst": (+1, None)}),
    "gemini-cli": _client("gemini-cli", "gemini", lambda c: {"GEMINI_DATA_DIR": str(c / ".gemini" / "tmp")},
                          cc_common, ours_apart, {"migrated_legacy_copy": (+1, None)}),
    "opencode": _client("opencode", "opencode", lambda c: {"OPENCODE_DATA_DIR": str(c / "opencode")}, cc_common,
                        ours_apart, {"overwritten_step": (-1, None), "unfinished_message_without_steps": (+1, None),
                                     "reasoning_inside_message_output": (+1, None)}),
}


def corpus_for(client: Client, mb: float, seed: int, given: Path | None) -> Path:
    corpus = given or Path(tempfile.gettempdir()) / (
        f"tokenprint-bench-claude-{int(mb)}mb" if client.name == "claude-code" and seed == 1
        else f"tokenprint-bench-{client.name}-{mb:g}mb-s{seed}")
    sources = [HERE / f"{client.gen}.py", HERE / "corpus_common.py"]
    stamp = hashlib.sha256(b"".join(p.read_bytes() for p in sources if p.exists())).hexdigest()
    made_by = corpus / ".generator"
    fresh = (corpus / "expected.json").exists() and (
        given is not None or not made_by.exists() and client.name == "claude-code"
        or made_by.exists() and made_by.read_text() == stamp)
    if not fresh:  # none yet, or made by another version of the generator
        print(f"generating a {mb:g} MB {client.name} corpus in {corpus} ...", flush=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, str(HERE / f"{client.gen}.py"), str(corpus),
                        "--mb", str(mb), "--seed", str(seed)], check=True)
        made_by.write_text(stamp)
        print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    return corpus


def ledger_totals(report: Path) -> Cells:
    data = json.loads(report.read_text())
    out: Cells = {}
    for row in data["rows"]:
        b = out.setdefault((row["key"], row["model"]), dict.fromkeys(BUCKETS, 0))
        for k in BUCKETS:
            b[k] += int(row[k])
    return out


def expected_totals(corpus: Path) -> Cells:
    data = json.loads((corpus / "expected.json").read_text())
    out: Cells = {}
    for k, v in data["days"].items():
        day, model = k.split("|", 1)
        out[(day, model)] = {b: int(v.get(b, 0)) for b in BUCKETS}
    return out


def sums(t: dict[Any, dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for b in t.values():
        for k, v in b.items():
            out[k] = out.get(k, 0) + v
    return out


@dataclass
class Result:
    client: str
    mb: float
    cold: float
    warm: float
    cc: float | None
    rss_import: int
    rss_report: int
    warm_small: float | None = None
    small_mb: float | None = None
    cc_small: float | None = None
    exact: bool = False
    residual: dict[str, int] = field(default_factory=dict)


def measure(client: Client, corpus: Path, runs: int, cc: str | None, work: Path,
            warm_only: bool = False) -> dict[str, Any]:
    """Median cold, warm and ccusage times on ``corpus``; the last report and ccusage JSON."""
    mb = json.loads((corpus / "expected.json").read_text())["bytes"] / 1e6
    env_tp = {"TOKENPRINT_DATABASE_URL": ""}
    env_cc = {**client.cc_env(corpus), "TZ": "UTC"}
    cold, warm, ccs, rss_i, rss_r = [], [], [], [], []
    report = work / f"{client.name}-report.json"
    cc_out = work / f"{client.name}-ccusage.json"
    src = str(client.path(corpus))
    for i in range(runs):
        home = work / f"home-{client.name}-{0 if warm_only else i}"
        imp = [TOKENPRINT, "--home", str(home), "import", client.name, src, "--no-progress"]
        rep = [TOKENPRINT, "--home", str(home), "report", "daily", "--json", "--tz", "UTC"]
        if i == 0 or not warm_only:  # warm_only: one ledger read once, then warm runs only
            t1, m1 = timed(imp, env_tp)
            t2, m2 = timed(rep, env_tp, report)
            cold.append(t1 + t2)
            rss_i.append(m1)
            rss_r.append(m2)
        t3, m3 = timed(imp, env_tp)
        t4, m4 = timed(rep, env_tp, report)
        warm.append(t3 + t4)
        rss_i.append(m3)
        rss_r.append(m4)
        if cc:
            tc, _ = timed([cc, client.cc_sub, "daily", "--json", "--offline", "-z", "UTC"], env_cc, cc_out)
            ccs.append(tc)
        if not warm_only or i == runs - 1:
            shutil.rmtree(home)
    med = statistics.median
    return {"mb": mb, "cold": med(cold), "warm": med(warm), "cc": med(ccs) if ccs else None,
            "rss_import": max(rss_i), "rss_report": max(rss_r), "report": report, "cc_out": cc_out if ccs else None}


def compare(client: Client, corpus: Path, report: Path, cc_out: Path | None) -> tuple[bool, dict[str, int]]:
    """Print the ledger against the expectation, and ccusage against us; (exact, residual)."""
    expected = expected_totals(corpus)
    ours = ledger_totals(report)
    ok = ours == expected
    print(f"  ledger totals == expectation, per (day, model) and bucket: {ok}")
    if not ok:
        for k in sorted(set(ours) | set(expected))[:20]:
            if ours.get(k) != expected.get(k):
                print(f"    {k}: ledger {ours.get(k)} expected {expected.get(k)}")
        s_o, s_e = sums(ours), sums(expected)
        print("    sums: " + ", ".join(f"{b} {s_o.get(b, 0) - s_e.get(b, 0):+d}" for b in BUCKETS))
    residual: dict[str, int] = {}
    if cc_out is None:
        return ok, residual
    data = json.loads(cc_out.read_text())
    theirs: Cells = {}
    for day, model, row in breakdowns(data):
        cell = theirs.setdefault((day, model), {})
        for name, v in client.cc_row(row).items():
            cell[name] = cell.get(name, 0) + v
    mine = {key: client.ours(v) for key, v in expected.items()}
    s_mine, s_cc = sums(mine), sums(theirs)
    exp_json = json.loads((corpus / "expected.json").read_text())
    traps = exp_json.get("traps", {})
    has_traps = "traps" in exp_json  # the Claude Code corpus names none: its differences are in the README
    print("  ccusage vs our expectation, in ccusage's terms"
          + (" (output holds reasoning)" if "output" in s_mine and client.ours is not ours_apart else "") + ":")
    for bucket in s_mine:
        diff = s_cc.get(bucket, 0) - s_mine[bucket]
        expl = 0
        for trap, (sign, only) in client.explained.items():
            if trap in traps and (only is None or bucket in only):
                expl += sign * client.ours({b: traps[trap].get(b, 0) for b in BUCKETS})[bucket]
        if has_traps:
            residual[bucket] = diff - expl
        print(f"    {bucket:<11} ccusage {s_cc.get(bucket, 0):>14,} ours {s_mine[bucket]:>14,} ({diff:+,d}; "
              f"explained by the traps below {expl:+,d}, left {diff - expl:+,d})")
    if client.name == "gemini-cli":
        total = sum(d.get("totalTokens", 0) for d in data.get("daily", []))
        print(f"    thoughts   only in ccusage's daily totalTokens: {total - sum(s_cc.values()):,} "
              f"(ours {sums(expected)['reasoning_tokens']:,})")
    moved = sum(1 for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
    print(f"    (day, model) cells that differ: {moved} of {len(mine)}")
    for trap, tb in sorted(traps.items()):
        mark = " <- ccusage counts it differently" if trap in client.explained else ""
        tok = sum(v for kk, v in tb.items() if kk != "requests")
        print(f"    trap {trap}: x{tb.get('requests', 0):,}, {tok:,} tokens{mark}")
    counts = exp_json.get("trap_counts", {})
    bare = {k: v for k, v in counts.items() if k not in traps}
    if bare:
        print("    also in the corpus: " + ", ".join(f"{k} x{v}" for k, v in sorted(bare.items())))
    return ok, residual


def by_file(client: Client, corpus: Path, cc: str, work: Path) -> None:
    """ccusage's session report against the corpus's manifest, file by file, grouped by
    the kind of file (the trap it holds): where the difference sits (Codex)."""
    manifest = json.loads((corpus / "expected.json").read_text()).get("manifest")
    if not manifest:
        return
    out = work / f"{client.name}-sessions.json"
    timed([cc, client.cc_sub, "session", "--json", "--offline", "-z", "UTC"],
          {**client.cc_env(corpus), "TZ": "UTC"}, out)
    theirs: dict[str, dict[str, int]] = {}
    for row in json.loads(out.read_text()).get("sessions", []):
        name = row.get("sessionFile") or str(row.get("sessionId", "")).rsplit("/", 1)[-1]
        theirs[name] = client.cc_row(row)
    groups: dict[str, dict[str, int]] = {}
    for name, entry in manifest.items():
        mine = client.ours({b: int(entry.get(b, 0)) for b in BUCKETS})
        got = theirs.get(name, dict.fromkeys(mine, 0))
        g = groups.setdefault(entry["kind"], {"files": 0, "differ": 0, **dict.fromkeys(mine, 0)})
        g["files"] += 1
        g["differ"] += int(got != mine)
        for k in mine:
            g[k] += got.get(k, 0) - mine[k]
    print("  ccusage minus ours, file by file, by kind of rollout:")
    for kind, g in sorted(groups.items(), key=lambda kv: -abs(kv[1].get("input", 0))):
        diffs = ", ".join(f"{k} {v:+,d}" for k, v in g.items() if k not in ("files", "differ") and v)
        print(f"    {kind}: {g['differ']} of {g['files']} files differ" + (f" ({diffs})" if diffs else ""))


def run_client(client: Client, a: argparse.Namespace, cc: str | None, work: Path) -> Result:
    corpus = corpus_for(client, a.mb, a.seed, a.corpus)
    m = measure(client, corpus, a.runs, cc, work)
    print(f"{client.name}: corpus {corpus} ({m['mb']:.1f} MB)")
    print(f"  tokenprint cold import+report: {m['cold']:.2f} s ({m['mb'] / m['cold']:.0f} MB/s)")
    print(f"  tokenprint warm import+report: {m['warm']:.2f} s")
    print(f"  peak memory: import {m['rss_import']} MB, report {m['rss_report']} MB")
    if m["cc"]:
        print(f"  ccusage {client.cc_sub} daily --json --offline: {m['cc']:.2f} s ({m['mb'] / m['cc']:.0f} MB/s)")
        print(f"  ratio cold/ccusage: {m['cold'] / m['cc']:.2f}x   ratio warm/ccusage: {m['warm'] / m['cc']:.2f}x")
    ok, residual = compare(client, corpus, m["report"], m["cc_out"])
    if cc:
        by_file(client, corpus, cc, work)
    res = Result(client.name, m["mb"], m["cold"], m["warm"], m["cc"], m["rss_import"], m["rss_report"],
                 exact=ok, residual=residual)
    if a.small_mb:
        small = corpus_for(client, a.small_mb, a.seed, None)
        s = measure(client, small, a.runs, cc, work, warm_only=True)
        res.warm_small, res.small_mb, res.cc_small = s["warm"], s["mb"], s["cc"]
        print(f"  warm at {s['mb']:.0f} MB: {s['warm']:.2f} s; at {m['mb']:.0f} MB: {m['warm']:.2f} s "
              f"(x{m['warm'] / s['warm']:.2f} for x{m['mb'] / s['mb']:.1f} the logs)"
              + (f"; ccusage at {s['mb']:.0f} MB: {s['cc']:.2f} s" if s["cc"] else ""))
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client", default="claude-code", choices=[*CLIENTS, "all"])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--small-mb", type=float, default=0, help="also time the warm run on a corpus this size")
    ap.add_argument("--corpus", type=Path, help="an existing corpus (one client)")
    ap.add_argument("--ccusage")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    cc = find_ccusage(a.ccusage)
    if cc is None:
        print("ccusage not found: npm install --prefix /tmp/ccusage ccusage@20.0.24; timing tokenprint only")
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    # As an installed package is (pip compiles it): without this, a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 compiles every edited module again in every process.
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(root / d) for d in ("hooks", "ledger", "tui"))],
                   check=True, stdout=subprocess.DEVNULL)
    names = list(CLIENTS) if a.client == "all" else [a.client]
    work = Path(tempfile.mkdtemp(prefix="tokenprint-bench-"))
    results = []
    try:
        for name in names:
            results.append(run_client(CLIENTS[name], a, cc, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print("\n| client | MB | cold | ccusage | cold/cc | warm | warm/cc | warm small/large | peak MB | exact | ccusage diff not explained by the traps |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        def ratio(x: float, cc: float | None = r.cc) -> str:
            return f"{x / cc:.2f}x" if cc else "-"
        flat = f"{r.warm_small:.2f} s @ {r.small_mb:.0f} MB" if r.warm_small is not None else "-"
        left = ", ".join(f"{k} {v:+,d}" for k, v in r.residual.items() if v) or ("none" if r.residual else "-")
        print(f"| {r.client} | {r.mb:.0f} | {r.cold:.2f} s | {f'{r.cc:.2f} s' if r.cc else '-'} | {ratio(r.cold)} "
              f"| {r.warm:.2f} s | {ratio(r.warm)} | {flat} | {max(r.rss_import, r.rss_report)} | {r.exact} | {left} |")
    if not all(r.exact for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
