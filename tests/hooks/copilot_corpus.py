"""GitHub Copilot's OpenTelemetry files, in their real formats, with every counting trap.

Where each shape comes from:

- ``copilot_fixtures/copilot-cli-1.0.102-*.jsonl``: written by the real Copilot CLI
  (npm ``@github/copilot-linux-x64`` 1.0.102) run offline (``COPILOT_OFFLINE=true``,
  ``COPILOT_PROVIDER_BASE_URL`` at a local fake model server, ``COPILOT_OTEL_FILE_EXPORTER_PATH``):
  ``-tools``: an OpenAI-compatible server answering a ``bash`` tool call then text (two
  ``chat gpt-4.1`` spans, an ``execute_tool bash`` span, the ``invoke_agent`` span with
  their sum, and the metrics); ``-anthropic``: ``COPILOT_PROVIDER_TYPE=anthropic``, usage
  ``input_tokens`` 300, ``cache_creation_input_tokens`` 2000, ``cache_read_input_tokens``
  7000, ``output_tokens`` 42, which the CLI writes as ``gen_ai.usage.input_tokens`` 9300
  (the sum), ``cache_read.input_tokens`` 7000, ``cache_write.input_tokens`` 2000;
- :func:`cli_span` and :func:`cli_metric`: those lines' exact shape and key order, with
  the instants and counts of this corpus;
- ``copilot_fixtures/vscode-chat-*.jsonl``: written by the real OpenTelemetry JS SDK with
  Copilot Chat's own file exporters (``gen_vscode.mjs`` says which file of which
  repository): ``0.30.0`` with the older exporter (spans written as ``{}``), ``0.45.0``
  with the current one (spans whole); attributes as ``chatMLFetcher.ts``,
  ``toolCallingLoop.ts`` and ``genAiEvents.ts`` set them. :func:`batched` reorders a
  file's lines as Copilot Chat's batch processors write them (log records every second,
  spans every five: the log records first).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "copilot_fixtures"
CLI_TOOLS = FIXTURES / "copilot-cli-1.0.102-tools.jsonl"
CLI_ANTHROPIC = FIXTURES / "copilot-cli-1.0.102-anthropic.jsonl"
VSCODE_OLD = FIXTURES / "vscode-chat-0.30.0.jsonl"
VSCODE_NEW = FIXTURES / "vscode-chat-0.45.0.jsonl"

RESOURCE = {"attributes": {"service.name": "github-copilot", "service.version": "1.0.102"},
            "schemaUrl": "https://opentelemetry.io/schemas/1.44.0"}
SCOPE = {"name": "github.copilot", "version": "1.0.102"}
S1 = "5b7f3c2e-1d4a-4e8b-9c0f-a1b2c3d4e5f6"  # a CLI session (``copilot --resume=<id>``)
S2 = "0e9d8c7b-6a5f-4e3d-8c2b-1a0f9e8d7c6b"
TRACE1 = "aa" * 16
TRACE2 = "bb" * 16
S3 = "3c3c3c3c-0000-4000-8000-333333333333"  # a CLI session with no OpenTelemetry (its session events only)
I1 = "11111111-aaaa-4bbb-8ccc-000000000001"  # interactions (one per user prompt)
I2 = "22222222-aaaa-4bbb-8ccc-000000000002"
I3 = "33333333-aaaa-4bbb-8ccc-000000000003"
I4 = "44444444-aaaa-4bbb-8ccc-000000000004"


def hr(iso: str) -> list[int]:
    """An OTel ``HrTime`` ``[seconds, nanoseconds]`` of a UTC ISO instant."""
    from datetime import datetime

    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    ms = round(dt.timestamp() * 1000)
    return [ms // 1000, (ms % 1000) * 1_000_000]


def cli_span(name: str, trace: str, span: str, parent: str | None, start: str, end: str,
             attributes: dict[str, Any], events: list[Any] | None = None) -> dict[str, Any]:
    """A span line as Copilot CLI 1.0.102 writes it (key order as measured)."""
    out: dict[str, Any] = {"type": "span", "traceId": trace, "spanId": span}
    if parent is not None:
        out["parentSpanId"] = parent
    out.update(name=name, kind=2 if name.startswith("chat ") else 0, startTime=hr(start), endTime=hr(end),
               attributes=attributes, status={"code": 0}, events=events or [], resource=RESOURCE,
               instrumentationScope=SCOPE)
    return out


def chat_attrs(model: str, session: str, inp: int, out: int, read: int = 0, write: int = 0, reasoning: int = 0,
               rid: str = "chatcmpl-x", turn: str = "0", provider: str = "github",
               interaction: str = "b8b8e936-4718-4e00-b730-d0f1aa0702a0") -> dict[str, Any]:
    """A ``chat`` span's attributes as Copilot CLI 1.0.102 writes them (zero counts left out)."""
    a: dict[str, Any] = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": provider,
                         "gen_ai.request.model": model, "gen_ai.conversation.id": session,
                         "gen_ai.request.stream": True, "server.address": "127.0.0.1", "server.port": 18765,
                         "gen_ai.response.finish_reasons": ["stop"], "gen_ai.usage.input_tokens": inp,
                         "gen_ai.usage.output_tokens": out}
    if read:
        a["gen_ai.usage.cache_read.input_tokens"] = read
    if write:
        a["gen_ai.usage.cache_write.input_tokens"] = write
    if reasoning:
        a["gen_ai.usage.reasoning.output_tokens"] = reasoning
    a.update({"gen_ai.response.model": model, "gen_ai.response.id": rid, "github.copilot.cost": 0.0,
              "github.copilot.server_duration": 157.0, "github.copilot.initiator": "user",
              "github.copilot.turn_id": turn, "github.copilot.interaction_id": interaction,
              "gen_ai.response.time_to_first_chunk": 0.09609946})
    return a


