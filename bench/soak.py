"""Soak: concurrent hooks and ``log`` calls into one ledger while a reader reports.

    python bench/soak.py [--seconds 60] [--writers 16] [--hook-share 0.5] [--seed 1]

``--writers`` processes write for ``--seconds`` into one fresh local ledger
(none exists at the start: the writers race to create it):

- hook writers, one per transcript: each appends a whole turn at a time to its
  own transcript (a prompt, 1-4 API responses streamed over 1-3 lines each with
  growing output, tool results), then runs the real ``tokenprint-hook <client>``
  with the Stop payload on stdin, as the client would. Every client of
  ``hooks.ADAPTERS`` that has a turn generator here (:data:`GENERATORS`) gets its
  share of the hook writers; the others are named as not run;
- ``log`` writers: ``tokenprint log --json -`` of a batch of 1-8 events with
  unique ids.

Each batch (a ``log`` call, a hook turn) has its own project naming its batch and
its size k (``.../k3``). One reader process refreshes the report by project in a
loop, alternately through the report API on a read-only sqlite3 connection and
through ``tokenprint report monthly --by project --json``: every batch it sees must
hold 0 or k requests, never part of a batch.

At the end, a hook that found the ledger busy has left its last turn for the
next event (as designed): one more Stop per transcript catches up, and how many
turns that took is printed. Then every event written must be stored exactly
once with its token counts (lost 0, doubled 0, stored-but-never-written 0, token
totals equal), ``PRAGMA integrity_check`` must say ok, and the p99 hook wall time
must be within the hook's budget (``hooks.entry.BUDGET_S``, else a ``*BUDGET*_S``
constant there; 2 s when it states none, and it says so). Exits 1 when the ledger
was not exact, 3 when only the hook's p99 wall time missed its budget (a machine
with fewer cores than writers queues processes: the hook's own CPU time is printed
beside its wall time), 0 when all holds.
Bounded: everything stops by itself; all processes are local.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import harness

BUDGET_FALLBACK_S = 2.0
CHILD_TIMEOUT_S = 60.0
CLAUDE_MODELS = ("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805", "claude-haiku-4-5-20251001")
BATCH_RE = re.compile(r"/k(\d+)$")
Buckets = dict[str, int]


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def instant(rng: random.Random) -> datetime:
    """An instant of the last hour (inside the ledger's window of believable instants)."""
    return datetime.now(UTC) - timedelta(seconds=rng.uniform(60, 3600))


class Feeder(Protocol):
    """One transcript of one client: appends turns and names the hook run for them."""

    client: str

    def turn(self, n: int) -> tuple[bytes, str, dict[str, Buckets]]:
        """Turn ``n``: the bytes to append, its project (batch id), its events' counts."""
        ...

    def append(self, data: bytes) -> None: ...

    def hook_args(self) -> list[str]: ...

    def payload(self) -> bytes: ...


class ClaudeCodeFeeder:
    """A Claude Code transcript (``projects/<dir>/<session>.jsonl``) and its Stop payload."""

    client = "claude-code"

    def __init__(self, root: Path, writer: int, rng: random.Random) -> None:
        self.rng = rng
        self.writer = writer
        self.session = f"50a50a50-{writer:04x}-4000-8000-{rng.randrange(1 << 48):012x}"
        self.path = root / "claude" / "projects" / f"-soak-w{writer}" / f"{self.session}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.filler = "".join(rng.choice("abcdefgh ijklmnop qrstuv wxyz ") for _ in range(30000))

    def turn(self, n: int) -> tuple[bytes, str, dict[str, Buckets]]:
        r = self.rng
        k = r.randint(1, 4)
        cwd = f"/soak/claude-code/w{self.writer}/t{n}/k{k}"
        base = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": cwd,
                "sessionId": self.session, "version": "2.0.14", "gitBranch": "main"}
        t = instant(r)
        lines = [{**base, "type": "user", "uuid": f"q{self.writer}-{n}", "timestamp": iso(t),
                  "message": {"role": "user", "content": self.filler[: r.randrange(20, 2000)]}}]
        events: dict[str, Buckets] = {}
        for j in range(k):
            msg_id = f"msg_soak_w{self.writer}_t{n}_r{j}_{r.randrange(1 << 30):08x}"
            model = r.choice(CLAUDE_MODELS)
            inp, cw, cr = r.randrange(1, 2000), r.choice((0, 0, 120, 900, 12000)), r.randrange(0, 120000)
            final = r.randrange(1, 3000)
            outs = sorted(r.randrange(1, final + 1) for _ in range(r.randint(0, 2))) + [final]
            for s, out in enumerate(outs):
                lines.append({**base, "type": "assistant", "uuid": f"a{self.writer}-{n}-{j}-{s}",
                              "timestamp": iso(t), "requestId": f"req_{msg_id}",
                              "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                                          "content": [{"type": "text", "text": self.filler[: r.randrange(10, 600)]}],
                                          "stop_reason": None, "stop_sequence": None,
                                          "usage": {"input_tokens": inp, "cache_creation_input_tokens": cw,
                                                    "cache_read_input_tokens": cr, "output_tokens": out,
                                                    "cache_creation": {"ephemeral_5m_input_tokens": cw,
                                                                       "ephemeral_1h_input_tokens": 0},
                                                    "service_tier": "standard"}}})
                t += timedelta(milliseconds=r.randrange(100, 2000))
            if r.random() < 0.6:
                lines.append({**base, "type": "user", "uuid": f"r{self.writer}-{n}-{j}", "timestamp": iso(t),
                              "message": {"role": "user", "content": [
                                  {"type": "tool_result", "tool_use_id": f"t{j}",
                                   "content": self.filler[: r.randrange(100, 20000)]}]}})
            events[msg_id] = {"input_tokens": inp, "cache_write_tokens": cw, "cache_read_tokens": cr,
                              "output_tokens": final, "reasoning_tokens": 0, "requests": 1}
        data = "".join(json.dumps(x, separators=(",", ":")) + "\n" for x in lines).encode()
        return data, cwd, events

    def append(self, data: bytes) -> None:
        with open(self.path, "ab") as f:  # one write: the client appends whole lines
            f.write(data)

    def hook_args(self) -> list[str]:
        return [harness.exe("tokenprint-hook"), "claude-code"]

    def payload(self) -> bytes:
        return json.dumps({"session_id": self.session, "transcript_path": str(self.path),
                           "cwd": f"/soak/claude-code/w{self.writer}", "hook_event_name": "Stop",
                           "permission_mode": "default", "stop_hook_active": False}).encode()


