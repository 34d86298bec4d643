"""Hook latency: ``tokenprint-hook <client>`` on a real payload, after one more turn.

    python bench/hook_latency.py [--client claude-code|codex|gemini-cli|opencode|all]
        [--mb 30] [--db-mb 100] [--runs 21]

Per client, builds a large source under /tmp, reads it into a fresh ledger once
(the first read takes it whole), then ``--runs`` times: writes one more turn as
the client would, runs the hook with the payload the client sends, and checks that
the turn's requests and tokens are in the ledger. Interleaved with each run, a
bare ``python -c pass`` of the same interpreter. Prints both medians and their
ratio per client (the acceptance bound is 4x: the hook reads only what is new).

- claude-code: a ``--mb`` MB transcript; one turn (a prompt, a response streamed
  over three lines, a tool result); the ``Stop`` payload;
- codex: a ``--mb`` MB rollout (``bench/gen_codex_corpus.py``); one turn (1-8
  responses with their ``token_count`` events, repeats and ``token_usage_record``
  lines, tool outputs); the ``Stop`` payload of ``hooks.json``;
- gemini-cli: a ``--mb`` MB ``.jsonl`` chat (``bench/gen_gemini_corpus.py``); one
  turn (1-6 model calls, each record written 2-3 times, ``$set``); ``AfterAgent``;
- opencode: a ``--db-mb`` MB database in WAL mode (``tests/hooks/opencode_corpus.py``'s
  ``make_db``); one more assistant message with one step (``step-finish``) written
  by a writer connection; the plugin's ``session.idle`` payload.
"""

from __future__ import annotations

import argparse
import json
import os
import random
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

BIN = Path(sys.executable).parent
HOOK = str(BIN / "tokenprint-hook")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SESSION = "5e551011-0000-4000-8000-00000000b0b0"
CWD = "/home/u/proj"
COLUMNS = ("requests", "input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")


def turn(i: int, r: random.Random, filler: str) -> tuple[list[str], str]:
    """The lines of one turn and its message id."""
    ts = f"2025-10-{1 + i % 28:02d}T12:{i % 60:02d}:00.000Z"
    base = {"userType": "external", "cwd": CWD, "sessionId": SESSION, "version": "2.0.14",
            "gitBranch": "main", "isSidechain": False}
    msg_id = f"msg_bench_{i:08d}_{r.randrange(1 << 30):08x}"
    lines = [json.dumps({**base, "type": "user", "uuid": f"q{i}", "timestamp": ts,
                         "message": {"role": "user", "content": filler[:800]}})]
    for j, (kind, out) in enumerate((("thinking", 40), ("text", 300), ("tool_use", 420))):
        block = ({"type": "thinking", "thinking": filler[:1200]} if kind == "thinking" else
                 {"type": "text", "text": filler[:600]} if kind == "text" else
                 {"type": "tool_use", "id": f"t{i}", "name": "Bash", "input": {"command": "ls"}})
        lines.append(json.dumps({**base, "type": "assistant", "uuid": f"a{i}-{j}", "timestamp": ts,
                                 "requestId": f"req_{i}", "message": {
                                     "id": msg_id, "type": "message", "role": "assistant",
                                     "model": "claude-sonnet-4-5-20250929", "content": [block],
                                     "usage": {"input_tokens": 6, "cache_creation_input_tokens": 900,
                                               "cache_read_input_tokens": 40000,
                                               "output_tokens": out}}}))
    lines.append(json.dumps({**base, "type": "user", "uuid": f"r{i}", "timestamp": ts,
                             "message": {"role": "user", "content": [
                                 {"type": "tool_result", "tool_use_id": f"t{i}",
                                  "content": filler[: r.randrange(2000, 40000)]}]}}))
    return lines, msg_id


def timed(cmd: list[str], stdin: bytes = b"", env: dict[str, str] | None = None) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stdout or proc.stderr:
        raise SystemExit(f"{cmd[0]}: exit {proc.returncode} {proc.stdout!r} {proc.stderr!r}")
    return dt