def agent_attrs(session: str, inp: int, out: int, turns: int) -> dict[str, Any]:
    return {"gen_ai.operation.name": "invoke_agent", "gen_ai.provider.name": "github",
            "gen_ai.conversation.id": session, "server.address": "127.0.0.1", "server.port": 18765,
            "github.copilot.agent.type": "builtin", "gen_ai.response.finish_reasons": ["stop"],
            "gen_ai.usage.input_tokens": inp, "gen_ai.usage.output_tokens": out, "github.copilot.turn_count": turns}


def cli_metric(name: str, value: int, start: str, end: str) -> dict[str, Any]:
    """A counter line as Copilot CLI 1.0.102 writes it (never counted)."""
    return {"type": "metric", "name": name, "description": "", "unit": "{token}",
            "dataPoints": [{"attributes": {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "github",
                                           "gen_ai.request.model": "gpt-4.1", "gen_ai.response.model": "gpt-4.1"},
                            "startTime": hr(start), "endTime": hr(end), "value": value}],
            "resource": RESOURCE, "instrumentationScope": SCOPE}


def jsonl(records: list[Any]) -> bytes:
    """Lines as the CLI writes them (``JSON.stringify``: no spaces)."""
    return b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)


#: A prompt that Copilot Chat may write into a span (``gen_ai.input.messages``): it must
#: never reach the ledger.
SECRET = "PROMPT-TEXT-never-in-the-ledger " * 6000


def s1_chats() -> list[dict[str, Any]]:
    """Session S1's two model requests (a tool call, then the answer), 2026-11-30."""
    return [
        cli_span("chat gpt-4.1", TRACE1, "1111111111111111", "0000000000000001", "2026-11-30T09:00:01.000Z",
                 "2026-11-30T09:00:02.500Z", chat_attrs("gpt-4.1", S1, 1200, 57, read=512, reasoning=10,
                                                        rid="chatcmpl-s1a", interaction=I1)),
        cli_span("chat gpt-4.1", TRACE1, "2222222222222222", "0000000000000001", "2026-11-30T09:00:04.000Z",
                 "2026-11-30T09:00:06.000Z", {**chat_attrs("gpt-4.1", S1, 2200, 107, read=1024, reasoning=20,
                                                           rid="chatcmpl-s1b", turn="1", interaction=I1),
                                              "gen_ai.input.messages": SECRET}),
    ]


def torn_attrs() -> dict[str, Any]:
    """The request whose line is being written at the end of :func:`cli_main`."""
    return chat_attrs("gpt-4.1", S2, 10, 3, rid="chatcmpl-torn", interaction=I2, turn="1")