#: Client -> its turn generator. A client of ``hooks.ADAPTERS`` missing here is not run.
GENERATORS: dict[str, Callable[[Path, int, random.Random], Feeder]] = {
    "claude-code": ClaudeCodeFeeder,
}


def child_cpu() -> float:
    """CPU seconds (user + system) used so far by this process's finished children."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def think(rng: random.Random, mean: float) -> None:
    """A pause of uniform(0, 2 * mean) seconds between a writer's operations."""
    if mean > 0:
        time.sleep(rng.uniform(0, 2 * mean))


def run_child(args: list[str], stdin: bytes, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    """Run one hook or log call; one stuck for a minute is killed and reported as exit -9."""
    try:
        return subprocess.run(args, input=stdin, capture_output=True, env=env, timeout=CHILD_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(args, -9, exc.stdout or b"", (exc.stderr or b"") + b" (killed: stuck)")


def wait_until(t: float) -> None:
    while (left := t - time.time()) > 0:
        time.sleep(min(left, 0.05))


def hook_writer(client: str, index: int, work: str, home: str, start: float, stop: float, seed: int,
                pause: float) -> None:
    """Append turns and run the client's hook after each until ``stop``; results to JSON."""
    rng = random.Random(seed)
    feeder = GENERATORS[client](Path(work), index, rng)
    env = harness.tool_env(Path(home))
    turns, times, cpu, anomalies = [], [], [], []
    wait_until(start)
    n = 0
    while time.time() < stop:
        data, project, events = feeder.turn(n)
        feeder.append(data)
        t0, c0 = time.perf_counter(), child_cpu()
        proc = run_child(feeder.hook_args(), feeder.payload(), env)
        times.append(time.perf_counter() - t0)
        cpu.append(child_cpu() - c0)
        if proc.returncode != 0 or proc.stdout or proc.stderr:
            anomalies.append(f"exit {proc.returncode}, stdout {proc.stdout[:200]!r}, stderr {proc.stderr[:200]!r}")
        turns.append({"project": project, "events": events})
        n += 1
        think(rng, pause)
    out = {"kind": "hook", "ended": time.time(), "client": client, "index": index, "turns": turns, "times": times, "cpu": cpu,
           "anomalies": anomalies, "payload": feeder.payload().decode(), "args": feeder.hook_args()}
    Path(work, f"writer-{index}.json").write_text(json.dumps(out))


def log_writer(index: int, work: str, home: str, start: float, stop: float, seed: int, pause: float) -> None:
    """``tokenprint log --json -`` of batches of 1-8 events until ``stop``; results to JSON."""
    rng = random.Random(seed)
    env = harness.tool_env(Path(home))
    tp = harness.exe("tokenprint")
    batches, refused, times, cpu, anomalies = [], [], [], [], []
    wait_until(start)
    n = 0
    while time.time() < stop:
        k = rng.randint(1, 8)
        project = f"/soak/log/w{index}/b{n}/k{k}"
        ts = iso(instant(rng))
        items, events = [], {}
        for j in range(k):
            c = {"input_tokens": rng.randrange(0, 5000), "cache_write_tokens": rng.randrange(0, 900),
                 "cache_read_tokens": rng.randrange(0, 50000), "output_tokens": rng.randrange(0, 4000),
                 "reasoning_tokens": rng.randrange(0, 500)}
            eid = f"soak-log-w{index}-b{n}-e{j}"
            items.append({"client": "manual", "model": rng.choice(CLAUDE_MODELS), "timestamp": ts,
                          "session": f"soak-log-w{index}", "project": project, "id": eid, **c})
            events[eid] = {**c, "requests": 1}
        t0, c0 = time.perf_counter(), child_cpu()
        proc = run_child([tp, "log", "--json", "-", "-q"], json.dumps(items).encode(), env)
        times.append(time.perf_counter() - t0)
        cpu.append(child_cpu() - c0)
        rec = {"project": project, "events": events}
        if proc.returncode == 0:
            batches.append(rec)
            if proc.stdout or proc.stderr:
                anomalies.append(f"exit 0 but printed {proc.stdout[:200]!r} {proc.stderr[:200]!r}")
        else:
            rec["stderr"] = proc.stderr.decode(errors="replace").strip()[-300:]
            refused.append(rec)
        n += 1
        think(rng, pause)
    out = {"kind": "log", "ended": time.time(), "index": index, "turns": batches, "refused": refused, "times": times, "cpu": cpu,
           "anomalies": anomalies}
    Path(work, f"writer-{index}.json").write_text(json.dumps(out))


def half_batches(rows: list[dict[str, Any]]) -> list[str]:
    """Batches whose requests in these report rows are neither 0 nor their k."""
    per: dict[str, int] = {}
    for row in rows:
        project = str(row.get("project"))
        if BATCH_RE.search(project):
            per[project] = per.get(project, 0) + int(row.get("requests") or 0)
    out = []
    for project, n in per.items():
        m = BATCH_RE.search(project)
        if m and n != int(m.group(1)):
            out.append(f"{project}: {n} of {m.group(1)} requests")
    return out


def reader(work: str, home: str, start: float, stop_file: str, hard_stop: float) -> None:
    """Refresh the report by project until ``stop_file`` exists; check every batch."""
    from ledger.report import ReportQuery, SqliteReader, build_report

    env = harness.tool_env(Path(home))
    db = Path(home) / "ledger.db"
    tp = harness.exe("tokenprint")
    api_ms: list[float] = []
    cli_ms: list[float] = []
    halves: list[str] = []
    errors: list[str] = []
    seen_batches = 0
    wait_until(start)
    i = 0
    while not os.path.exists(stop_file) and time.time() < hard_stop:
        i += 1
        t0 = time.perf_counter()
        try:
            if i % 2:
                if not db.exists():
                    time.sleep(0.05)
                    continue
                src = SqliteReader(db)
                try:
                    rep = build_report(src, ReportQuery(period="monthly", by="project"))
                finally:
                    src.close()
                api_ms.append((time.perf_counter() - t0) * 1000)
            else:
                proc = subprocess.run([tp, "report", "monthly", "--by", "project", "--json"],
                                      capture_output=True, env=env)
                if proc.returncode != 0:
                    errors.append(f"report exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}")
                    continue
                rep = json.loads(proc.stdout)
                cli_ms.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # noqa: BLE001 - a failing report is a finding, not a crash
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            continue
        rows = rep.get("rows", [])
        seen_batches = max(seen_batches, sum(1 for r in rows if BATCH_RE.search(str(r.get("project")))))
        halves.extend(half_batches(rows))
    out = {"api_ms": api_ms, "cli_ms": cli_ms, "halves": halves, "errors": errors, "seen_batches": seen_batches}
    Path(work, "reader.json").write_text(json.dumps(out))


def hook_budget() -> tuple[float, str]:
    """The hook's wall-time budget in seconds, and where it comes from."""
    import hooks.entry as entry

    if isinstance(getattr(entry, "BUDGET_S", None), int | float):
        value = float(entry.budget_s()) if callable(getattr(entry, "budget_s", None)) else float(entry.BUDGET_S)
        src = "hooks.entry.BUDGET_S"
        if value != entry.BUDGET_S:
            src += f" ({entry.BUDGET_S:g} s) lowered by ${getattr(entry, 'BUDGET_ENV', '?')}"
        return value, src
    for name in sorted(vars(entry)):
        value = getattr(entry, name)
        if "BUDGET" in name and name.endswith("_S") and isinstance(value, int | float):
            return float(value), f"hooks.entry.{name}"
    return BUDGET_FALLBACK_S, f"hooks/entry.py states no budget: {BUDGET_FALLBACK_S:g} s used"


def stored_rows(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        cols = ", ".join(harness.BUCKETS)
        return con.execute(f"SELECT client, event_id, {cols} FROM events").fetchall()
    finally:
        con.close()


@dataclass
class Outcome:
    lines: list[str]
    failures: list[str]  # the ledger was not exact (exit 1)
    slow: list[str]  # only time: the hook's p99 over its budget (exit 3)


def catch_up(results: list[dict[str, Any]], home: Path, db: Path) -> tuple[int, int]:
    """More Stops (up to 3) per transcript whose turns are not all stored yet, as the
    client's next events would; how many turns were left, and the most Stops one needed."""
    stored = {(c, e) for c, e, *_ in stored_rows(db)} if db.exists() else set()
    left = most = 0
    env = harness.tool_env(home)
    for res in results:
        if res["kind"] != "hook":
            continue
        missing = [t for t in res["turns"] if any((res["client"], e) not in stored for e in t["events"])]
        if not missing:
            continue
        left += len(missing)
        for run in range(1, 4):
            proc = subprocess.run(res["args"], input=res["payload"].encode(), capture_output=True, env=env)
            if proc.returncode != 0 or proc.stdout or proc.stderr:
                res["anomalies"].append(f"catch-up: exit {proc.returncode} {proc.stderr[:200]!r}")
            now = {(c, e) for c, e, *_ in stored_rows(db)}
            most = max(most, run)
            if all((res["client"], e) in now for t in missing for e in t["events"]):
                break
    return left, most


def check(results: list[dict[str, Any]], rd: dict[str, Any], db: Path, seconds: float, budget: float,
          budget_src: str, writers: int, plan: dict[str, int], no_gen: list[str],
          left: tuple[int, int]) -> Outcome:
    want: dict[tuple[str, str], Buckets] = {}
    refused_ids: set[tuple[str, str]] = set()
    hook_times: list[float] = []
    hook_cpu: list[float] = []
    log_times: list[float] = []
    log_cpu: list[float] = []
    turns = batches = refused = 0
    anomalies: list[str] = []
    for res in results:
        client = res.get("client", "manual")
        anomalies.extend(f"writer {res['index']}: {a}" for a in res["anomalies"])
        for t in res["turns"]:
            for eid, b in t["events"].items():
                want[(client, eid)] = b
        if res["kind"] == "hook":
            hook_times.extend(res["times"])
            hook_cpu.extend(res["cpu"])
            turns += len(res["turns"])
        else:
            log_times.extend(res["times"])
            log_cpu.extend(res["cpu"])
            batches += len(res["turns"])
            refused += len(res["refused"])
            for t in res["refused"]:
                refused_ids.update((client, e) for e in t["events"])
    rows = stored_rows(db)
    seen: dict[tuple[str, str], int] = {}
    got: dict[tuple[str, str], Buckets] = {}
    for client, eid, *vals in rows:
        key = (client, eid)
        seen[key] = seen.get(key, 0) + 1
        got[key] = dict(zip(harness.BUCKETS, (int(v) for v in vals), strict=True))
    lost = [k for k in want if k not in got]
    doubled = sum(n - 1 for n in seen.values() if n > 1)
    extra = [k for k in got if k not in want]
    refused_stored = [k for k in refused_ids if k in got]
    wrong = [k for k in want if k in got and got[k] != want[k]]
    sums_want = {b: sum(v[b] for v in want.values()) for b in harness.BUCKETS}
    sums_got = {b: sum(v[b] for v in got.values()) for b in harness.BUCKETS}
    integrity = harness.integrity_check(db)
    p50 = statistics.median(hook_times) if hook_times else 0.0
    p99 = harness.percentile(hook_times, 99)
    hook_events = sum(len(t["events"]) for r in results if r["kind"] == "hook" for t in r["turns"])
    log_events = len(want) - hook_events
    halves = rd.get("halves", [])
    api_ms, cli_ms = rd.get("api_ms", []), rd.get("cli_ms", [])
    hook_plan = ", ".join(f"{c} {n}" for c, n in plan.items()) or "none"
    lines = [
        f"soak: {writers} writers for {seconds:.1f} s ({sum(plan.values())} tokenprint-hook [{hook_plan}], "
        f"{writers - sum(plan.values())} tokenprint log --json -) and 1 reader; rates per second of that "
        "time (from the start to the end of the last call)",
        f"  clients run: {', '.join(plan) or 'none'}; clients of hooks.ADAPTERS without a generator: "
        f"{', '.join(no_gen) or 'none'}",
        f"  events written: {len(want)} ({hook_events} by hooks in {turns} turns, {log_events} by log in "
        f"{batches} batches): {len(want) / seconds:.0f} events/s",
        f"  hook wall time (whole process, start-up included): p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms over {len(hook_times)} runs "
        f"(budget {budget * 1000:.0f} ms: {budget_src}); its CPU time p50 "
        f"{statistics.median(hook_cpu) * 1000 if hook_cpu else 0:.0f} ms, p99 {harness.percentile(hook_cpu, 99) * 1000:.0f} ms",
        f"  log calls: {len(log_times)} ({len(log_times) / seconds:.1f}/s), p50 "
        f"{statistics.median(log_times) * 1000 if log_times else 0:.0f} ms (CPU p50 "
        f"{statistics.median(log_cpu) * 1000 if log_cpu else 0:.0f} ms); refused: {refused}",
        f"  reader: {len(api_ms)} report API + {len(cli_ms)} tokenprint report refreshes (p50 "
        f"{statistics.median(api_ms) if api_ms else 0:.0f} ms / {statistics.median(cli_ms) if cli_ms else 0:.0f} ms,"
        f" up to {rd.get('seen_batches', 0)} batches each); report errors: {len(rd.get('errors', []))}",
        f"  half-batches seen: {len(halves)}",
        f"  turns left for the next event by a hook (busy ledger or budget): {left[0]}"
        + (f" (stored by the next Stop; at most {left[1]} needed)" if left[0] else ""),
        f"  lost: {len(lost)}",
        f"  doubled: {doubled}",
        f"  stored but never written: {len(extra)} (of which refused by log: {len(refused_stored)})",
        f"  counts differing from what was written: {len(wrong)}",
        "  token totals equal: " + ("yes" if sums_want == sums_got else "NO")
        + f" ({', '.join(f'{b} {sums_got[b]}' for b in harness.BUCKETS)})",
        f"  integrity_check: {integrity}",
    ]
    failures = []
    if not want:
        failures.append("nothing was written")
    for label, items in (("lost", lost), ("stored but never written", extra), ("wrong counts", wrong)):
        if items:
            failures.append(f"{label}: {len(items)}, e.g. {items[:3]}")
    if doubled:
        failures.append(f"doubled: {doubled}")
    if sums_want != sums_got:
        failures.append(f"token totals: wrote {sums_want}, stored {sums_got}")
    if halves:
        failures.append(f"half-batches seen: {halves[:5]}")
    if rd.get("errors"):
        failures.append(f"report errors: {rd['errors'][:3]}")
    if integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    slow = []
    if p99 > budget:
        slow.append(f"hook p99 {p99 * 1000:.0f} ms over its budget {budget * 1000:.0f} ms "
                    f"(its CPU time p99 {harness.percentile(hook_cpu, 99) * 1000:.0f} ms)")
    if anomalies:
        failures.append(f"writer anomalies: {len(anomalies)}, e.g. {anomalies[:3]}")
    if refused:
        first = next(t["stderr"] for r in results if r["kind"] == "log" for t in r["refused"])
        failures.append(f"log refused {refused} batch(es), e.g. {first}")
    return Outcome(lines, failures, slow)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--writers", type=int, default=16)
    ap.add_argument("--hook-share", type=float, default=0.5, help="share of writers that are hooks (default 0.5)")
    ap.add_argument("--think", type=float, default=0.0, metavar="SECONDS",
                    help="mean pause of each writer between its operations (default 0: back to back)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    a = ap.parse_args(argv)
    if a.writers < 1 or a.seconds <= 0:
        ap.error("--writers and --seconds must be positive")
    from hooks import ADAPTERS

    clients = [c for c in ADAPTERS if c in GENERATORS]
    no_gen = sorted(c for c in ADAPTERS if c not in GENERATORS)
    if not 0 <= a.hook_share <= 1:
        ap.error("--hook-share is a fraction between 0 and 1")
    n_hooks = round(a.writers * a.hook_share) if clients else 0
    if 0 < a.hook_share and clients:
        n_hooks = max(1, n_hooks)  # at least one hook writer when asked for some
    if a.hook_share < 1 and n_hooks == a.writers > 1:
        n_hooks -= 1  # and at least one log writer
    budget, budget_src = hook_budget()
    load0 = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="tokenprint-soak-"))
    home = work / "home"
    db = home / "ledger.db"
    ctx = mp.get_context("spawn")
    start = time.time() + 1.5  # every process spawned and waiting
    stop = start + a.seconds
    stop_file = work / "stop"
    procs = []
    plan: dict[str, int] = {}
    for i in range(a.writers):
        seed = a.seed * 1000 + i
        if i < n_hooks:
            client = clients[i % len(clients)]
            plan[client] = plan.get(client, 0) + 1
            p = ctx.Process(target=hook_writer, args=(client, i, str(work), str(home), start, stop, seed, a.think))
        else:
            p = ctx.Process(target=log_writer, args=(i, str(work), str(home), start, stop, seed, a.think))
        procs.append(p)
    rd_proc = ctx.Process(target=reader, args=(str(work), str(home), start, str(stop_file), stop + 120))
    try:
        for p in [*procs, rd_proc]:
            p.start()
        for p in procs:
            p.join(timeout=max(1.0, stop - time.time()) + 120)
        stop_file.touch()
        rd_proc.join(timeout=120)
        for p in [*procs, rd_proc]:
            if p.is_alive():
                p.kill()
                p.join()
                raise SystemExit(f"soak: process {p.name} did not stop in time")
            if p.exitcode != 0:
                raise SystemExit(f"soak: process {p.name} failed with exit {p.exitcode}")
        results = [json.loads((work / f"writer-{i}.json").read_text()) for i in range(a.writers)]
        rd = json.loads((work / "reader.json").read_text())
        left = catch_up(results, home, db)
        elapsed = max(r["ended"] for r in results) - start  # the last call may end after the stop
        out = check(results, rd, db, elapsed, budget, budget_src, a.writers, plan, no_gen, left)
        out.lines.insert(1, f"  machine: {os.cpu_count()} CPUs, load average {load0:.2f} at the start; "
                            f"writers' pause between operations: {a.think:g} s mean")
    finally:
        for p in [*procs, rd_proc]:
            if p.is_alive():
                p.kill()
        if a.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(out.lines))
    for f in out.failures + out.slow:
        print(f"FAIL: {f}")
    return 1 if out.failures else 3 if out.slow else 0


if __name__ == "__main__":
    sys.exit(main())