def ledger_sums(home: Path, client: str) -> dict[str, int]:
    """The ledger's requests and token columns for ``client`` (zeros before its first write)."""
    db = home / "ledger.db"
    if not db.exists():
        return dict.fromkeys(COLUMNS, 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute("SELECT COUNT(*), " + ", ".join(f"COALESCE(SUM({c}), 0)" for c in COLUMNS[1:])
                           + " FROM events WHERE client = ?", (client,)).fetchone()
    finally:
        conn.close()
    return dict(zip(COLUMNS, map(int, row), strict=True))


@dataclass
class Case:
    """One client's bench: how to write one more turn and which hook to run."""

    client: str
    source: Path                                  # the file (or database) that grows
    payload: bytes
    env: dict[str, str]
    step: Callable[[int], dict[str, int]]         # write turn i; its expected sums
    what: str


def claude_case(work: Path, mb: float) -> Case:
    transcript = work / "claude" / "projects" / "-home-u-proj" / f"{SESSION}.jsonl"
    transcript.parent.mkdir(parents=True)
    r = random.Random(7)
    filler = "".join(r.choice("abcdefghij klmnop qrstuv wxyz ") for _ in range(50000))
    state = {"i": 0}
    with open(transcript, "w") as f:
        while f.tell() < mb * 1e6:
            lines, _ = turn(state["i"], r, filler)
            f.write("\n".join(lines) + "\n")
            state["i"] += 1

    def step(_n: int) -> dict[str, int]:
        lines, _msg = turn(state["i"], r, filler)
        state["i"] += 1
        with open(transcript, "a") as f:
            f.write("\n".join(lines) + "\n")
        return {"requests": 1, "input_tokens": 6, "cache_write_tokens": 900, "cache_read_tokens": 40000,
                "output_tokens": 420, "reasoning_tokens": 0}

    payload = json.dumps({"session_id": SESSION, "transcript_path": str(transcript), "cwd": CWD,
                          "hook_event_name": "Stop", "permission_mode": "default",
                          "stop_hook_active": False}).encode()
    return Case("claude-code", transcript, payload, {"CLAUDE_CONFIG_DIR": str(work / "claude")}, step,
                "transcript")


def codex_case(work: Path, mb: float) -> Case:
    sys.path.insert(0, str(HERE))
    import gen_codex_corpus as gc

    home = work / "codex"
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    tmp = home / "rollout.tmp"
    ro = gc.one_rollout(tmp, mb, seed=7)
    path = home / "sessions" / gc.rollout_name(start, ro.thread)  # named for its thread, as Codex does
    path.parent.mkdir(parents=True)
    tmp.rename(path)

    def step(_n: int) -> dict[str, int]:
        ro.lines = []
        got = ro.turn()
        with open(path, "ab") as f:
            f.write(ro.text_bytes())
        return sums_of([u.buckets() for _w, _m, u in got])

    payload = json.dumps({"session_id": ro.thread, "turn_id": "t", "transcript_path": str(path), "cwd": ro.cwd,
                          "model": ro.model, "permission_mode": "default", "stop_hook_active": False,
                          "last_assistant_message": "done", "hook_event_name": "Stop"}).encode()
    return Case("codex", path, payload, {"CODEX_HOME": str(home)}, step, "rollout")


def gemini_case(work: Path, mb: float) -> Case:
    sys.path.insert(0, str(HERE))
    import gen_gemini_corpus as gg

    home = work / "gemini"
    chats = home / ".gemini" / "tmp" / "proj" / "chats"
    path = chats / "session-2026-11-20T09-00-5e551011.jsonl"
    c = gg.one_chat(path, mb, seed=7)

    def step(_n: int) -> dict[str, int]:
        c.lines, c.messages = [], []
        got = c.turn()
        with open(path, "ab") as f:
            f.write(c.jsonl())
        return sums_of([gg.buckets(tok) for _w, _m, tok in got])

    payload = json.dumps({"session_id": c.session, "transcript_path": str(path), "cwd": CWD,
                          "hook_event_name": "AfterAgent", "timestamp": "2026-11-20T09:00:00.000Z",
                          "prompt": "p", "prompt_response": "r", "stop_hook_active": False}).encode()
    return Case("gemini-cli", path, payload, {"GEMINI_CLI_HOME": str(home)}, step, ".jsonl chat")


def opencode_case(work: Path, mb: float) -> Case:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(HERE))
    import gen_opencode_corpus as go

    from tests.hooks.opencode_corpus import make_db

    xdg = work / "xdg"
    db = xdg / "opencode" / "opencode.db"
    db.parent.mkdir(parents=True)
    made = make_db(db, int(mb * 1e6), seed=7)
    if made["bytes"] < 0.95 * mb * 1e6:  # it stops on database + WAL; the checkpointed file is smaller
        made = make_db(db, int(mb * 1e6 * mb * 1e6 / made["bytes"]), seed=7)
    session = made["last_session"]
    at = datetime.now(UTC) - timedelta(hours=1)

    def step(n: int) -> dict[str, int]:
        return go.add_turn(db, seed=n, at=at + timedelta(seconds=10 * n), steps=1, session=session)

    payload = json.dumps({"hook_event_name": "session.idle", "session_id": session,
                          "directory": "/home/u/project"}).encode()
    env = {"XDG_DATA_HOME": str(xdg), "OPENCODE_DB": ""}
    return Case("opencode", db, payload, env, step, "database")