def cli_main() -> bytes:
    """``~/.copilot/otel/cli-main.jsonl``: sessions S1 and S2, every trap, malformed lines."""
    good = [
        cli_span("execute_tool bash", TRACE1, "3333333333333333", "0000000000000001", "2026-11-30T09:00:02.600Z",
                 "2026-11-30T09:00:03.900Z", {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "bash",
                                              "gen_ai.conversation.id": S1, "gen_ai.tool.call.id": "call_1"}),
        *s1_chats(),
        # the agent span: the sum of its two chat spans (never counted)
        cli_span("invoke_agent", TRACE1, "0000000000000001", None, "2026-11-30T09:00:00.000Z",
                 "2026-11-30T09:00:06.100Z", agent_attrs(S1, 3400, 164, 2)),
        cli_metric("gen_ai.client.inference.usage.input_tokens", 3400, "2026-11-30T08:59:00Z", "2026-11-30T09:00:07Z"),
        cli_metric("gen_ai.client.inference.usage.output_tokens", 164, "2026-11-30T08:59:00Z", "2026-11-30T09:00:07Z"),
        # S2, an Anthropic model: input 9300 is 300 fresh + 2000 written + 7000 read
        cli_span("chat claude-sonnet-4.5", TRACE2, "4444444444444444", "0000000000000002",
                 "2026-11-28T21:30:00.000Z", "2026-11-28T21:30:03.000Z",
                 chat_attrs("claude-sonnet-4.5", S2, 9300, 42, read=7000, write=2000, rid="msg_s2",
                            provider="anthropic", interaction=I2)),
        cli_span("invoke_agent", TRACE2, "0000000000000002", None, "2026-11-28T21:29:59.000Z",
                 "2026-11-28T21:30:03.100Z", agent_attrs(S2, 9300, 42, 1)),
        # a failed call: no usage, no event, no skip
        cli_span("chat gpt-4.1", TRACE2, "5555555555555555", "0000000000000002", "2026-11-28T21:31:00.000Z",
                 "2026-11-28T21:31:01.000Z", {"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4.1",
                                              "gen_ai.conversation.id": S2, "gen_ai.usage.input_tokens": 0,
                                              "error.type": "TimeoutError"}),
    ]
    bad_count = cli_span("chat gpt-4.1", TRACE2, "6666666666666666", None, "2026-11-28T21:32:00.000Z",
                         "2026-11-28T21:32:01.000Z", chat_attrs("gpt-4.1", S2, -5, 3, rid="chatcmpl-bad"))
    text_count = cli_span("chat gpt-4.1", TRACE2, "7777777777777777", None, "2026-11-28T21:33:00.000Z",
                          "2026-11-28T21:33:01.000Z", chat_attrs("gpt-4.1", S2, 10, 3, rid="chatcmpl-text"))
    text_count["attributes"]["gen_ai.usage.output_tokens"] = "3"
    no_id = cli_span("chat gpt-4.1", TRACE2, "8888888888888888", None, "2026-11-28T21:34:00.000Z",
                     "2026-11-28T21:34:01.000Z", chat_attrs("gpt-4.1", S2, 10, 3, rid="chatcmpl-noid"))
    del no_id["spanId"], no_id["attributes"]["github.copilot.interaction_id"]
    future = cli_span("chat gpt-4.1", TRACE2, "9999999999999999", None, "2100-01-01T00:00:00.000Z",
                      "2100-01-01T00:00:01.000Z", chat_attrs("gpt-4.1", S2, 10, 3, rid="chatcmpl-future"))
    half = jsonl([cli_span("chat gpt-4.1", TRACE2, "abababababababab", None, "2026-11-28T21:35:00.000Z",
                           "2026-11-28T21:35:01.000Z", torn_attrs())])
    cut = half.index(b'"gen_ai.usage.output_tokens"') + 20
    return (jsonl(good[:3]) + half[:cut] + b"\n"  # a line cut short: invalid-json
            + jsonl(good[3:]) + b"not json at all\n" + b'["gen_ai.usage.input_tokens", 1]\n'
            + jsonl([bad_count, text_count, no_id, future])
            + half[:-40])  # being written: no newline, does not parse yet


