"""Generate a realistic Gemini CLI home of a given size, and its expected totals.

    python bench/gen_gemini_corpus.py DIR --mb 200 [--seed 1]
    python bench/gen_gemini_corpus.py FILE --one --mb 30     # one .jsonl chat (hook bench)

``DIR`` plays ``$GEMINI_CLI_HOME``: it writes ``DIR/.gemini/projects.json`` and
``DIR/.gemini/tmp/<project>/chats/...`` and ``DIR/expected.json`` (the ledger's
buckets per (UTC day, model), known by construction, and the tokens behind each
trap; see ``bench/corpus_common.py``).

The formats are those of ``../shared/reference/clients.md`` (Gemini CLI section;
``packages/core/src/services/chatRecordingService.ts``): from v0.39
``session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl``, a metadata line then every message
record appended in full each time it changes, ``{"$set": ...}`` metadata records,
and ``{"$rewindTo": id}``; up to v0.38 one ``.json`` document per session. Traps
at realistic rates:

- a model response written two or three times under one ``id`` (first without
  ``tokens``, then with them, then with its tool results): the last one wins;
- ``$set`` records, and ``$rewindTo`` (the rewound requests were made: they count);
- subagents in ``chats/<parentSessionId>/<sessionId>.jsonl`` (``kind: "subagent"``);
- legacy ``.json`` sessions in old sha256 project folders and in slug folders;
  a legacy session resumed and migrated into a ``.jsonl`` (its messages in both:
  counted once);
- ``tokens.tool`` on a few responses (``toolUsePromptTokenCount``: prompt tokens
  apart from ``input``; added to fresh input, as ``hooks/gemini_cli.py`` does);
- info and error records without tokens; a line cut by a torn write.

Buckets (clients.md, ``hooks/gemini_cli.py``): fresh input = input - cached + tool,
cache read = cached, output, reasoning = thoughts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus_common import Buckets, Ledger, Text, iso, pick, uuid4

MODELS = [("gemini-2.5-pro", 0.45), ("gemini-2.5-flash", 0.35), ("gemini-3-pro-preview", 0.2)]
DAY0 = datetime(2026, 8, 15, tzinfo=UTC)
DAYS = 75


def dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def file_stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H-%M")


@dataclass
class Chat:
    """One Gemini CLI session being recorded (the hook bench appends turns to it)."""

    r: random.Random
    text: Text
    led: Ledger
    session: str
    project_hash: str
    t: datetime
    model: str
    kind: str = "main"
    count: bool = True
    lines: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # final records, for a legacy .json
    ctx: int = 9000

    def header(self) -> None:
        self.lines.append(dumps({"sessionId": self.session, "projectHash": self.project_hash,
                                 "startTime": iso(self.t), "lastUpdated": iso(self.t), "kind": self.kind}))

    def record(self, rec: dict[str, Any]) -> None:
        self.lines.append(dumps(rec))

    def tokens(self, new_in: int) -> dict[str, int]:
        r = self.r
        inp = self.ctx + new_in
        cached = int(self.ctx * r.uniform(0.5, 0.95)) if r.random() < 0.6 else 0
        out = r.randrange(10, 2500)
        thoughts = r.randrange(0, 4000) if r.random() < 0.6 else 0
        tool = r.randrange(50, 800) if r.random() < 0.02 else 0
        self.ctx = inp + out
        if self.ctx > 900_000:
            self.ctx = 30_000  # a compression
        return {"input": inp, "output": out, "cached": cached, "thoughts": thoughts, "tool": tool,
                "total": inp + out + thoughts + tool}

    def turn(self) -> list[tuple[datetime, str, dict[str, int]]]:
        """Append one turn (a prompt and 1-6 model calls); returns its requests."""
        r, t = self.r, self.t
        if r.random() < 0.08:
            self.model = pick(r, MODELS)
        prompt = self.text(r.randrange(20, 1500))
        user = {"id": uuid4(r), "timestamp": iso(t), "type": "user", "content": [{"text": prompt}]}
        if r.random() < 0.003:
            whole = dumps(user)
            self.lines.append(whole[: len(whole) // 2])  # torn write
            self.led.trap("torn_line", n=1)
        else:
            self.record(user)
        self.messages.append(user)
        got: list[tuple[datetime, str, dict[str, int]]] = []
        new_in = len(prompt) // 4 + 100
        for _call in range(r.randrange(1, 7)):
            t += timedelta(milliseconds=r.randrange(800, 30000))
            mid = uuid4(r)
            content = self.text(r.randrange(10, 1500))
            base = {"id": mid, "timestamp": iso(t), "type": "gemini", "content": content, "model": self.model}
            thoughts = [{"subject": self.text(30), "description": self.text(r.randrange(50, 600)),
                         "timestamp": iso(t)} for _ in range(r.randrange(0, 3))]
            if r.random() < 0.7:
                self.record({**base, "thoughts": thoughts})  # streamed: no tokens yet
            tok = self.tokens(new_in)
            final = {**base, "thoughts": thoughts, "tokens": tok}
            tool_calls = []
            if r.random() < 0.75:
                output = self.text.big()
                new_in = len(output) // 4 + 50
                call = {"id": f"run_shell_command-{r.getrandbits(40)}", "name": "run_shell_command",
                        "args": {"command": self.text(r.randrange(10, 120))}, "status": "success",
                        "timestamp": iso(t), "displayName": "Shell", "description": "",
                        "renderOutputAsMarkdown": False,
                        "result": [{"functionResponse": {"id": "x", "name": "run_shell_command",
                                                         "response": {"output": output}}}],
                        "resultDisplay": output[:2000]}
                tool_calls.append(call)
                self.record(final)
                final = {**final, "toolCalls": tool_calls}
                self.record(final)  # again, with the tool's result
            else:
                new_in = 0
                self.record(final)
            self.messages.append(final)
            if tok["tool"]:
                self.led.trap("tokens_tool", {"input_tokens": tok["tool"]})
            got.append((t, self.model, tok))
            if r.random() < 0.5:
                self.record({"$set": {"lastUpdated": iso(t)}})
        if r.random() < 0.01:
            err = {"id": uuid4(r), "timestamp": iso(t), "type": "error", "content": "API Error: 429"}
            self.record(err)
            self.messages.append(err)
        if r.random() < 0.02 and len(self.messages) > 4:
            back = r.choice([m for m in self.messages if m.get("type") == "user"])
            self.record({"$rewindTo": back["id"]})
            self.led.trap("rewind", n=1)
        self.t = t + timedelta(seconds=r.randrange(10, 1200))
        if self.count:
            for when, model, tok in got:
                self.led.add(when, model, buckets(tok))
        return got

    def jsonl(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode()

    def legacy(self) -> bytes:
        return dumps({"sessionId": self.session, "projectHash": self.project_hash, "startTime": iso(self.t),
                      "lastUpdated": iso(self.t), "messages": self.messages}).encode()


def buckets(tok: dict[str, int]) -> Buckets:
    return {"input_tokens": tok["input"] - tok["cached"] + tok["tool"], "cache_read_tokens": tok["cached"],
            "output_tokens": tok["output"], "reasoning_tokens": tok["thoughts"]}


class Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.root = root
        self.r = random.Random(seed)
        self.text = Text(self.r)
        self.led = Ledger()
        self.bytes = 0
        self.files = 0
        self.projects = {f"/home/u/proj{i}": f"proj{i}" for i in range(20)}
        base = root / ".gemini"
        base.mkdir(parents=True, exist_ok=True)
        (base / "projects.json").write_text(json.dumps({"projects": self.projects}, indent=2))

    def put(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.bytes += len(data)
        self.files += 1

    def chat(self, start: datetime, root_path: str, **kw: Any) -> Chat:
        r = self.r
        return Chat(r=r, text=self.text, led=self.led, session=uuid4(r),
                    project_hash=hashlib.sha256(root_path.encode()).hexdigest(), t=start,
                    model=pick(r, MODELS), **kw)

    def session(self) -> None:
        r = self.r
        root_path = r.choice(list(self.projects))
        start = DAY0 + timedelta(days=r.randrange(0, DAYS), seconds=r.randrange(0, 86400))
        c = self.chat(start, root_path)
        x = r.random()
        legacy = x < 0.15
        migrated = 0.15 <= x < 0.18
        folder = (c.project_hash if legacy and r.random() < 0.6 else self.projects[root_path])
        chats = self.root / ".gemini" / "tmp" / folder / "chats"
        name = f"session-{file_stamp(start)}-{c.session[:8]}"
        c.header()
        for _ in range(r.randrange(2, 20)):
            c.turn()
            if not legacy and r.random() < 0.06:
                self.subagent(c, chats)
        if legacy or migrated:
            if migrated:
                # the legacy .json holds the first turns; the resumed .jsonl holds them again, then more
                for m in c.messages:
                    if m.get("tokens"):
                        self.led.trap("migrated_legacy_copy", buckets(m["tokens"]))
            self.put(chats / f"{name}.json", c.legacy())
        if not legacy:
            if migrated:
                for _ in range(r.randrange(1, 6)):
                    c.turn()
            self.put(chats / f"{name}.jsonl", c.jsonl())

    def subagent(self, parent: Chat, chats: Path) -> None:
        r = self.r
        c = self.chat(parent.t, "/", kind="subagent")
        c.project_hash = parent.project_hash
        c.model = parent.model
        c.header()
        for _ in range(r.randrange(1, 4)):
            c.turn()
        parent.t = c.t
        self.put(chats / parent.session / f"{c.session}.jsonl", c.jsonl())
        self.led.trap("subagent_file", n=1)


def generate(root: Path, mb: float, seed: int = 1) -> dict[str, Any]:
    """A Gemini CLI home (``$GEMINI_CLI_HOME``) of about ``mb`` MB and its ``expected.json``."""
    shutil.rmtree(root / ".gemini", ignore_errors=True)  # a corpus made again from scratch
    g = Gen(root, seed)
    target = int(mb * 1e6)
    while g.bytes < target:
        g.session()
    return g.led.write(root, g.bytes, seed, client="gemini-cli", files=g.files)


def one_chat(path: Path, mb: float, seed: int = 7) -> Chat:
    """One ``.jsonl`` chat of about ``mb`` MB at ``path`` (the hook bench); returns it, to append turns."""
    r = random.Random(seed)
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    c = Chat(r=r, text=Text(r), led=Ledger(), session=uuid4(r),
             project_hash=hashlib.sha256(b"/home/u/proj").hexdigest(), t=start, model="gemini-2.5-pro")
    c.header()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        f.write(c.jsonl())
        while f.tell() < mb * 1e6:
            c.lines, c.messages = [], []
            c.turn()
            if c.t > datetime(2026, 11, 29, tzinfo=UTC):
                c.t = start
            f.write(c.jsonl())
    c.lines, c.messages = [], []
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one", action="store_true", help="write one .jsonl chat FILE (the hook bench's)")
    a = ap.parse_args()
    if a.one:
        one_chat(a.dir, a.mb, a.seed)
        print(f"{a.dir}: {a.dir.stat().st_size / 1e6:.1f} MB")
        return
    a.dir.mkdir(parents=True, exist_ok=True)
    exp = generate(a.dir, a.mb, a.seed)
    print(f"{a.dir}: {exp['bytes'] / 1e6:.1f} MB in {exp['files']} files, {len(exp['days'])} (day, model) buckets")


if __name__ == "__main__":
    main()