def sums_of(items: list[dict[str, int]]) -> dict[str, int]:
    out = dict.fromkeys(COLUMNS, 0)
    for b in items:
        for k, v in b.items():
            out[k] += v
        out["requests"] += 1
    return out


CASES: dict[str, Callable[[Path, float], Case]] = {
    "claude-code": claude_case, "codex": codex_case, "gemini-cli": gemini_case, "opencode": opencode_case,
}


def bench(case: Case, runs: int, home: Path) -> tuple[float, float, float]:
    """(first read, median hook, median ``python -c pass``) in seconds; checks every turn."""
    env = {**os.environ, "TOKENPRINT_HOME": str(home), **case.env}
    env.pop("TOKENPRINT_DATABASE_URL", None)
    if env.get("OPENCODE_DB") == "":
        env.pop("OPENCODE_DB")
    cmd = [HOOK, case.client]
    first = timed(cmd, case.payload, env)  # the first read takes the whole source
    hook_times, bare_times = [], []
    for n in range(runs):
        before = ledger_sums(home, case.client)
        want = case.step(n)
        bare_times.append(timed([sys.executable, "-c", "pass"]))
        hook_times.append(timed(cmd, case.payload, env))
        after = ledger_sums(home, case.client)
        got = {k: after[k] - before[k] for k in COLUMNS}
        if got != want:
            raise SystemExit(f"{case.client}: turn {n} not in the ledger after the hook: got {got}, want {want}")
    return first, statistics.median(hook_times), statistics.median(bare_times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client", default="all", choices=[*CASES, "all"])
    ap.add_argument("--mb", type=float, default=30, help="transcript, rollout and chat size")
    ap.add_argument("--db-mb", type=float, default=100, help="opencode database size")
    ap.add_argument("--runs", type=int, default=21)
    a = ap.parse_args()
    names = list(CASES) if a.client == "all" else [a.client]
    print(f"load average at start: {os.getloadavg()[0]:.2f} ({os.cpu_count()} CPUs)")
    # As an installed package is (pip compiles it): without this, a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 compiles every edited module again in every process.
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(root / d) for d in ("hooks", "ledger", "tui"))],
                   check=True, stdout=subprocess.DEVNULL)
    rows = []
    failed = False
    for name in names:
        work = Path(tempfile.mkdtemp(prefix=f"tokenprint-hook-bench-{name}-"))
        try:
            t0 = time.perf_counter()
            case = CASES[name](work, a.db_mb if name == "opencode" else a.mb)
            made = time.perf_counter() - t0
            first, med_hook, med_bare = bench(case, a.runs, work / "home")
            size = case.source.stat().st_size / 1e6
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ratio = med_hook / med_bare
        failed |= ratio > 4
        print(f"{name}: {case.what} {size:.1f} MB (made in {made:.1f} s); first read of it whole: {first * 1000:.0f} ms")
        print(f"  tokenprint-hook {name} (one new turn), median of {a.runs}: {med_hook * 1000:.1f} ms")
        print(f"  python -c pass, median of {a.runs}: {med_bare * 1000:.1f} ms")
        print(f"  ratio: {ratio:.2f}x (bound: 4x); every turn was in the ledger", flush=True)
        rows.append((name, case.what, size, first, med_hook, med_bare, ratio))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    print("\n| client | source | MB | first read | hook median | python -c pass | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, what, size, first, med_hook, med_bare, ratio in rows:
        print(f"| {name} | {what} | {size:.1f} | {first * 1000:.0f} ms | {med_hook * 1000:.1f} ms "
              f"| {med_bare * 1000:.1f} ms | {ratio:.2f}x |")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