def event(kind: str, data: dict[str, Any], n: int, at: str, parent: int | None) -> dict[str, Any]:
    """A session event line as Copilot CLI 1.0.102 writes it (``id`` and ``parentId`` are UUIDs)."""
    return {"type": kind, "data": data, "id": f"e0000000-0000-4000-8000-{n:012d}", "timestamp": at,
            "parentId": None if parent is None else f"e0000000-0000-4000-8000-{parent:012d}"}


def usage_record(model: str, inp: int, out: int, read: int, write: int, reasoning: int | None, api: str,
                 session: str, seq: int, initiator: str = "user") -> dict[str, Any]:
    """``session.usage_record``'s ``data`` (keys as measured; ``reasoningTokens`` null when none)."""
    return {"usage": {"model": model, "modelDisplayName": model, "inputTokens": inp, "outputTokens": out,
                      "cacheReadTokens": read, "cacheWriteTokens": write, "reasoningTokens": reasoning, "cost": 1.0,
                      "duration": 900, "timeToFirstTokenMs": 81.3, "initiator": initiator,
                      "interactionType": "conversation-agent", "isByok": False, "isAuto": False,
                      "maxPromptTokens": 128000, "transport": "http", "requestBodyBytes": 48399, "apiCallId": api,
                      "rte": False, "apiEndpoint": "/chat/completions",
                      "accounting": {"sourceSessionId": session, "sequence": seq, "usageId": api},
                      "numToolCalls": 0, "toolCounts": {}, "finishReason": "stop"}}


def shutdown(model: str, inp: int, out: int, read: int, write: int, reasoning: int, count: int) -> dict[str, Any]:
    """``session.shutdown``'s summary: the session's totals per model (never counted)."""
    usage = {"inputTokens": inp, "outputTokens": out, "cacheReadTokens": read, "cacheWriteTokens": write,
             "reasoningTokens": reasoning}
    return {"shutdownType": "routine", "totalPremiumRequests": count,
            "modelMetrics": {model: {"requests": {"count": count, "cost": 1.0}, "usage": usage}},
            "currentModel": model, "lastCallInputTokens": inp}


def start(session: str, cwd: str, at: str, model: str) -> dict[str, Any]:
    return {"sessionId": session, "version": 1, "producer": "copilot-agent", "copilotVersion": "1.0.102",
            "startTime": at, "selectedModel": model, "contextTier": None, "context": {"cwd": cwd},
            "alreadyInUse": False, "remoteSteerable": False}


def s1_events() -> bytes:
    """S1's session events: the same two calls as its spans (:func:`s1_chats`), so counted once."""
    return jsonl([
        event("session.start", start(S1, "/home/u/alpha", "2026-11-30T08:59:59.000Z", "gpt-4.1"), 1,
              "2026-11-30T08:59:59.100Z", None),
        # a prompt that names the record type: decoded, passed over (and no text kept)
        event("user.message", {"content": 'count the "session.usage_record" lines', "interactionId": I1,
                               "turnId": "0"}, 2, "2026-11-30T09:00:00.500Z", 1),
        event("assistant.turn_start", {"turnId": "0", "interactionId": I1}, 3, "2026-11-30T09:00:00.900Z", 2),
        event("session.usage_record", usage_record("gpt-4.1", 1200, 57, 512, 0, 10, "chatcmpl-s1a", S1, 1), 4,
              "2026-11-30T09:00:02.500Z", 3),
        event("assistant.turn_end", {"turnId": "0"}, 5, "2026-11-30T09:00:03.950Z", 4),
        event("assistant.turn_start", {"turnId": "1", "interactionId": I1}, 6, "2026-11-30T09:00:03.990Z", 5),
        event("session.usage_record", usage_record("gpt-4.1", 2200, 107, 1024, 0, 20, "chatcmpl-s1b", S1, 2,
                                                   "agent"), 7, "2026-11-30T09:00:06.000Z", 6),
        event("assistant.turn_end", {"turnId": "1"}, 8, "2026-11-30T09:00:06.050Z", 7),
        event("session.shutdown", shutdown("gpt-4.1", 3400, 164, 1536, 0, 30, 2), 9, "2026-11-30T09:00:06.200Z", 8),
    ])


