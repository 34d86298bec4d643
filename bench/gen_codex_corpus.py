"""Generate a realistic ``$CODEX_HOME`` of a given size, and its expected totals.

    python bench/gen_codex_corpus.py DIR --mb 200 [--seed 1]
    python bench/gen_codex_corpus.py FILE --one --mb 30     # one rollout (hook bench)

Writes ``DIR/sessions/YYYY/MM/DD/rollout-<ts>-<thread>.jsonl`` (some copies in
``DIR/archived_sessions/``, a few compressed ``.jsonl.zst`` when the ``zstd``
program is there) and ``DIR/expected.json``: the ledger's buckets per (UTC day,
model), known by construction (see ``bench/corpus_common.py``), and for each trap
the tokens it holds.

The format is the rollout of ``../shared/reference/clients.md`` (Codex section;
``codex-rs/protocol/src/protocol.rs``): ``session_meta`` first, per turn a
``task_started`` (``turn_id``, ``started_at``), a ``turn_context`` with the model,
the user's message, per model response a ``reasoning`` item, a ``function_call``
and its ``function_call_output`` (tool outputs up to hundreds of KB), then an
``event_msg`` ``token_count`` with the cumulative ``total_token_usage`` and the
``last_token_usage``. Traps at realistic rates:

- the same ``token_count`` written twice (after a response, and again at the end
  of the turn), ``info: null`` events, and in newer files ``token_usage_record``
  lines (the same usage again, with the turn's streaming ``turn_token_usage``);
- older files without ``cache_write_input_tokens``, the oldest without
  ``total_tokens``; a few writers with only ``last_token_usage`` and
  ``info.model``;
- forks with a replayed prefix (``codex fork``; subagents with ``history_mode``
  ``legacy``): a second, copied ``session_meta``, the parent's history replayed
  with its cumulative totals, its timestamps kept, spread over several seconds,
  or re-stamped into the fork's second; the child's own turns continue the
  parent's total (sometimes in that same second);
- child-only subagents (``source.subagent.thread_spawn``): the copied parent
  ``session_meta``, no parent usage, totals from zero; some with their first two
  responses in one second;
- a cumulative total that restarts after a compaction; a line cut by a torn
  write; a rollout in both ``sessions/`` and ``archived_sessions/``.

Usage buckets (clients.md): fresh input = input - cached - cache_write, cache
read = cached, cache write, output = output - reasoning, reasoning.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus_common import Buckets, Ledger, Text, iso, pick, uuid7

MODELS = [("gpt-5-codex", 0.45), ("gpt-5.1-codex", 0.25), ("gpt-5", 0.15), ("gpt-5.1-codex-mini", 0.15)]
DAY0 = datetime(2026, 8, 15, tzinfo=UTC)
DAYS = 75


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Usage:
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_input_tokens: int = 0
    output_tokens: int = 0
    reasoning_output_tokens: int = 0

    def plus(self, o: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self.astuple(), o.astuple(), strict=True)))

    def astuple(self) -> tuple[int, int, int, int, int]:
        return (self.input_tokens, self.cached_input_tokens, self.cache_write_input_tokens,
                self.output_tokens, self.reasoning_output_tokens)

    def obj(self, newer: bool, with_total: bool) -> dict[str, int]:
        d = {"input_tokens": self.input_tokens, "cached_input_tokens": self.cached_input_tokens}
        if newer:
            d["cache_write_input_tokens"] = self.cache_write_input_tokens
        d["output_tokens"] = self.output_tokens
        d["reasoning_output_tokens"] = self.reasoning_output_tokens
        if with_total:
            d["total_tokens"] = self.input_tokens + self.output_tokens
        return d

    def buckets(self) -> Buckets:
        return {"input_tokens": self.input_tokens - self.cached_input_tokens - self.cache_write_input_tokens,
                "cache_write_tokens": self.cache_write_input_tokens,
                "cache_read_tokens": self.cached_input_tokens,
                "output_tokens": self.output_tokens - self.reasoning_output_tokens,
                "reasoning_tokens": self.reasoning_output_tokens}


@dataclass
class Line:
    """One rollout line and what it means for the counting (kept for replays)."""

    text: str
    usage: Usage | None = None  # a token_count event's last usage (None: not one)
    total: Usage | None = None  # its cumulative total
    dup: bool = False           # a repeated token_count (same total as the one before)
    when: datetime | None = None
    replayed: bool = False      # a parent's line replayed in a fork (not the child's usage)


@dataclass
class Rollout:
    """One rollout being written: its state between turns (the hook bench appends turns)."""

    r: random.Random
    text: Text
    led: Ledger
    thread: str
    cwd: str
    t: datetime
    model: str
    newer: bool = True
    with_total: bool = True
    last_only: bool = False
    count: bool = True          # False: a parent history only replayed (never happens here)
    total: Usage = field(default_factory=Usage)
    ctx: int = 6000
    lines: list[Line] = field(default_factory=list)

    def line(self, when: datetime, typ: str, payload: dict[str, Any], **kw: Any) -> Line:
        ln = Line(dumps({"timestamp": iso(when), "type": typ, "payload": payload}), when=when, **kw)
        self.lines.append(ln)
        return ln

    def meta(self, **extra: Any) -> None:
        payload = {"id": self.thread, "timestamp": iso(self.t), "cwd": self.cwd,
                   "originator": "codex_cli_rs", "cli_version": "0.171.0" if self.newer else "0.39.0",
                   "instructions": None, "source": "cli", "model_provider": "openai",
                   "git": {"commit_hash": f"{self.r.getrandbits(160):040x}", "branch": "main",
                           "repository_url": "git@github.com:u/p.git"}}
        payload.update(extra)
        self.line(self.t, "session_meta", payload)

    def usage(self, new_in: int) -> Usage:
        r = self.r
        inp = self.ctx + new_in
        cached = min(inp, int(self.ctx * r.uniform(0.8, 1.0)) // 64 * 64)
        cw = r.randrange(0, inp - cached + 1) if self.newer and r.random() < 0.3 else 0
        out = r.randrange(20, 3000)
        reas = r.randrange(0, out) if r.random() < 0.7 else 0
        self.ctx = inp + out
        return Usage(inp, cached, cw, out, reas)

    def token_count(self, when: datetime, u: Usage | None, *, restart: bool = False) -> Line:
        r = self.r
        limits = {"primary": {"used_percent": float(r.randrange(0, 100)), "window_minutes": 300,
                              "resets_at": int(when.timestamp()) + 3600},
                  "secondary": {"used_percent": float(r.randrange(0, 100)), "window_minutes": 10080,
                                "resets_at": int(when.timestamp()) + 86400}}
        if u is None:
            return self.line(when, "event_msg", {"type": "token_count", "info": None, "rate_limits": limits})
        if self.last_only:
            info: dict[str, Any] = {"last_token_usage": u.obj(self.newer, self.with_total), "model": self.model}
            return self.line(when, "event_msg", {"type": "token_count", "info": info, "rate_limits": limits},
                             usage=u)
        self.total = u if restart else self.total.plus(u)
        info = {"total_token_usage": self.total.obj(self.newer, self.with_total),
                "last_token_usage": u.obj(self.newer, self.with_total), "model_context_window": 272000}
        return self.line(when, "event_msg", {"type": "token_count", "info": info, "rate_limits": limits},
                         usage=u, total=self.total)

    def repeat(self, prev: Line, when: datetime) -> None:
        """The same token_count again (Codex writes it twice): counts once."""
        text = prev.text[:14] + iso(when) + prev.text[38:]
        self.lines.append(Line(text, usage=prev.usage, total=prev.total, dup=True, when=when))
        if prev.usage is not None and self.count:
            self.led.trap("repeated_token_count", prev.usage.buckets())

    def turn(self, *, fast_first: bool = False, restart: bool = False) -> list[tuple[datetime, str, Usage]]:
        """Append one turn; returns the requests it holds (instant, model, usage)."""
        r, t = self.r, self.t
        turn_id = uuid7(r, t)
        if r.random() < 0.1:
            self.model = pick(r, MODELS)
        self.line(t, "event_msg", {"type": "task_started", "turn_id": turn_id,
                                   "started_at": int(t.timestamp()), "model_context_window": 272000})
        self.line(t, "turn_context", {"turn_id": turn_id, "cwd": self.cwd, "approval_policy": "on-request",
                                      "sandbox_policy": {"type": "workspace-write", "network_access": False},
                                      "model": self.model, "effort": "medium", "summary": "auto"})
        prompt = self.text(r.randrange(20, 1500))
        self.line(t, "response_item", {"type": "message", "role": "user",
                                       "content": [{"type": "input_text", "text": prompt}]})
        self.line(t, "event_msg", {"type": "user_message", "message": prompt, "images": []})
        out: list[tuple[datetime, str, Usage]] = []
        n = r.randrange(1, 9)
        new_in = len(prompt) // 4 + 200
        turn_total = Usage()
        last: Line | None = None
        for k in range(n):
            t += timedelta(milliseconds=r.randrange(100, 400) if fast_first and k < 2 else r.randrange(1500, 40000))
            self.line(t, "response_item", {"type": "reasoning", "summary": [
                {"type": "summary_text", "text": self.text(r.randrange(40, 400))}], "content": None,
                "encrypted_content": "gAAAAB" + self.text(r.randrange(400, 3000)).replace(" ", "x")})
            if k < n - 1:
                call = f"call_{r.getrandbits(96):024x}"
                cmd = self.text(r.randrange(10, 120))
                self.line(t, "response_item", {"type": "function_call", "name": "shell",
                                               "arguments": dumps({"command": ["bash", "-lc", cmd]}),
                                               "call_id": call})
                output = self.text.big()
                if r.random() < 0.004:
                    whole = dumps({"timestamp": iso(t), "type": "response_item", "payload": {
                        "type": "function_call_output", "call_id": call, "output": output}})
                    self.lines.append(Line(whole[: len(whole) // 2]))  # a torn write
                    self.led.trap("torn_line", n=1)
                else:
                    self.line(t, "response_item", {"type": "function_call_output", "call_id": call, "output": dumps(
                        {"output": output, "metadata": {"exit_code": 0, "duration_seconds": 0.4}})})
            else:
                msg = self.text(r.randrange(20, 2000))
                self.line(t, "response_item", {"type": "message", "role": "assistant",
                                               "content": [{"type": "output_text", "text": msg}]})
                self.line(t, "event_msg", {"type": "agent_message", "message": msg})
            u = self.usage(new_in)
            new_in = len(output) // 4 + 100 if k < n - 1 else 0
            last = self.token_count(t, u, restart=restart and k == 0)
            if restart and k == 0:
                self.led.trap("counter_restart", n=1)
            out.append((t, self.model, u))
            turn_total = turn_total.plus(u)
            if not self.last_only and r.random() < 0.35:
                self.repeat(last, t + timedelta(milliseconds=1))
            if self.newer and not self.last_only:
                self.line(t, "token_usage_record", {
                    "thread_id": self.thread, "turn_id": turn_id, "response_id": f"resp_{r.getrandbits(96):024x}",
                    "usage": u.obj(True, True), "turn_token_usage": turn_total.obj(True, True),
                    "thread_token_usage": self.total.obj(True, True)})
                if self.count:
                    self.led.trap("token_usage_record", u.buckets())
        t += timedelta(milliseconds=r.randrange(5, 50))
        if last is not None and not self.last_only and r.random() < 0.25:
            self.repeat(last, t)
        self.line(t, "event_msg", {"type": "task_complete", "turn_id": turn_id, "last_agent_message": "done"})
        if self.ctx > 240_000:
            self.line(t, "compacted", {"message": self.text(400)})
            self.ctx = 20_000
        self.t = t + timedelta(seconds=r.randrange(5, 900))
        if self.count:
            for when, model, u in out:
                self.led.add(when, model, u.buckets())
        return out

    def text_bytes(self) -> bytes:
        return ("\n".join(ln.text for ln in self.lines) + "\n").encode()


def rollout_name(t: datetime, thread: str) -> str:
    return f"{t:%Y/%m/%d}/rollout-{t:%Y-%m-%dT%H-%M-%S}-{thread}.jsonl"


class Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.r = random.Random(seed)
        self.text = Text(self.r)
        self.led = Ledger()
        self.bytes = 0
        self.files = 0
        self.parents: list[Rollout] = []
        self.to_compress: list[Path] = []
        self.zstd = shutil.which("zstd")
        #: rollout file stem -> its kind (the trap it holds) and its own buckets
        self.manifest: dict[str, dict[str, Any]] = {}
        self.compressed: set[str] = set()

    def write(self, ro: Rollout, start: datetime, kind: str, *, archive_ok: bool = True) -> None:
        data = ro.text_bytes()
        path = self.root / "sessions" / rollout_name(start, ro.thread)
        own = Usage()
        n = 0
        for ln in ro.lines:
            if ln.usage is not None and not ln.dup and not ln.replayed:
                own = own.plus(ln.usage)
                n += 1
        self.manifest[path.name[: -len(".jsonl")]] = {"kind": kind, **own.buckets(), "requests": n}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.files += 1
        r = self.r
        if archive_ok and r.random() < 0.04:
            arch = self.root / "archived_sessions" / path.name
            arch.parent.mkdir(parents=True, exist_ok=True)
            arch.write_bytes(data)
            self.bytes += len(data)
            self.trap_file("archived_copy", ro)
            self.manifest[path.name[: -len(".jsonl")]]["kind"] += " (and archived)"
        elif archive_ok and self.zstd and r.random() < 0.02:
            self.to_compress.append(path)
            self.compressed.add(ro.thread)
            self.trap_file("zst_rollout", ro)
            self.manifest[path.name[: -len(".jsonl")]]["kind"] += " (.zst)"
        self.bytes += len(data)

    def trap_file(self, name: str, ro: Rollout) -> None:
        for ln in ro.lines:
            if ln.usage is not None and not ln.dup and ro.count:
                self.led.trap(name, ln.usage.buckets())

    def new(self, start: datetime, cwd: str, **kw: Any) -> Rollout:
        r = self.r
        newer = kw.pop("newer", r.random() < 0.6)
        return Rollout(r=r, text=self.text, led=self.led, thread=uuid7(r, start), cwd=cwd, t=start,
                       model=pick(r, MODELS), newer=newer,
                       with_total=newer or r.random() < 0.7, **kw)

    def main_session(self, start: datetime, cwd: str) -> None:
        r = self.r
        ro = self.new(start, cwd, last_only=r.random() < 0.03)
        if ro.last_only:
            self.led.trap("last_token_usage_only", n=1)
        ro.meta()
        ro.token_count(start, None)
        restart_at = r.randrange(2, 12) if r.random() < 0.02 else -1
        for i in range(r.randrange(2, 25)):
            ro.turn(restart=i == restart_at)
        self.write(ro, start, "last_token_usage only" if ro.last_only else
                   "counter restart" if restart_at >= 0 else "main")
        if not ro.last_only:
            self.parents.append(ro)
            if len(self.parents) > 10:
                self.parents.pop(0)

    def fork(self, subagent: bool) -> None:
        """A child rollout that replays (part of) a parent's history, then its own turns."""
        r = self.r
        parent = r.choice(self.parents)
        fork_t = parent.t + timedelta(seconds=r.randrange(1, 3600))
        # cut the parent's history at a turn boundary (a task_complete line)
        ends = [i for i, ln in enumerate(parent.lines) if '"type":"task_complete"' in ln.text]
        cut = r.choice(ends) + 1 if ends else len(parent.lines)
        prefix = parent.lines[1:cut]
        base = next((ln.total for ln in reversed(prefix) if ln.total is not None), Usage())
        child = self.new(fork_t, parent.cwd, newer=True)
        child.model = parent.model
        extra: dict[str, Any] = {"forked_from_id": parent.thread}
        if subagent:
            extra.update({"source": {"subagent": {"thread_spawn": {"parent_thread_id": parent.thread, "depth": 1}}},
                          "parent_thread_id": parent.thread, "session_id": parent.thread,
                          "history_mode": "legacy", "thread_source": "subagent"})
        child.meta(**extra)
        child.lines.append(Line(parent.lines[0].text))  # the parent's session_meta, copied in
        mode = r.choice(("kept", "spread", "one_second"))
        replayed = Usage()
        for j, ln in enumerate(prefix):
            text = ln.text
            if mode != "kept":
                when = fork_t + timedelta(milliseconds=j * 15 if mode == "spread" else 0)
                text = text[:14] + iso(when) + text[38:]  # '{"timestamp":"' + 24 characters
            child.lines.append(Line(text, usage=ln.usage, total=ln.total, dup=ln.dup, replayed=True))
            if ln.usage is not None and not ln.dup:
                replayed = replayed.plus(ln.usage)
        kind = ("subagent" if subagent else "fork") + "_prefix_" + mode
        self.led.trap(kind, replayed.buckets())
        if parent.thread in self.compressed:
            kind += "_parent_zst"  # the parent's rollout is there only compressed
            self.led.trap(kind, replayed.buckets())
        child.total = base
        child.ctx = parent.ctx
        # the child's own first turn: sometimes in the fork's very second
        child.t = fork_t + (timedelta(milliseconds=100) if r.random() < 0.3 else timedelta(seconds=r.randrange(2, 30)))
        same = child.t.replace(microsecond=0) == fork_t.replace(microsecond=0)
        for i in range(r.randrange(1, 8)):
            got = child.turn(fast_first=same and i == 0)
            if i == 0 and same:
                first_sec = got[0][0].replace(microsecond=0)
                for when, _m, u in got:
                    if when.replace(microsecond=0) == first_sec == fork_t.replace(microsecond=0):
                        self.led.trap(kind + "_child_same_second", u.buckets())
        self.write(child, fork_t, kind.replace("_", " ") + (", own turn in the fork's second" if same else ""),
                   archive_ok=False)

    def child_only(self) -> None:
        """A subagent that writes the parent's session_meta but none of its usage."""
        r = self.r
        parent = r.choice(self.parents)
        spawn = parent.t - timedelta(seconds=r.randrange(10, 3000))
        child = self.new(spawn, parent.cwd, newer=True)
        child.meta(source={"subagent": {"thread_spawn": {"parent_thread_id": parent.thread, "depth": 1}}},
                   parent_thread_id=parent.thread, session_id=parent.thread, thread_source="subagent")
        child.lines.append(Line(parent.lines[0].text))
        fast = r.random() < 0.3
        for i in range(r.randrange(1, 6)):
            child.turn(fast_first=fast and i == 0)
        # ccusage's replay rule (``detect_subagent_replay_second``, parser.rs): in a file naming
        # thread_spawn, when the first two usage events share a second (two fast responses, or
        # one and its repeat 1 ms later), the leading events of that second are dropped
        marks = [ln for ln in child.lines if ln.usage is not None]
        if len(marks) >= 2 and marks[0].text[14:33] == marks[1].text[14:33]:
            sec = marks[0].text[14:33]
            for ln in child.lines:
                if '"type":"token_count"' not in ln.text:
                    continue
                if ln.text[14:33] != sec:
                    break
                if ln.usage is not None and not ln.dup:
                    self.led.trap("child_only_first_second", ln.usage.buckets())
        self.write(child, spawn, "child-only subagent" + (", first responses in one second" if fast else ""),
                   archive_ok=False)

    def finish(self) -> None:
        if self.to_compress and self.zstd:
            before = sum(p.stat().st_size for p in self.to_compress)
            subprocess.run([self.zstd, "-q", "-f", "--rm", "-3", *map(str, self.to_compress)], check=True)
            after = sum(p.with_name(p.name + ".zst").stat().st_size for p in self.to_compress)
            self.bytes += after - before  # the compressed file is what is on disk


