"""``kill -9`` at random points of an import and of a hook run: the ledger holds.

    python bench/kill9.py [--runs 20] [--mb 40] [--hook-mb 20] [--seed 1] [--only import|hook]
        [--client claude-code|codex|gemini-cli|opencode|all]

Loops on real processes and real files:

- ``tokenprint import <client>`` of a generated corpus of ``--mb`` MB
  (``bench/gen_<client>_corpus.py``; read in reader processes at that size);
- ``tokenprint-hook claude-code`` with Claude Code's Stop payload, on one large
  transcript of ``--hook-mb`` MB (sessions of the same generator, end to end) whose
  turns are all new to the ledger.

First a clean run into a fresh ledger gives the reference totals (per UTC day,
model and bucket) and the window: each of the ``--runs`` runs is killed with
SIGKILL at a uniformly random instant of that window. After each kill the ledger
must pass ``PRAGMA integrity_check``. Kills accumulate on the same ledger; a run
that finishes before its kill ends an episode: it must have exited 0, its totals
must equal the reference, and the next kill starts again on a fresh ledger (so
kills keep landing inside real work). After the loop a final run (for the hook,
runs until nothing changes) must give exactly the reference totals.

Prints, per loop: runs, kill points (ms), integrity failures and mismatches
(both 0); exits 1 otherwise. For a hook the reference is checked against a clean
``tokenprint import`` of the same transcript too, and for the import against the
generator's own expectation.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import harness

SESSION = "c0ffee00-0000-4000-8000-00000000c0de"


@dataclass
class Loop:
    name: str
    runs: int = 0
    killed: int = 0
    finished: int = 0
    points_ms: list[float] = field(default_factory=list)
    integrity_failures: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    episode_checks: int = 0
    partial: int = 0  # kills that left some but not all of the events stored
    mid_write: int = 0  # kills after the ledger's files grew, before anything new was committed

    def report(self, head: str) -> list[str]:
        pts = ", ".join(f"{p:.0f}" for p in self.points_ms)
        return [
            head,
            f"  runs: {self.runs} (killed mid-run: {self.killed}, finished before the kill: {self.finished})",
            f"  kill points (ms, uniform over the clean run's time, from the process start): {pts}",
            f"  kills that left a partly filled ledger (some events, not all): {self.partial}; "
            f"kills while writing (ledger files grown, nothing new committed): {self.mid_write}",
            f"  integrity failures: {len(self.integrity_failures)}",
            f"  mismatches: {len(self.mismatches)} (final run and {self.episode_checks} finished run(s) "
            "vs a clean run into a fresh ledger)",
        ] + [f"  ! {m}" for m in self.integrity_failures + self.mismatches]


def expected_totals(corpus: Path) -> harness.Totals:
    """The generator's expectation, in :func:`harness.totals` form (without ``events``)."""
    days = json.loads((corpus / "expected.json").read_text())["days"]
    out: harness.Totals = {}
    for key, buckets in days.items():
        day, model = key.split("|")
        for b, v in buckets.items():
            out[(day, model, b)] = v
    return out


def without_events(t: harness.Totals) -> harness.Totals:
    return {k: v for k, v in t.items() if k[2] != "events"}