def s3_events() -> bytes:
    """S3: the CLI without OpenTelemetry, resumed once (``--resume``: the same file goes on)."""
    return jsonl([
        event("session.start", start(S3, "/home/u/gamma", "2026-11-27T14:00:00.000Z", "claude-opus-4.5"), 1,
              "2026-11-27T14:00:00.100Z", None),
        event("assistant.turn_start", {"turnId": "0", "interactionId": I3}, 2, "2026-11-27T14:00:01.000Z", 1),
        # 20000 in: 1000 fresh + 4000 written + 15000 read
        event("session.usage_record", usage_record("claude-opus-4.5", 20000, 600, 15000, 4000, None, "msg_s3a",
                                                   S3, 1), 3, "2026-11-27T14:00:09.000Z", 2),
        event("assistant.turn_end", {"turnId": "0"}, 4, "2026-11-27T14:00:09.100Z", 3),
        event("session.shutdown", shutdown("claude-opus-4.5", 20000, 600, 15000, 4000, 0, 1), 5,
              "2026-11-27T14:00:10.000Z", 4),
        event("session.resume", {"resumeTime": "2026-11-27T16:00:00.000Z"}, 6, "2026-11-27T16:00:00.000Z", 5),
        event("assistant.turn_start", {"turnId": "0", "interactionId": I4}, 7, "2026-11-27T16:00:01.000Z", 6),
        # 900 out of which 700 reasoning
        event("session.usage_record", usage_record("gpt-5-mini", 3000, 900, 0, 0, 700, "chatcmpl-s3b", S3, 2), 8,
              "2026-11-27T16:00:05.000Z", 7),
        event("assistant.turn_end", {"turnId": "0"}, 9, "2026-11-27T16:00:05.100Z", 8),
        event("session.shutdown", shutdown("gpt-5-mini", 23000, 1500, 15000, 4000, 700, 2), 10,
              "2026-11-27T16:00:06.000Z", 9),
    ])


#: The skips of :func:`cli_main` (the unterminated last line is left, not skipped).
CLI_MAIN_SKIPS = {"invalid-json": 1, "not-an-object": 1, "bad-usage": 2, "no-id": 1, "far-instant": 1}


def batched(path: Path) -> bytes:
    """A fixture's lines as Copilot Chat's batch processors order them: the log records
    (exported every second) before the spans and metrics (every five and ten seconds)."""
    lines = path.read_bytes().splitlines(keepends=True)
    logs = [ln for ln in lines if ln.startswith(b'{"hrTime"')]
    return b"".join(logs + [ln for ln in lines if ln not in logs])


def vscode_settings(outfile: Path) -> str:
    """A VS Code user settings.json as people write it (comments, a trailing comma)."""
    return ("{\n    // Copilot Chat telemetry, for tokenprint\n"
            '    "github.copilot.chat.otel.enabled": true,\n'
            '    "github.copilot.chat.otel.exporterType": "file",\n'
            '    // "github.copilot.chat.otel.outfile": "/tmp/old-place.jsonl",\n'
            f'    "github.copilot.chat.otel.outfile": {json.dumps(str(outfile))},\n'
            '    "editor.fontSize": 14,\n}\n')