def generate(root: Path, mb: float, seed: int = 1) -> dict[str, Any]:
    """A ``$CODEX_HOME`` of about ``mb`` MB under ``root`` and its ``expected.json``."""
    for old in ("sessions", "archived_sessions"):
        shutil.rmtree(root / old, ignore_errors=True)  # a corpus made again from scratch
    g = Gen(root, seed)
    cwds = [f"/home/u/proj{i}" for i in range(25)]
    target = int(mb * 1e6)
    while g.bytes < target:
        x = g.r.random()
        if g.parents and x < 0.07:
            g.fork(subagent=False)
        elif g.parents and x < 0.12:
            g.fork(subagent=True)
        elif g.parents and x < 0.22:
            g.child_only()
        else:
            start = DAY0 + timedelta(days=g.r.randrange(0, DAYS), seconds=g.r.randrange(0, 86400))
            g.main_session(start, g.r.choice(cwds))
    g.finish()
    return g.led.write(root, g.bytes, seed, client="codex", files=g.files, manifest=g.manifest)


def one_rollout(path: Path, mb: float, seed: int = 7) -> Rollout:
    """One rollout of about ``mb`` MB at ``path`` (the hook bench); returns it, to append turns."""
    r = random.Random(seed)
    led = Ledger()
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    ro = Rollout(r=r, text=Text(r), led=led, thread=uuid7(r, start), cwd="/home/u/proj", t=start,
                 model="gpt-5-codex")
    ro.meta()
    ro.token_count(start, None)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(ro.text_bytes())
        while f.tell() < mb * 1e6:
            ro.lines = []
            ro.turn()
            if ro.t > datetime(2026, 11, 29, tzinfo=UTC):
                ro.t = start
            f.write(ro.text_bytes())
    ro.lines = []
    return ro


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", action="store_true", help="write one rollout FILE (the hook bench's)")
    a = ap.parse_args()
    if a.one:
        one_rollout(a.dir, a.mb, a.seed)
        print(f"{a.dir}: {a.dir.stat().st_size / 1e6:.1f} MB")
        return
    a.dir.mkdir(parents=True, exist_ok=True)
    exp = generate(a.dir, a.mb, a.seed)
    print(f"{a.dir}: {exp['bytes'] / 1e6:.1f} MB in {exp['files']} rollouts, {len(exp['days'])} (day, model) buckets")


if __name__ == "__main__":
    main()
