"""Generate a realistic Claude Code config dir of a given size, and its expected totals.

    python bench/gen_claude_corpus.py DIR --mb 200 [--seed 1]

Writes ``DIR/projects/...`` (sessions, subagent files) and ``DIR/expected.json``:
the per-(UTC day, model) buckets known by construction (each message's final
usage once, at the instant of its first line), independent of the code under test.

Traps of clients.md included at realistic rates: responses streamed over several
lines with growing output; resumed sessions replaying earlier history; subagent
files plus ``progress`` copies of their records in the parent; ``<synthetic>`` and
API-error lines; lone surrogates; cut lines; thinking details; ``costUSD`` on old
lines; tool results with a real ``usage`` object (Task totals); megabyte tool
results; lines written with and without spaces after colons.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

MODELS = [
    ("claude-sonnet-4-5-20250929", 0.55),
    ("claude-opus-4-1-20250805", 0.2),
    ("claude-haiku-4-5-20251001", 0.15),
    ("claude-sonnet-4-20250514", 0.1),
]
BUCKETS = ("input_tokens", "cache_write_tokens", "cache_read_tokens", "output_tokens",
           "reasoning_tokens", "requests")
WORDS = ("the quick brown fox jumps over a lazy dog while tokens flow through "
         "caches and models compute answers for users in many projects").split()


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


class Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.r = random.Random(seed)
        self.expected: dict[tuple[str, str], dict[str, int]] = {}
        self.n_msg = 0
        self.bytes = 0
        self.history: list[list[str]] = []  # per finished session: its assistant lines
        self.blob = "".join(self.r.choice(WORDS) + " " for _ in range(60000))

    def text(self, n: int) -> str:
        start = self.r.randrange(0, len(self.blob) - n - 1) if n < len(self.blob) - 1 else 0
        return self.blob[start : start + n]

    def model(self) -> str:
        x = self.r.random()
        for name, p in MODELS:
            x -= p
            if x <= 0:
                return name
        return MODELS[0][0]

    def add(self, day: str, model: str, u: dict[str, int]) -> None:
        b = self.expected.setdefault((day, model), dict.fromkeys(BUCKETS, 0))
        for k, v in u.items():
            b[k] += v
        b["requests"] += 1

    def dumps(self, obj: Any) -> str:
        if self.r.random() < 0.05:
            return json.dumps(obj)  # spaces after colons
        # Claude Code writes a lone surrogate as an escape: keep it one
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).replace("\ud83d", "\\ud83d")

    def response(self, base: dict[str, Any], t: datetime, model: str, *, sidechain: bool,
                 agent: str | None, out: list[str], count: bool = True) -> tuple[list[str], datetime]:
        """One API response as 1-4 lines; returns its lines (also appended to ``out``)."""
        self.n_msg += 1
        msg_id = f"msg_{self.n_msg:012d}{self.r.randrange(1 << 30):08x}"
        req_id = f"req_{self.n_msg:012d}{self.r.randrange(1 << 30):08x}"
        inp = self.r.choice((3, 4, 6, 8, 10, 12, 200, 1500))
        cw = self.r.choice((0, 0, 0, 120, 800, 2500, 12000))
        cr = self.r.randrange(0, 120000)
        final_out = self.r.randrange(1, 3000)
        thinking = self.r.random() < 0.05
        think_tokens = self.r.randrange(0, final_out) if thinking else 0
        n_lines = self.r.choice((1, 2, 2, 3, 3, 4))
        outs = sorted(self.r.randrange(1, final_out + 1) for _ in range(n_lines - 1)) + [final_out]
        old = self.r.random() < 0.03
        lines = []
        first_t = t
        for i, o in enumerate(outs):
            kind = ("thinking", "text", "tool_use", "tool_use")[min(i, 3)] if n_lines > 1 else "text"
            if kind == "thinking":
                content = [{"type": "thinking", "thinking": self.text(self.r.randrange(50, 1500)),
                            "signature": "sig" + "A" * 200}]
            elif kind == "text":
                txt = self.text(self.r.randrange(20, 1200))
                if self.r.random() < 0.01:
                    txt += "\ud83d"  # cut mid-emoji
                content = [{"type": "text", "text": txt}]
            else:
                content = [{"type": "tool_use", "id": f"toolu_{self.n_msg}_{i}", "name": "Bash",
                            "input": {"command": self.text(self.r.randrange(10, 400))}}]
            usage: dict[str, Any] = {
                "input_tokens": inp,
                "cache_creation_input_tokens": cw,
                "cache_read_input_tokens": cr,
                "cache_creation": {"ephemeral_5m_input_tokens": cw, "ephemeral_1h_input_tokens": 0},
                "output_tokens": o,
                "service_tier": "standard",
            }
            if thinking and o == final_out:
                usage["output_tokens_details"] = {"thinking_tokens": think_tokens}
            rec = dict(base)
            rec.update({
                "parentUuid": f"p{self.n_msg}-{i}",
                "isSidechain": sidechain,
                "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model,
                            "content": content, "stop_reason": None, "stop_sequence": None,
                            "usage": usage},
                "requestId": req_id,
                "type": "assistant",
                "uuid": f"u{self.n_msg}-{i}-{self.r.randrange(1 << 40):010x}",
                "timestamp": iso(t),
            })
            if agent:
                rec["agentId"] = agent
            if old:
                rec["costUSD"] = round(o * 1.5e-5, 6)
            lines.append(self.dumps(rec))
            t += timedelta(milliseconds=self.r.randrange(200, 4000))
        out.extend(lines)
        if count:
            self.add(first_t.strftime("%Y-%m-%d"), model, {
                "input_tokens": inp, "cache_write_tokens": cw, "cache_read_tokens": cr,
                "output_tokens": final_out - think_tokens, "reasoning_tokens": think_tokens,
            })
        return lines, t

    def tool_result(self, base: dict[str, Any], t: datetime, out: list[str]) -> None:
        size = int(min(self.r.lognormvariate(7.8, 1.3), 2_000_000))
        rec = dict(base)
        rec.update({"type": "user", "uuid": f"tr{self.r.randrange(1 << 40):x}",
                    "timestamp": iso(t),
                    "message": {"role": "user", "content": [
                        {"type": "tool_result", "tool_use_id": "toolu_x", "content": self.text(size)}]},
                    "toolUseResult": {"stdout": "", "stderr": "", "interrupted": False}})
        out.append(self.dumps(rec))

    def session(self, project: str, cwd: str, start: datetime) -> None:
        sid = f"{self.r.randrange(1 << 32):08x}-{self.r.randrange(1 << 16):04x}-4{self.r.randrange(1 << 12):03x}-8000-{self.r.randrange(1 << 48):012x}"
        pdir = self.root / "projects" / project
        pdir.mkdir(parents=True, exist_ok=True)
        base = {"userType": "external", "cwd": cwd, "sessionId": sid, "version": "2.0.14",
                "gitBranch": "main"}
        out: list[str] = []
        if self.history and self.r.random() < 0.12:
            # resumed: replay part of an earlier session (same message ids, counted once)
            prev = self.r.choice(self.history)
            out.extend(prev[-self.r.randrange(1, min(len(prev), 40) + 1):])
        out.append(self.dumps({"type": "summary", "summary": self.text(40), "leafUuid": "x"}))
        t = start
        mine: list[str] = []
        for _turn in range(self.r.randrange(3, 30)):
            rec = dict(base)
            rec.update({"type": "user", "uuid": f"q{self.r.randrange(1 << 40):x}",
                        "timestamp": iso(t),
                        "message": {"role": "user", "content": self.text(self.r.randrange(20, 2000))}})
            out.append(self.dumps(rec))
            t += timedelta(seconds=self.r.randrange(1, 5))
            model = self.model()
            for _call in range(self.r.randrange(1, 8)):
                lines, t = self.response(base, t, model, sidechain=False, agent=None, out=out)
                mine.extend(lines)
                if self.r.random() < 0.7:
                    self.tool_result(base, t, out)
                if self.r.random() < 0.05:
                    self.subagent(base, sid, pdir, t, out)
                if self.r.random() < 0.01:
                    rec = dict(base)
                    rec.update({"type": "assistant", "uuid": f"s{self.r.randrange(1 << 40):x}",
                                "timestamp": iso(t),
                                "message": {"id": f"msg_syn{self.r.randrange(1 << 40):x}",
                                            "model": "<synthetic>", "role": "assistant",
                                            "content": [{"type": "text", "text": "API Error"}],
                                            "usage": {"input_tokens": 0, "output_tokens": 0,
                                                      "cache_creation_input_tokens": 0,
                                                      "cache_read_input_tokens": 0}}})
                    if self.r.random() < 0.5:
                        rec["isApiErrorMessage"] = True
                    out.append(self.dumps(rec))
                if self.r.random() < 0.003:
                    out.append(out[-1][: len(out[-1]) // 2])  # a cut line
                t += timedelta(seconds=self.r.randrange(1, 60))
            if self.r.random() < 0.2:
                out.append(self.dumps({"type": "system", "subtype": "info", "content": "x",
                                       "timestamp": iso(t), "sessionId": sid}))
            t += timedelta(minutes=self.r.randrange(1, 90))
        self.history.append(mine)
        if len(self.history) > 50:
            self.history.pop(0)
        data = "\n".join(out) + "\n"
        (pdir / f"{sid}.jsonl").write_text(data, encoding="utf-8")
        self.bytes += len(data.encode("utf-8"))

    def subagent(self, base: dict[str, Any], sid: str, pdir: Path, t: datetime, parent: list[str]) -> None:
        agent = f"{self.r.randrange(1 << 32):08x}"
        sub: list[str] = []
        for _ in range(self.r.randrange(1, 6)):
            lines, t = self.response(base, t, self.model(), sidechain=True, agent=agent, out=sub)
            last = json.loads(lines[-1])
            parent.append(self.dumps({"type": "progress", "sessionId": sid, "cwd": base["cwd"],
                                      "timestamp": last["timestamp"], "uuid": f"pg{self.r.randrange(1 << 40):x}",
                                      "data": {"type": "agent_progress", "agentId": agent,
                                               "message": {"type": "assistant",
                                                           "timestamp": last["timestamp"],
                                                           "message": last["message"]}}}))
            self.tool_result(base, t, sub)
        parent.append(self.dumps({**base, "type": "user", "uuid": f"tu{agent}", "timestamp": iso(t),
                                  "message": {"role": "user", "content": [{"type": "tool_result",
                                                                           "tool_use_id": "t", "content": "done"}]},
                                  "toolUseResult": {"status": "completed", "totalTokens": 1234,
                                                    "usage": {"input_tokens": 1, "output_tokens": 2,
                                                              "cache_creation_input_tokens": 3,
                                                              "cache_read_input_tokens": 4}}}))
        d = pdir / sid / "subagents"
        d.mkdir(parents=True, exist_ok=True)
        data = "\n".join(sub) + "\n"
        (d / f"agent-{agent}.jsonl").write_text(data, encoding="utf-8")
        self.bytes += len(data.encode("utf-8"))


def generate(root: Path, mb: float, seed: int = 1) -> dict[str, Any]:
    g = Gen(root, seed)
    projects = [(f"-home-u-proj{i}", f"/home/u/proj{i}") for i in range(25)]
    day0 = datetime(2025, 9, 1, tzinfo=UTC)
    target = int(mb * 1e6)
    while g.bytes < target:
        project, cwd = g.r.choice(projects)
        start = day0 + timedelta(days=g.r.randrange(0, 75), seconds=g.r.randrange(0, 86400))
        g.session(project, cwd, start)
    expected = {
        "bytes": g.bytes,
        "seed": seed,
        "days": {f"{d}|{m}": v for (d, m), v in sorted(g.expected.items())},
    }
    (root / "expected.json").write_text(json.dumps(expected, indent=1))
    return expected


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    exp = generate(a.dir, a.mb, a.seed)
    print(f"{a.dir}: {exp['bytes'] / 1e6:.1f} MB, {len(exp['days'])} (day, model) buckets")


if __name__ == "__main__":
    main()