def big_transcript(corpus: Path, mb: float, dest: Path) -> Path:
    """One transcript of about ``mb`` MB: the corpus's session files end to end."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    target = int(mb * 1e6)
    written = 0
    with open(dest, "wb") as out:
        for f in sorted(corpus.glob("projects/*/*.jsonl")):
            data = f.read_bytes()
            out.write(data)
            written += len(data)
            if written >= target:
                break
    return dest


def footprint(db: Path) -> int:
    """Bytes of the ledger and its WAL (0 when absent)."""
    return sum(p.stat().st_size for p in (db, db.with_name(db.name + "-wal")) if p.exists())


def kill_loop(loop: Loop, runs: int, rng: random.Random, work: Path, window_ms: float,
              ref: harness.Totals, attempt: Callable[[Path, float], harness.Kill],
              finish: Callable[[Path], None]) -> None:
    """``runs`` kills of ``attempt(home, at_ms)``, then ``finish(home)`` and the final check."""
    episode = 0
    want_events = sum(v for k, v in ref.items() if k[2] == "events")
    home = work / f"{loop.name}-{episode}"
    for _ in range(runs):
        at = rng.uniform(0, window_ms)
        db = home / "ledger.db"
        size0, events0 = footprint(db), harness.event_count(db) if db.exists() else 0
        k = attempt(home, at)
        loop.runs += 1
        loop.points_ms.append(at)
        if k.killed:
            loop.killed += 1
            if db.exists():  # a kill before the ledger was created leaves nothing to check
                res = harness.integrity_check(db)
                if res != "ok":
                    loop.integrity_failures.append(f"run {loop.runs} (killed at {at:.0f} ms): {res}")
                    continue
                n = harness.event_count(db)
                if 0 < n < want_events:
                    loop.partial += 1
                if n == events0 and footprint(db) > size0:
                    loop.mid_write += 1
            continue
        loop.finished += 1
        if k.returncode != 0:
            loop.mismatches.append(f"run {loop.runs}: exit {k.returncode}: {k.stderr.strip()[-300:]}")
        res = harness.integrity_check(db)
        if res != "ok":
            loop.integrity_failures.append(f"run {loop.runs} (finished): {res}")
        finish(home)
        loop.episode_checks += 1
        diff = harness.diff_totals(harness.totals(db), ref)
        if diff:
            loop.mismatches.append(f"run {loop.runs} (finished, episode {episode}): " + "; ".join(diff))
        episode += 1
        home = work / f"{loop.name}-{episode}"
    finish(home)
    db = home / "ledger.db"
    res = harness.integrity_check(db)
    if res != "ok":
        loop.integrity_failures.append(f"final run: {res}")
    diff = harness.diff_totals(harness.totals(db), ref)
    if diff:
        loop.mismatches.append("final run: " + "; ".join(diff))


def import_loop(client: str, corpus: Path, src: Path, runs: int, rng: random.Random,
                work: Path) -> tuple[list[str], Loop]:
    """``corpus``: the generated corpus (its ``expected.json``); ``src``: what is imported.
    A corpus of 8 MB or more is read in reader processes (``hooks.backfill``): the
    kills land in the importing process, whose readers then stop by themselves."""
    tp = harness.exe("tokenprint")

    def cmd() -> list[str]:
        return [tp, "import", client, str(src), "--no-progress"]

    work = work / client
    work.mkdir()
    clean = work / "import-clean"
    clean_ms, _ = harness.timed_run(cmd(), harness.tool_env(clean))
    ref = harness.totals(clean / "ledger.db")
    gen_diff = harness.diff_totals(without_events(ref), expected_totals(corpus))
    loop = Loop(f"import-{client}")
    if gen_diff:
        loop.mismatches.append("clean import vs the generator's expectation: " + "; ".join(gen_diff))

    def attempt(home: Path, at: float) -> harness.Kill:
        return harness.kill_at(cmd(), harness.tool_env(home), at)

    def finish(home: Path) -> None:
        harness.run_ok(cmd(), harness.tool_env(home))

    kill_loop(loop, runs, rng, work, clean_ms, ref, attempt, finish)
    mb = json.loads((corpus / "expected.json").read_text())["bytes"] / 1e6
    events = sum(v for k, v in ref.items() if k[2] == "events")
    head = (f"kill -9 during tokenprint import {client} ({mb:.1f} MB corpus, {events} events; "
            f"clean import {clean_ms:.0f} ms; clean import = generator's expectation: "
            f"{'yes' if not gen_diff else 'NO'})")
    return loop.report(head), loop


def hook_loop(corpus: Path, mb: float, runs: int, rng: random.Random, work: Path) -> tuple[list[str], Loop]:
    hook, tp = harness.exe("tokenprint-hook"), harness.exe("tokenprint")
    transcript = big_transcript(corpus, mb, work / "claude" / "projects" / "-home-u-big" / f"{SESSION}.jsonl")
    payload = json.dumps({"session_id": SESSION, "transcript_path": str(transcript), "cwd": "/home/u/big",
                          "hook_event_name": "Stop", "permission_mode": "default",
                          "stop_hook_active": False}).encode()

    def finish(home: Path) -> None:
        """Hook runs until one changes nothing (the hook may leave work for the next event)."""
        before = harness.totals(home / "ledger.db") if (home / "ledger.db").exists() else {}
        for _ in range(50):
            harness.run_ok([hook, "claude-code"], harness.tool_env(home), payload)
            now = harness.totals(home / "ledger.db")
            if now == before:
                return
            before = now
        raise SystemExit(f"{hook}: still ingesting after 50 runs")

    clean = work / "hook-clean"
    clean_ms, _ = harness.timed_run([hook, "claude-code"], harness.tool_env(clean), payload)
    finish(clean)
    ref = harness.totals(clean / "ledger.db")
    by_import = work / "hook-by-import"
    harness.run_ok([tp, "import", "claude-code", str(transcript), "--no-progress"], harness.tool_env(by_import))
    imp_diff = harness.diff_totals(ref, harness.totals(by_import / "ledger.db"))
    loop = Loop("hook")
    if imp_diff:
        loop.mismatches.append("clean hook run vs clean import of the transcript: " + "; ".join(imp_diff))

    def attempt(home: Path, at: float) -> harness.Kill:
        return harness.kill_at([hook, "claude-code"], harness.tool_env(home), at, payload)

    kill_loop(loop, runs, rng, work, clean_ms, ref, attempt, finish)
    events = sum(v for k, v in ref.items() if k[2] == "events")
    head = (f"kill -9 during tokenprint-hook claude-code (Stop payload; one {transcript.stat().st_size / 1e6:.1f} MB "
            f"transcript, {events} new events; clean run {clean_ms:.0f} ms; clean hook = clean import: "
            f"{'yes' if not imp_diff else 'NO'})")
    return loop.report(head), loop


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20, help="kills per loop (default 20)")
    ap.add_argument("--mb", type=float, default=40, help="size of the imported corpus (default 40 MB)")
    ap.add_argument("--hook-mb", type=float, default=20, help="size of the hook's transcript (default 20 MB)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", choices=("import", "hook"))
    ap.add_argument("--client", default="claude-code", choices=[*harness.GENERATORS, "all"],
                    help="whose import is killed (default claude-code; the hook loop is Claude Code's)")
    ap.add_argument("--dir", type=Path, help="corpus cache (default: the temp dir's tokenprint-bench)")
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    work = Path(tempfile.mkdtemp(prefix="tokenprint-kill9-"))
    loops: list[Loop] = []
    try:
        if a.only in (None, "import"):
            for client in harness.GENERATORS if a.client == "all" else [a.client]:
                root, src = harness.client_corpus(client, a.mb, a.seed, a.dir)
                lines, loop = import_loop(client, root, src, a.runs, rng, work)
                loops.append(loop)
                print("\n".join(lines), flush=True)
        if a.only in (None, "hook"):
            corpus = harness.claude_corpus(max(a.mb, a.hook_mb), a.seed, a.dir)
            lines, loop = hook_loop(corpus, a.hook_mb, a.runs, rng, work)
            loops.append(loop)
            print("\n".join(lines), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bad = sum(len(lp.integrity_failures) + len(lp.mismatches) for lp in loops)
    print(f"total: {sum(lp.runs for lp in loops)} runs, {sum(lp.killed for lp in loops)} killed, "
          f"integrity failures {sum(len(lp.integrity_failures) for lp in loops)}, "
          f"mismatches {sum(len(lp.mismatches) for lp in loops)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