def build(user: Path, config: Path | None = None) -> dict[str, Path]:
    """The machine: ``<user>/.copilot/otel/`` with the CLI's files (the corpus's, a rotated
    copy repeating S1's requests, the two real captures) and Copilot Chat 0.45.0's file;
    ``<user>/.copilot/session-state/`` with S1's events (the same calls as its spans) and
    S3's (no OpenTelemetry);
    Copilot Chat 0.30.0's file elsewhere, named by ``github.copilot.chat.otel.outfile`` in
    ``<config>/Code/User/settings.json`` (config: ``$XDG_CONFIG_HOME``, default
    ``<user>/.config``)."""
    otel = user / ".copilot" / "otel"
    otel.mkdir(parents=True, exist_ok=True)
    files = {
        "main": otel / "cli-main.jsonl",
        "rotated": otel / "cli-main.jsonl.1",
        "tools": otel / "cli-real-tools.jsonl",
        "anthropic": otel / "cli-real-anthropic.jsonl",
        "vscode_new": otel / "vscode-copilot-chat.jsonl",
        "vscode_old": user / "telemetry" / "copilot-chat-old.jsonl",
    }
    state = user / ".copilot" / "session-state"
    files["s1_events"] = state / S1 / "events.jsonl"
    files["s3_events"] = state / S3 / "events.jsonl"
    for key, data in (("s1_events", s1_events()), ("s3_events", s3_events())):
        files[key].parent.mkdir(parents=True, exist_ok=True)
        files[key].write_bytes(data)
    # a file a session keeps beside its events (never read, whatever it holds)
    (state / S3 / "files").mkdir()
    (state / S3 / "files" / "notes.jsonl").write_bytes(jsonl([
        event("session.usage_record", usage_record("gpt-4.1", 999, 9, 0, 0, 0, "chatcmpl-notes", S3, 9), 99,
              "2026-11-27T17:00:00.000Z", None)]))
    files["main"].write_bytes(cli_main())
    files["rotated"].write_bytes(jsonl(s1_chats()))
    files["tools"].write_bytes(CLI_TOOLS.read_bytes())
    files["anthropic"].write_bytes(CLI_ANTHROPIC.read_bytes())
    files["vscode_new"].write_bytes(batched(VSCODE_NEW))
    files["vscode_old"].parent.mkdir(parents=True, exist_ok=True)
    files["vscode_old"].write_bytes(batched(VSCODE_OLD))
    settings = (config or user / ".config") / "Code" / "User" / "settings.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(vscode_settings(files["vscode_old"]))
    files["settings"] = settings
    return files


#: The ledger after importing :func:`build`'s machine, by UTC day and model, computed by
#: hand: (day, model) -> (input, cache_write, cache_read, output, reasoning, requests).
#: fresh = input - cache read - cache write; output = output - reasoning.
EXPECTED: dict[tuple[str, str], tuple[int, int, int, int, int, int]] = {
    # S3, from its session events alone: 20000 - 15000 - 4000; 900 - 700
    ("2026-11-27", "claude-opus-4.5"): (1000, 4000, 15000, 600, 0, 1),
    ("2026-11-27", "gpt-5-mini"): (3000, 0, 0, 200, 700, 1),
    # S2: 9300 - 7000 - 2000 = 300
    ("2026-11-28", "claude-sonnet-4.5"): (300, 2000, 7000, 42, 0, 1),
    # Copilot Chat 0.30.0 (spans lost): the inference-details records, no split given
    ("2026-11-29", "gpt-4.1-2025-04-14"): (2000 + 2600, 0, 0, 100 + 80, 0, 2),
    # S1: (1200 - 512) + (2200 - 1024); outputs (57 - 10) + (107 - 20); the rotated copy and its
    # session events (the same calls) add nothing
    ("2026-11-30", "gpt-4.1"): (688 + 1176, 0, 512 + 1024, 47 + 87, 10 + 20, 2),
    # Copilot Chat 0.45.0: 1500 - 1024; 250 - 64 (reasoning dual-emitted: once)
    ("2026-11-30", "gpt-4o-2024-11-20"): (476, 0, 1024, 186, 64, 1),
    # 5000 - 3000 - 1500
    ("2026-11-30", "claude-sonnet-4"): (500, 1500, 3000, 400, 0, 1),
    # started 23:59:59.5 UTC: the day it started
    ("2026-11-30", "gpt-4o-mini"): (300, 0, 0, 12, 0, 1),
    # the real CLI runs (offline, 2026-12-01): the same counts as S1, and S2's
    ("2026-12-01", "gpt-4.1"): (688 + 1176, 0, 512 + 1024, 47 + 87, 10 + 20, 2),
    ("2026-12-01", "claude-sonnet-4.5"): (300, 2000, 7000, 42, 0, 1),
}


def retimed(data: bytes, delta_s: int) -> bytes:
    """``data`` with every instant (``startTime``, ``endTime``, ``hrTime``, ``hrTimeObserved``)
    moved by ``delta_s`` seconds: a fixture as if written just now."""
    out = []
    for line in data.splitlines(keepends=True):
        if line.strip() in (b"", b"{}"):
            out.append(line)
            continue
        obj = json.loads(line)
        for k in ("startTime", "endTime", "hrTime", "hrTimeObserved"):
            if isinstance(obj.get(k), list):
                obj[k] = [obj[k][0] + delta_s, obj[k][1]]
        out.append(json.dumps(obj, separators=(",", ":")).encode() + b"\n")
    return b"".join(out)
