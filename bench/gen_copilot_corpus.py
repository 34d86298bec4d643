"""Generate a realistic GitHub Copilot OpenTelemetry folder of a given size, and its expected totals.

    python bench/gen_copilot_corpus.py DIR --mb 200 [--seed 1]

``DIR`` plays the user's home: it writes ``DIR/.copilot/otel/*.jsonl`` (what
``tokenprint import copilot DIR/.copilot`` reads) and ``DIR/expected.json`` (the ledger's
buckets per (UTC day, model), known by construction, and the tokens behind each trap; see
``bench/corpus_common.py``).

The line shapes are those measured for ``hooks/copilot.py`` (``tests/hooks/copilot_corpus.py``):
Copilot CLI 1.0.102's ``{"type": "span", ...}`` and ``{"type": "metric", ...}`` lines, one
file per day, and each session's events (``session-state/<id>/events.jsonl``: the same calls
as ``session.usage_record``; 40% of the sessions ran without OTel, their events alone); Copilot Chat's current spans (``readableSpanToJson``) and its SDK log records
(``hrTime``, ``_rawAttributes``) in ``vscode-copilot-chat.jsonl``, in batch order (log records
before their spans); an older Copilot Chat's file whose spans are ``{}``. Traps at realistic
rates:

- the ``invoke_agent`` span (the sum of its chat spans) after every agent turn;
- a CLI call in both its span and its session events (counted once), the session's
  shutdown summary;
- ``gen_ai.client.inference.operation.details`` and ``copilot_chat.agent.turn`` log records
  for every Copilot Chat request (the same usage again), and token metrics;
- ``{}`` spans in the older Chat's file (its log records are then the requests);
- Chat's reasoning written under two names; a rotated copy of one CLI day file;
- prompt text in Chat's spans (``gen_ai.input.messages``, log-normal sizes), failed calls
  without usage, a line cut by a torn write.

Buckets: fresh = input - cache read - cache write; output = output - reasoning (the older
Chat's log records: input and output as given).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from corpus_common import Buckets, Ledger, Text, pick, uuid4

CLI_MODELS = [("claude-sonnet-4.5", 0.45), ("gpt-5-mini", 0.3), ("gpt-4.1", 0.25)]
CHAT_MODELS = [("gpt-4o-2024-11-20", 0.4), ("claude-sonnet-4", 0.4), ("gpt-5-mini", 0.2)]
DAY0 = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 80
CLI_RES = {"attributes": {"service.name": "github-copilot", "service.version": "1.0.102"},
           "schemaUrl": "https://opentelemetry.io/schemas/1.44.0"}
CLI_SCOPE = {"name": "github.copilot", "version": "1.0.102"}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def hr(t: datetime) -> list[int]:
    ms = round(t.timestamp() * 1000)
    return [ms // 1000, (ms % 1000) * 1_000_000]


class Gen:
    def __init__(self, root: Path, seed: int) -> None:
        self.r = random.Random(seed)
        self.text = Text(self.r)
        self.led = Ledger()
        self.otel = root / ".copilot" / "otel"
        self.otel.mkdir(parents=True, exist_ok=True)
        self.bytes = 0
        self.files: set[Path] = set()

    def put(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as f:
            f.write(data)
        self.bytes += len(data)
        self.files.add(path)

    def hexid(self, n: int) -> str:
        return f"{self.r.getrandbits(n * 4):0{n}x}"

    def usage(self, model: str, turn: int) -> tuple[int, int, int, int, int]:
        """(input as written, cache read, cache write, output as written, reasoning)."""
        r = self.r
        fresh = r.randrange(50, 4000)
        read = r.randrange(0, 20_000 + 8_000 * turn) if r.random() < 0.8 else 0
        write = r.randrange(0, 3000) if model.startswith("claude") and r.random() < 0.5 else 0
        visible = r.randrange(10, 1500)
        reasoning = r.randrange(0, 800) if "gpt-5" in model else 0
        return fresh + read + write, read, write, visible + reasoning, reasoning

    def expect(self, when: datetime, model: str, u: tuple[int, int, int, int, int], split: bool = True) -> None:
        inp, read, write, out, reasoning = u
        b: Buckets = ({"input_tokens": inp - read - write, "cache_write_tokens": write, "cache_read_tokens": read,
                       "output_tokens": out - reasoning, "reasoning_tokens": reasoning} if split else
                      {"input_tokens": inp, "cache_write_tokens": 0, "cache_read_tokens": 0, "output_tokens": out,
                       "reasoning_tokens": 0})
        self.led.add(when, model, b)

    # -- Copilot CLI -------------------------------------------------------------------

    def cli_span(self, name: str, trace: str, span: str, parent: str | None, t0: datetime, t1: datetime,
                 attrs: dict[str, Any]) -> bytes:
        rec: dict[str, Any] = {"type": "span", "traceId": trace, "spanId": span}
        if parent:
            rec["parentSpanId"] = parent
        rec.update(name=name, kind=2 if name.startswith("chat ") else 0, startTime=hr(t0), endTime=hr(t1),
                   attributes=attrs, status={"code": 0}, events=[], resource=CLI_RES, instrumentationScope=CLI_SCOPE)
        return dumps(rec)

    def event(self, kind: str, data: dict[str, Any], at: datetime, parent: str | None) -> tuple[bytes, str]:
        """A session event line (Copilot CLI 1.0.102's shape) and its id."""
        eid = uuid4(self.r)
        stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        return dumps({"type": kind, "data": data, "id": eid, "timestamp": stamp, "parentId": parent}), eid

    def cli_turn(self, t: datetime, session: str, model: str, events: list[bytes]) -> tuple[bytes, datetime]:
        """One interaction: its spans (returned) and its session events (appended to ``events``)."""
        r = self.r
        trace, agent = self.hexid(32), self.hexid(16)
        interaction = uuid4(r)
        start = t
        out = b""
        total_in = total_out = 0
        parent: str | None = None
        n = r.choice([1, 1, 2, 3, 4, 6, 9])
        for i in range(n):
            t += timedelta(milliseconds=r.randrange(200, 900))
            u = self.usage(model, i)
            t1 = t + timedelta(milliseconds=r.randrange(800, 20_000))
            attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "github",
                                     "gen_ai.request.model": model, "gen_ai.conversation.id": session,
                                     "gen_ai.request.stream": True, "gen_ai.response.finish_reasons": ["stop"],
                                     "gen_ai.usage.input_tokens": u[0], "gen_ai.usage.output_tokens": u[3]}
            if u[1]:
                attrs["gen_ai.usage.cache_read.input_tokens"] = u[1]
            if u[2]:
                attrs["gen_ai.usage.cache_write.input_tokens"] = u[2]
            if u[4]:
                attrs["gen_ai.usage.reasoning.output_tokens"] = u[4]
            api = f"chatcmpl-{self.hexid(24)}"
            attrs.update({"gen_ai.response.model": model, "gen_ai.response.id": api,
                          "github.copilot.cost": 1.0, "github.copilot.turn_id": str(i),
                          "github.copilot.interaction_id": interaction})
            # the turn starts just before its request's span (measured: 0.1 s)
            line, parent = self.event("assistant.turn_start", {"turnId": str(i), "interactionId": interaction},
                                      t - timedelta(milliseconds=100), parent)
            events.append(line)
            line, parent = self.event("session.usage_record", {"usage": {
                "model": model, "inputTokens": u[0], "outputTokens": u[3], "cacheReadTokens": u[1],
                "cacheWriteTokens": u[2], "reasoningTokens": u[4] or None, "cost": 1.0, "apiCallId": api,
                "accounting": {"sourceSessionId": session, "sequence": i + 1, "usageId": api}}}, t1, parent)
            events.append(line)
            out += self.cli_span(f"chat {model}", trace, self.hexid(16), agent, t, t1, attrs)
            self.expect(t - timedelta(milliseconds=100), model, u)  # the turn's start, the earlier
            total_in += u[0]
            total_out += u[3]
            t = t1
            if i < n - 1:  # a tool between two calls
                t2 = t + timedelta(milliseconds=r.randrange(20, 5000))
                out += self.cli_span("execute_tool bash", trace, self.hexid(16), agent, t, t2,
                                     {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "bash",
                                      "gen_ai.conversation.id": session, "gen_ai.tool.call.id": f"call_{i}"})
                t = t2
        if r.random() < 0.03:  # a failed call: no usage
            out += self.cli_span(f"chat {model}", trace, self.hexid(16), agent, t, t, {
                "gen_ai.operation.name": "chat", "gen_ai.request.model": model, "gen_ai.conversation.id": session,
                "gen_ai.usage.input_tokens": 0, "error.type": "TimeoutError"})
            self.led.trap("failed_call", n=1)
        out += self.cli_span("invoke_agent", trace, agent, None, start, t, {
            "gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "github",
            "gen_ai.conversation.id": session, "gen_ai.usage.input_tokens": total_in,
            "gen_ai.usage.output_tokens": total_out, "github.copilot.turn_count": n})
        self.led.trap("invoke_agent_sum", {"input_tokens": total_in, "output_tokens": total_out})
        for name, v in (("input_tokens", total_in), ("output_tokens", total_out)):
            out += dumps({"type": "metric", "name": f"gen_ai.client.inference.usage.{name}", "unit": "{token}",
                          "dataPoints": [{"attributes": {"gen_ai.request.model": model}, "startTime": hr(start),
                                          "endTime": hr(t), "value": v}], "resource": CLI_RES,
                          "instrumentationScope": CLI_SCOPE})
        self.led.trap("metric_lines", n=2)
        return out, t

    def cli_day(self, day: datetime) -> None:
        r = self.r
        path = self.otel / f"copilot-cli-{day:%Y%m%d}.jsonl"
        t = day + timedelta(hours=r.randrange(7, 20), minutes=r.randrange(60))
        for _ in range(r.randrange(1, 5)):
            session, model = uuid4(r), pick(r, CLI_MODELS)
            otel = r.random() < 0.6  # the others ran without COPILOT_OTEL_FILE_EXPORTER_PATH
            line, _ = self.event("session.start", {"sessionId": session, "copilotVersion": "1.0.102",
                                                   "context": {"cwd": f"/home/u/p{r.randrange(8)}"}}, t, None)
            events = [line]
            for _ in range(r.randrange(1, 8)):
                before = len(events)
                data, t = self.cli_turn(t, session, model, events)
                if otel:
                    self.put(path, data)
                    self.led.trap("cli_call_in_both_sources", n=(len(events) - before) // 2)
                t += timedelta(seconds=r.randrange(5, 600))
            events.append(self.event("session.shutdown", {"modelMetrics": {model: {"usage": {}}}}, t, None)[0])
            self.put(self.otel.parent / "session-state" / session / "events.jsonl", b"".join(events))
        if r.random() < 0.05 and path.exists():  # rotated: the same day's lines again in <file>.1
            self.put(path.with_name(path.name + ".1"), path.read_bytes())
            self.led.trap("rotated_copy", n=1)

    # -- Copilot Chat ------------------------------------------------------------------

    def chat_request(self, t: datetime, conv: str, model: str, trace: str, parent: str, turn: int,
                     version: str, old: bool) -> tuple[list[bytes], list[bytes], datetime]:
        r = self.r
        u = self.usage(model, turn)
        t1 = t + timedelta(milliseconds=r.randrange(800, 20_000))
        span_id, rid = self.hexid(16), f"{self.hexid(8)}-{self.hexid(4)}-{self.hexid(12)}"
        resource = {"_rawAttributes": [["service.name", "copilot-chat"], ["service.version", version],
                                       ["session.id", "window-1"]], "_asyncAttributesPending": False}
        ctx = {"traceId": trace, "spanId": span_id, "traceFlags": 1}
        logs = [dumps({"hrTime": hr(t1), "hrTimeObserved": hr(t1), "spanContext": ctx, "resource": resource,
                       "instrumentationScope": {"name": "copilot-chat", "version": version},
                       "attributes": {"event.name": "gen_ai.client.inference.operation.details",
                                      "gen_ai.operation.name": "chat", "gen_ai.request.model": model,
                                      "gen_ai.response.model": model, "gen_ai.response.id": rid,
                                      "gen_ai.usage.input_tokens": u[0], "gen_ai.usage.output_tokens": u[3]},
                       "_body": f"GenAI inference: {model}", "totalAttributesCount": 7, "_isReadonly": False}),
                dumps({"hrTime": hr(t1), "hrTimeObserved": hr(t1), "spanContext": {**ctx, "spanId": parent},
                       "resource": resource, "attributes": {"event.name": "copilot_chat.agent.turn",
                                                            "turn.index": turn, "gen_ai.usage.input_tokens": u[0],
                                                            "gen_ai.usage.output_tokens": u[3]},
                       "_body": f"copilot_chat.agent.turn: {turn}"})]
        self.led.trap("chat_log_records", n=2)
        if old:
            spans = [b"{}\n"]
            self.expect(t1, model, u, split=False)
            self.led.trap("lost_span", n=1)
        else:
            attrs: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "github",
                                     "gen_ai.request.model": model, "gen_ai.conversation.id": conv,
                                     "gen_ai.usage.input_tokens": u[0], "gen_ai.usage.output_tokens": u[3],
                                     "gen_ai.response.model": model, "gen_ai.response.id": rid}
            if u[1]:
                attrs["gen_ai.usage.cache_read.input_tokens"] = u[1]
            if u[2]:
                attrs["gen_ai.usage.cache_creation.input_tokens"] = u[2]
            if u[4]:
                attrs["gen_ai.usage.reasoning_tokens"] = attrs["gen_ai.usage.reasoning.output_tokens"] = u[4]
                self.led.trap("reasoning_two_names", n=1)
            attrs["gen_ai.input.messages"] = json.dumps([{"role": "user", "parts": [
                {"type": "text", "content": self.text.big()}]}])
            spans = [dumps({"traceId": trace, "spanId": span_id, "traceFlags": 1,
                            "parentSpanContext": {"traceId": trace, "spanId": parent, "traceFlags": 1},
                            "name": f"chat {model}", "kind": 2, "startTime": hr(t), "endTime": hr(t1),
                            "duration": [0, 0], "ended": True, "attributes": attrs, "status": {"code": 0},
                            "events": [], "links": [], "resource": {"attributes": {
                                "service.name": "copilot-chat", "service.version": version}},
                            "instrumentationScope": {"name": "copilot-chat", "version": version},
                            "droppedAttributesCount": 0, "droppedEventsCount": 0, "droppedLinksCount": 0})]
            self.expect(t, model, u)
        return logs, spans, t1

    def chat_day(self, day: datetime, old: bool) -> None:
        r = self.r
        version = "0.30.0" if old else "0.45.0"
        path = self.otel / ("vscode-copilot-chat-old.jsonl" if old else "vscode-copilot-chat.jsonl")
        t = day + timedelta(hours=r.randrange(8, 19))
        for _ in range(r.randrange(1, 6)):
            conv, model = uuid4(r), pick(r, CHAT_MODELS)
            trace, agent = self.hexid(32), self.hexid(16)
            logs: list[bytes] = []
            spans: list[bytes] = []
            start = t
            for i in range(r.randrange(1, 7)):
                lg, sp, t = self.chat_request(t + timedelta(milliseconds=300), conv, model, trace, agent, i,
                                              version, old)
                logs += lg
                spans += sp
            agent_line = b"{}\n" if old else dumps({
                "traceId": trace, "spanId": agent, "traceFlags": 1, "name": "invoke_agent GitHub Copilot Chat",
                "kind": 0, "startTime": hr(start), "endTime": hr(t), "attributes": {
                    "gen_ai.operation.name": "invoke_agent", "gen_ai.conversation.id": conv,
                    "gen_ai.usage.input_tokens": 1, "gen_ai.usage.output_tokens": 1},
                "resource": {"attributes": {"service.version": version}}})
            self.led.trap("invoke_agent_sum", n=1)
            self.put(path, b"".join(logs) + b"".join(spans) + agent_line)  # batch order: the logs first
            t += timedelta(minutes=r.randrange(1, 90))


def generate(root: Path, mb: float, seed: int = 1) -> dict[str, Any]:
    """A home with ``.copilot/otel`` of about ``mb`` MB and its ``expected.json``."""
    shutil.rmtree(root / ".copilot", ignore_errors=True)  # a corpus made again from scratch
    g = Gen(root, seed)
    target = int(mb * 1e6)
    d = 0
    while g.bytes < target:
        day = DAY0 + timedelta(days=d % DAYS)
        g.cli_day(day)
        g.chat_day(day, old=d < DAYS // 4)  # the first weeks with the older Copilot Chat
        d += 1
    torn = g.otel / f"copilot-cli-{DAY0:%Y%m%d}.jsonl"
    g.put(torn, b'{"type":"span","traceId":"' + b"ab" * 16 + b'","name":"chat gpt-4.1","attributes":{"gen_ai.usage.in')
    g.led.trap("torn_last_line", n=1)
    return g.led.write(root, g.bytes, seed, client="copilot", files=len(g.files))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    exp = generate(a.dir, a.mb, a.seed)
    print(f"{a.dir}: {exp['bytes'] / 1e6:.1f} MB in {exp['files']} files, {len(exp['days'])} (day, model) buckets")


if __name__ == "__main__":
    main()
