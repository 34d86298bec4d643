"""Hook latency: ``tokenprint-hook claude-code`` on a real Stop payload, 30 MB transcript.

    python bench/hook_latency.py [--mb 30] [--runs 21]

Builds a transcript of ``--mb`` MB under /tmp, reads it into a fresh ledger once,
then ``--runs`` times: appends one turn (a prompt, a response streamed over three
lines, a tool result), runs the hook with the Stop payload Claude Code sends, and
checks that the turn is in the ledger. Interleaved with each run, a bare
``python -c pass`` of the same interpreter. Prints both medians and their ratio
(the acceptance bound is 4x: the hook reads only what is new).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
HOOK = str(BIN / "tokenprint-hook")
SESSION = "5e551011-0000-4000-8000-00000000b0b0"
CWD = "/home/u/proj"


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=30)
    ap.add_argument("--runs", type=int, default=21)
    a = ap.parse_args()
    import os

    work = Path(tempfile.mkdtemp(prefix="tokenprint-hook-bench-"))
    home = work / "home"
    transcript = work / "projects" / "-home-u-proj" / f"{SESSION}.jsonl"
    transcript.parent.mkdir(parents=True)
    r = random.Random(7)
    filler = "".join(r.choice("abcdefghij klmnop qrstuv wxyz ") for _ in range(50000))
    i = 0
    with open(transcript, "w") as f:
        while f.tell() < a.mb * 1e6:
            lines, _ = turn(i, r, filler)
            f.write("\n".join(lines) + "\n")
            i += 1
    env = {**os.environ, "TOKENPRINT_HOME": str(home)}
    env.pop("TOKENPRINT_DATABASE_URL", None)
    payload = json.dumps({"session_id": SESSION, "transcript_path": str(transcript), "cwd": CWD,
                          "hook_event_name": "Stop", "permission_mode": "default",
                          "stop_hook_active": False}).encode()
    first = timed([HOOK, "claude-code"], payload, env)  # the first read takes the whole file
    hook_times, bare_times = [], []
    for _ in range(a.runs):
        lines, msg_id = turn(i, r, filler)
        i += 1
        with open(transcript, "a") as f:
            f.write("\n".join(lines) + "\n")
        bare_times.append(timed([sys.executable, "-c", "pass"]))
        hook_times.append(timed([HOOK, "claude-code"], payload, env))
        conn = sqlite3.connect(home / "ledger.db")
        row = conn.execute("SELECT output_tokens FROM events WHERE event_id = ?", (msg_id,)).fetchone()
        conn.close()
        if row is None or row[0] != 420:
            raise SystemExit(f"turn {msg_id} not in the ledger after the hook: {row}")
    med_hook, med_bare = statistics.median(hook_times), statistics.median(bare_times)
    size = transcript.stat().st_size / 1e6
    print(f"transcript: {size:.1f} MB; first read of the whole file: {first * 1000:.0f} ms")
    print(f"tokenprint-hook claude-code (one new turn), median of {a.runs}: {med_hook * 1000:.1f} ms")
    print(f"python -c pass, median of {a.runs}: {med_bare * 1000:.1f} ms")
    print(f"ratio: {med_hook / med_bare:.2f}x (bound: 4x); every turn was in the ledger")
    shutil.rmtree(work)
    if med_hook > 4 * med_bare:
        sys.exit(1)


if __name__ == "__main__":
    main()
