"""GitHub Copilot (Copilot CLI and Copilot Chat in VS Code): where an OpenTelemetry
record, or a Copilot CLI session event, becomes a ledger event.

Standard library only (``tokenprint import copilot``, and the VS Code extension's
refresh, run it; no ``tokenprint-hook`` is installed for Copilot).

**The Copilot CLI's session events** (measured with 1.0.102; not in ccusage, which reads
OTel only): every session writes ``<copilot home>/session-state/<session id>/events.jsonl``,
OpenTelemetry or not, one ``{"type", "data", "id", "timestamp", "parentId"}`` a line
(``--resume`` appends to the same file, after a ``session.resume``). Read:
``session.start`` (``data.sessionId``, ``data.context.cwd``: the project),
``assistant.turn_start`` (``data.interactionId``, ``data.turnId``) and
``session.usage_record``, one per model call: ``data.usage`` ``{model, inputTokens,
outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens (null when none),
apiCallId, accounting: {sourceSessionId, sequence, usageId}, ...}``, with the same
meanings as the OTel attributes below (9300 = 300 + 2000 + 7000 in both). Not read:
``session.shutdown`` (the session's totals per model: a sum), messages and tool events
(their text). Only the ``events.jsonl`` of each session folder is read, never the files a
session keeps beside it. Both sources name a CLI call ``call:<interaction>:<turn>:<response
id>`` (the span's ``github.copilot.interaction_id``, ``github.copilot.turn_id`` and
``gen_ai.response.id``; the record's turn start, found by its ``parentId``, and
``apiCallId``): with OTel on as well, each call counts once. A record's instant is its turn's
start, just before the call's span starts (0.13 s measured): the earlier of the two, so the
record merges over the span whichever is read first, and brings the session's folder.

**OpenTelemetry.** Both clients write it as JSON lines, appended, to a file the user
names; neither has a default file:

- **Copilot CLI** (``@github/copilot``, checked with 1.0.102, ``copilot help
  monitoring``): ``COPILOT_OTEL_FILE_EXPORTER_PATH=<file>`` turns OTel on with the
  file exporter (``COPILOT_OTEL_ENABLED=true`` + ``COPILOT_OTEL_EXPORTER_TYPE=file``
  too). ccusage reads ``~/.copilot/otel/*.jsonl`` and that variable's file
  (ryoppippi/ccusage ``rust/crates/ccusage/src/adapter/copilot/paths.rs``,
  ``docs/guide/copilot/index.md``), and so does :func:`default_roots`, with
  ``$COPILOT_HOME`` in place of ``~/.copilot`` when set (the CLI's own home variable);
- **Copilot Chat** (VS Code settings, ``package.json`` of microsoft/vscode-copilot-chat,
  ``docs/monitoring/agent_monitoring.md``): ``github.copilot.chat.otel.enabled: true``
  and ``github.copilot.chat.otel.outfile: <file>`` (which selects the ``file``
  exporter by itself; ``github.copilot.chat.otel.exporterType: "file"`` without an
  outfile exports nothing: ``src/platform/otel/node/otelServiceImpl.ts``,
  ``_createExporters``); ``COPILOT_OTEL_FILE_EXPORTER_PATH`` overrides the setting
  (``src/platform/otel/common/otelConfig.ts``). :func:`default_roots` reads the outfile
  from the VS Code user settings (Code, Insiders, VSCodium, Cursor, Windsurf).

The record shapes (one JSON object a line, spans, log records and metrics mixed):

- Copilot CLI (measured: the real 1.0.102 run offline against a local model server,
  ``tests/hooks/copilot_corpus.py``): ``{"type": "span", "traceId", "spanId",
  "parentSpanId"?, "name", "kind", "startTime": [s, ns], "endTime", "attributes",
  "status", "events", "resource": {"attributes"}, "instrumentationScope"}`` and
  ``{"type": "metric", "name", "dataPoints", ...}``;
- Copilot Chat, current (microsoft/vscode ``extensions/copilot/src/platform/otel/node/
  fileExporters.ts``: ``readableSpanToJson``): a span is ``{"traceId", "spanId",
  "traceFlags", "parentSpanContext", "name", "kind", "startTime": [s, ns], "endTime",
  "attributes", "status", "events", "links", "resource": {"attributes"}, ...}``;
- Copilot Chat, older (microsoft/vscode-copilot-chat ``src/platform/otel/node/
  fileExporters.ts``: ``safeStringify`` of the SDK's span, whose processor state is
  circular): every span is written as ``{}``: the spans' usage is lost and only the
  log records carry it;
- log records of both (``JSON.stringify`` of the SDK's ``LogRecordImpl``,
  ``@opentelemetry/sdk-logs`` 0.212): ``{"hrTime": [s, ns], "spanContext": {...},
  "resource": {"_rawAttributes": [[k, v], ...]}, "attributes", "_body", ...}``;
- metrics of both: ``{"resource", "scopeMetrics"}`` (Chat) or ``"type": "metric"`` (CLI).

Attributes (OTel GenAI semantic conventions; ``src/platform/otel/common/
genAiAttributes.ts``): ``gen_ai.operation.name``, ``gen_ai.request.model``,
``gen_ai.response.model``, ``gen_ai.response.id``, ``gen_ai.conversation.id``,
``gen_ai.provider.name``, ``gen_ai.usage.input_tokens``, ``gen_ai.usage.output_tokens``,
``gen_ai.usage.cache_read.input_tokens``, ``gen_ai.usage.cache_write.input_tokens``
(CLI) or ``gen_ai.usage.cache_creation.input_tokens`` (Chat),
``gen_ai.usage.reasoning.output_tokens`` (CLI; Chat dual-emits it with the legacy
``gen_ai.usage.reasoning_tokens``, the same number: one is taken, never both).

Counting (one event per model request):

- a ``chat`` span (``gen_ai.operation.name`` ``chat``, or a name ``chat <model>``) is one
  request; its id is the call's (above) where the CLI wrote it, else ``<traceId>:<spanId>``
  (random per span); either is the same in any copy of the line: a rotated or copied file
  counts once through the ledger's upsert;
- ``invoke_agent`` spans carry the sum of their chat spans (CLI: 3400 = 1200 + 2200
  measured; Chat: ``toolCallingLoop.ts``), and even the last call's response id:
  never counted. ``execute_tool`` and other spans have no usage;
- the ``gen_ai.client.inference.operation.details`` log record repeats a request's
  input and output (no cache split) and ``copilot_chat.agent.turn`` repeats them
  again (``genAiEvents.ts``); metrics repeat them as histograms and counters: none is
  counted where the spans are there. Where the spans were lost (the older Chat writes
  ``{}``), the inference-details record is the request (id ``log:<gen_ai.response.id>``,
  input all fresh and output all visible, as it gives no split). Which case a record is
  in is told per Copilot Chat version (the record's ``service.version``), in the
  adapter's state (``STATEFUL``): ``ok`` (a real span was seen), ``lost`` (a ``{}`` was
  seen after a record of that version). A log record of a version not yet known is held
  back (not consumed) until its version's next span or ``{}`` says which, the
  BatchSpanProcessor writes them within seconds; one older than :data:`HOLD_MS` with
  still nothing to tell, at the end of the file, is counted (before the end of a chunk
  of a larger file, one in its last :data:`HOLD_BYTES` waits for the next chunk). A
  ``{}`` written before any log record (the span processor may flush first) belongs to
  the version of the next log record (``pend`` in the state until it comes);
- buckets: ``input_tokens`` includes the cache reads and writes (the CLI's own metric
  says "including cached tokens"; measured: 9300 = 300 fresh + 2000 written + 7000 read
  with an Anthropic provider; Chat takes OpenAI's ``prompt_tokens``, whose
  ``prompt_tokens_details`` are parts of it: ``chatMLFetcher.ts``): fresh = input -
  cache read - cache write. An input smaller than the two caches was counted apart from
  them (Anthropic's own convention): then it is the fresh input. ``output_tokens``
  includes reasoning (the CLI's metric: "including reasoning tokens"; 57 with 10
  reasoning measured; OpenAI's ``completion_tokens``): output = output - reasoning;
- the model is ``gen_ai.response.model``, else ``gen_ai.request.model``, else the span's
  name after ``chat ``, else ``unknown``; the instant is the span's ``startTime`` (the
  request), a log record's ``hrTime``, a session record's turn start; the session is ``gen_ai.conversation.id`` (the
  CLI's session id, ``copilot --resume=<id>``), else ``copilot_chat.chat_session_id``,
  else ``copilot_chat.session_id``; the provider ``gen_ai.provider.name`` (``github``
  for Copilot's own models); the project a CLI session's ``cwd`` (``session.start``),
  none for Copilot Chat (its records name no folder);
- no text is kept: message content (which Chat may write into spans), tool arguments,
  reasoning text stay out. A span with no usage (a failed call) makes no event.

A line is decoded only when it holds ``"gen_ai.usage.`` or is ``{}`` (chat spans and
log records with usage; metrics and the rest are passed over unread). A line that holds
it and does not decode is a counted skip; so are wrong counts (``bad-usage``), missing
ids (``no-id``), bad instants and the ledger's limits.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hooks.fields import decode as _decode
from hooks.fields import latest_ms
from hooks.fields import resolve as _resolve
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed, walk
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
)

CLIENT = "copilot"
NAME = "GitHub Copilot"
#: What ``import`` and ``hooks status`` call its sources.
SOURCE_NOUN = "telemetry files"
SOURCE = "otel"
#: The source of an event read from the Copilot CLI's session events.
SOURCE_EVENTS = "session-events"
PROVIDER = "github"
UNKNOWN_MODEL = "unknown"
#: Read positions carry which Copilot Chat versions' spans are in the file (see above).
STATEFUL = True
#: A log record whose version's spans are still unknown is held back this long (ms):
#: VS Code's BatchSpanProcessor exports every 5 s (``scheduledDelayMillis`` default).
HOLD_MS = 120_000
#: Before the end of what was read (a chunk of a larger file), an undecided log record
#: this close to the chunk's end is held whatever its age: its spans may be in the next
#: chunk. Further from it, the rest of the chunk would have shown them.
HOLD_BYTES = 4 << 20
#: The CLI's file variable (``copilot help environment``), also read by Copilot Chat.
ENV_FILE = "COPILOT_OTEL_FILE_EXPORTER_PATH"
#: The CLI's home (``$COPILOT_HOME``, default ``~/.copilot``).
ENV_HOME = "COPILOT_HOME"
#: The VS Code setting that names Copilot Chat's file (and selects the file exporter).
OUTFILE_SETTING = "github.copilot.chat.otel.outfile"
#: What the VS Code extension sets, with the user's consent, to switch the export on.
VSCODE_SETTINGS: dict[str, Any] = {
    "github.copilot.chat.otel.enabled": True,
    "github.copilot.chat.otel.exporterType": "file",
    # OUTFILE_SETTING: str(default_vscode_outfile())
}
#: Where we suggest Copilot Chat writes (inside the folder :func:`default_roots` reads).
VSCODE_OUTFILE_NAME = "vscode-copilot-chat.jsonl"

_loads = json.loads
_USAGE = b'"gen_ai.usage.'
#: The Copilot CLI's session events read (``~/.copilot/session-state/<id>/events.jsonl``).
_CLI_EVENTS = re.compile(rb'"(?:session\.usage_record|session\.start|assistant\.turn_start)"')
_CLI_TYPES = frozenset({"session.usage_record", "session.start", "assistant.turn_start"})
#: Turn starts remembered per file (a usage record names its turn by ``parentId``).
_MAX_TURNS = 16
_EMPTY = b"{}"
#: Operations that are one model request (OTel GenAI ``gen_ai.operation.name``).
_REQUEST_OPS = frozenset({"chat", "text_completion", "generate_content"})
_INFERENCE_EVENT = "gen_ai.client.inference.operation.details"
_SESSION_KEYS = ("gen_ai.conversation.id", "copilot_chat.chat_session_id", "copilot_chat.session_id")
_CACHE_WRITE_KEYS = ("gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation.input_tokens")
_REASONING_KEYS = ("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens")
#: Versions remembered per file in each of the state's lists (a file sees a handful).
_MAX_VERSIONS = 32
_UNKNOWN_VERSION = "?"


# -- the pure part --------------------------------------------------------------------


def _n(attrs: Mapping[str, Any], key: str) -> int:
    """A count attribute: absent or null is 0; a non-negative int or an integral float;
    anything else raises ``ValueError`` (a ``bad-usage`` skip)."""
    v = attrs.get(key)
    if v is None:
        return 0
    if type(v) is int and v >= 0:
        return v
    if type(v) is float and v >= 0 and v.is_integer():
        return int(v)
    raise ValueError(key)


def _first(attrs: Mapping[str, Any], keys: tuple[str, ...]) -> int:
    """The largest of attributes that state the same count under several names."""
    return max(_n(attrs, k) for k in keys)


def _short(value: Any) -> str | None:
    t = _text(value)
    return t if t is not None and len(t) <= MAX_TEXT_CHARS else None


def _hr_ms(value: Any) -> int | None:
    """Milliseconds of an OTel ``HrTime`` (``[seconds, nanoseconds]``), or of a number
    (nanoseconds, microseconds, milliseconds or seconds since the epoch, by size)."""
    if type(value) is list and len(value) == 2 and all(type(x) is int and x >= 0 for x in value):
        return value[0] * 1000 + value[1] // 1_000_000
    if type(value) is int and value > 0:
        if value >= 10**17:
            return value // 1_000_000
        if value >= 10**14:
            return value // 1000
        if value >= 10**11:
            return value
        return value * 1000
    return None


def _version(obj: Mapping[str, Any]) -> str:
    """The record's ``service.version`` (the Copilot Chat or CLI version), else ``?``."""
    res = obj.get("resource")
    if type(res) is dict:
        attrs = res.get("attributes")
        if type(attrs) is dict:
            v = _short(attrs.get("service.version"))
            if v is not None:
                return v
        raw = res.get("_rawAttributes")  # LogRecordImpl's resource (sdk 2.x ResourceImpl)
        if type(raw) is list:
            for pair in raw:
                if type(pair) is list and len(pair) == 2 and pair[0] == "service.version":
                    v = _short(pair[1])
                    if v is not None:
                        return v
    return _UNKNOWN_VERSION


def _is_span(obj: Mapping[str, Any]) -> bool:
    if obj.get("type") == "span":
        return True
    return "spanId" in obj and "name" in obj and "hrTime" not in obj


def _is_log(obj: Mapping[str, Any]) -> bool:
    return obj.get("type") in ("log", "event") or "hrTime" in obj or "_body" in obj


def _buckets(attrs: Mapping[str, Any]) -> tuple[int, int, int, int, int]:
    """``(fresh input, cache write, cache read, output, reasoning)``; raises ValueError."""
    inp = _n(attrs, "gen_ai.usage.input_tokens")
    out = _n(attrs, "gen_ai.usage.output_tokens")
    read = _n(attrs, "gen_ai.usage.cache_read.input_tokens")
    write = _first(attrs, _CACHE_WRITE_KEYS)
    reasoning = min(_first(attrs, _REASONING_KEYS), out)
    fresh = inp - read - write if inp >= read + write else inp
    return fresh, write, read, out - reasoning, reasoning


def _model(attrs: Mapping[str, Any], name: Any) -> str:
    for key in ("gen_ai.response.model", "gen_ai.request.model"):
        m = _short(attrs.get(key))
        if m is not None:
            return m
    if type(name) is str and name.startswith("chat "):
        m = _short(name[5:].strip())
        if m:
            return m
    return UNKNOWN_MODEL


def _session(attrs: Mapping[str, Any]) -> str | None:
    for key in _SESSION_KEYS:
        s = _short(attrs.get(key))
        if s is not None:
            return s
    return None


def _event(event_id: str, attrs: Mapping[str, Any], ts: int | None, name: Any, skips: dict[str, int],
           latest: int, split: bool) -> Event | None:
    """The event of a request's attributes, or None (``skips`` says why, unless it had no usage)."""
    try:
        fresh, write, read, out, reasoning = _buckets(attrs)
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    if not split:  # an inference-details record: input and output as they are
        fresh, write, read, out, reasoning = fresh + write + read, 0, 0, out + reasoning, 0
    if not (fresh or write or read or out or reasoning):
        return None  # a failed or empty call: nothing was used
    if max(fresh, write, read, out, reasoning) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    if ts is None:
        _skip(skips, "bad-timestamp")
        return None
    if ts < EARLIEST_MS or ts > latest:
        _skip(skips, FAR_INSTANT)
        return None
    if len(event_id) > MAX_TEXT_CHARS:
        _skip(skips, LONG_TEXT)
        return None
    provider = _short(attrs.get("gen_ai.provider.name")) or PROVIDER
    return Event(CLIENT, event_id, _model(attrs, name), ts, provider, _session(attrs), None,
                 fresh, write, read, out, reasoning, 1, None, SOURCE)


def span_event(obj: Mapping[str, Any], skips: dict[str, int], latest: int) -> Event | None:
    """The event of a span record when it is a model request with usage, else None."""
    attrs = obj.get("attributes")
    if type(attrs) is not dict:
        return None
    name = obj.get("name")
    op = attrs.get("gen_ai.operation.name")
    if op is None:
        if not (type(name) is str and name.startswith("chat ")):
            return None
    elif type(op) is not str or op not in _REQUEST_OPS:
        return None  # invoke_agent (the sum of its chat spans), execute_tool, ...
    trace, span = obj.get("traceId"), obj.get("spanId")
    ctx = obj.get("spanContext")
    if (trace is None or span is None) and type(ctx) is dict:
        trace, span = ctx.get("traceId"), ctx.get("spanId")
    trace, span = _short(trace), _short(span)
    if trace is None or span is None:
        _skip(skips, "no-id")
        return None
    ts = _hr_ms(obj.get("startTime"))
    if ts is None:
        ts = _hr_ms(obj.get("endTime"))
    call = _call_key(attrs.get("github.copilot.interaction_id"), attrs.get("github.copilot.turn_id"),
                     attrs.get("gen_ai.response.id"))
    return _event(call or f"{trace}:{span}", attrs, ts, name, skips, latest, True)


def _call_key(interaction: Any, turn: Any, response: Any) -> str | None:
    """``call:<interaction>:<turn>:<response id>``: one model call of the Copilot CLI as
    both its OTel span and its session events name it (so the two count once)."""
    parts = [_short(v) for v in (interaction, turn, response)]
    if any(v is None for v in parts):
        return None
    return "call:" + ":".join(parts)  # type: ignore[arg-type]


def _iso_ms(value: Any) -> int | None:
    if type(value) is not str:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


#: ``session.usage_record`` ``usage`` keys -> the OTel attributes :func:`_buckets` reads
#: (the same meaning: measured, 9300 = 300 + 2000 + 7000 in both).
_RECORD_KEYS = (("inputTokens", "gen_ai.usage.input_tokens"), ("outputTokens", "gen_ai.usage.output_tokens"),
                ("cacheReadTokens", "gen_ai.usage.cache_read.input_tokens"),
                ("cacheWriteTokens", "gen_ai.usage.cache_write.input_tokens"),
                ("reasoningTokens", "gen_ai.usage.reasoning.output_tokens"))


def record_event(obj: Mapping[str, Any], state: Mapping[str, Any], skips: dict[str, int],
                 latest: int) -> Event | None:
    """The event of a Copilot CLI ``session.usage_record`` (its session events file)."""
    data = obj.get("data")
    usage = data.get("usage") if type(data) is dict else None
    if type(usage) is not dict:
        _skip(skips, "bad-usage")
        return None
    attrs: dict[str, Any] = {a: usage.get(k) for k, a in _RECORD_KEYS}
    model = _short(usage.get("model"))
    if model is not None:
        attrs["gen_ai.response.model"] = model
    accounting = usage.get("accounting")
    accounting = accounting if type(accounting) is dict else {}
    turns = state.get("turns") or {}
    turn = turns.get(obj.get("parentId")) if isinstance(obj.get("parentId"), str) else None
    turn = turn or state.get("turn") or [None, None, None]
    api = usage.get("apiCallId") or accounting.get("usageId")
    event_id = _call_key(turn[0], turn[1], api)
    if event_id is None:
        rid = _short(obj.get("id"))
        if rid is None:
            _skip(skips, "no-id")
            return None
        event_id = f"rec:{rid}"
    session = _short(accounting.get("sourceSessionId")) or state.get("sid")
    if session is not None:
        attrs["gen_ai.conversation.id"] = session
    # The request's instant: its turn's start (the record is written when the answer is in;
    # the turn starts just before the request, so before the call's span starts too: with
    # both sources the earlier one, the turn's, is kept and the record, being earlier, is
    # written over the span, bringing the session's folder).
    when = turn[2] if len(turn) > 2 and type(turn[2]) is int else _iso_ms(obj.get("timestamp"))
    ev = _event(event_id, attrs, when, None, skips, latest, True)
    if ev is not None:
        ev.project = state.get("cwd")
        ev.source = SOURCE_EVENTS
    return ev


def log_event(obj: Mapping[str, Any], skips: dict[str, int], latest: int) -> Event | None:
    """The event of an inference-details log record (where the spans were lost)."""
    attrs = obj.get("attributes")
    if type(attrs) is not dict or attrs.get("event.name") != _INFERENCE_EVENT:
        return None
    rid = _short(attrs.get("gen_ai.response.id"))
    if rid is None:
        _skip(skips, "no-id")
        return None
    ts = _hr_ms(obj.get("hrTime"))
    if ts is None:
        ts = _hr_ms(obj.get("timestamp"))
    return _event(f"log:{rid}", attrs, ts, None, skips, latest, False)


def _usage_log(obj: Mapping[str, Any]) -> bool:
    attrs = obj.get("attributes")
    return type(attrs) is dict and attrs.get("event.name") == _INFERENCE_EVENT


def parse(
    data: bytes,
    at_eof: bool,
    loads: Callable[[bytes], Any] = _loads,
    state: dict[str, Any] | None = None,
    now_ms: int | None = None,
) -> Parsed:
    """Events from OTel JSON-lines bytes that start at a line boundary.

    ``state`` (updated in place for the lines consumed; {} at the start of a file):
    ``ok`` and ``lost``, the Copilot versions whose spans were seen whole or as ``{}``,
    and ``ver``, the version of the latest log record read (the one a following ``{}``
    belongs to). ``now_ms`` (default: the clock) decides which undecided log records
    are old enough to count (:data:`HOLD_MS`). Complete lines only; an unterminated last
    line at EOF is consumed when it already parses. Never raises on what the bytes hold."""
    if state is None:
        state = {}
    latest = latest_ms()
    clock = now_ms if now_ms is not None else _clock_ms()
    end = data.rfind(b"\n") + 1
    spans: list[tuple[int, int]] = []  # (start, end) of each complete line
    pos = 0
    while pos < end:
        nl = data.find(b"\n", pos, end)
        spans.append((pos, nl))
        pos = nl + 1
    consumed = end
    if at_eof and end < len(data):
        stripped = data[end:].strip()
        if stripped[:1] == b"{" and stripped[-1:] == b"}":
            try:
                loads(stripped)
            except Exception:  # noqa: BLE001 - being written: left for the next read
                pass
            else:
                spans.append((end, len(data)))
                consumed = len(data)
    # Pass 1: decode what may hold usage; learn (over the whole read) which versions'
    # spans are whole and which were lost.
    ver0 = state.get("ver")
    ver: str | None = ver0 if isinstance(ver0, str) else None
    ok_all = set(state.get("ok", ()))
    lost_all = set(state.get("lost", ()))
    items: list[tuple[int, int, str, Any]] = []  # (start, end, kind, record | version | reason)
    # ``{}`` lines before any log record (the span processor may write first) belong to
    # the version of the next log record: their items are patched when it comes.
    pending: list[int] = [-1] if state.get("pend") else []
    find = data.find
    events_at = _CLI_EVENTS.search
    for start, stop in spans:
        if find(_USAGE, start, stop) < 0 and events_at(data, start, stop) is None:
            if stop - start < 8 and data[start:stop].strip() == _EMPTY:
                if ver is None:
                    pending.append(len(items))
                else:
                    lost_all.add(ver)
                items.append((start, stop, "lost", ver))
            continue
        why: dict[str, int] = {}
        good, obj = _decode(data[start:stop], loads, why)
        if not good:
            items.append((start, stop, "skip", next(iter(why), "invalid-json")))
        elif type(obj) is not dict:
            items.append((start, stop, "skip", "not-an-object"))
        elif obj.get("type") in _CLI_TYPES and "data" in obj:
            items.append((start, stop, "cli", obj))
        elif _is_span(obj):
            ok_all.add(_version(obj))
            items.append((start, stop, "span", obj))
        elif _is_log(obj):
            ver = _version(obj)
            if pending:
                lost_all.add(ver)
                for i in pending:
                    if i >= 0:
                        items[i] = (*items[i][:3], ver)
                pending = []
                items.append((start, stop, "pend", ver))  # the previous read's ``{}`` resolved here
            items.append((start, stop, "log", obj))
    # Pass 2: the events in order, with the state as of each line; a log record whose
    # version is undecided holds back itself and the rest.
    ok = list(state.get("ok", ()))
    lost = list(state.get("lost", ()))
    cli: dict[str, Any] = {k: state[k] for k in ("sid", "cwd", "turn") if k in state}
    cli["turns"] = dict(state.get("turns") or {})
    ver = ver0 if isinstance(ver0, str) else None
    pend = bool(state.get("pend"))
    skips: dict[str, int] = {}
    events: list[Event] = []
    seen: set[str] = set()
    for start, _stop, kind, obj in items:
        ev: Event | None = None
        if kind == "skip":
            _skip(skips, obj)
            continue
        if kind == "lost":
            if obj is None:
                pend = True
            elif obj not in lost:
                lost.append(obj)
            continue
        if kind == "pend":
            pend = False
            if obj not in lost:
                lost.append(obj)
            continue
        if kind == "cli":
            ev = _cli_record(obj, cli, skips, latest)
        elif kind == "span":
            v = _version(obj)
            if v not in ok:
                ok.append(v)
            ev = span_event(obj, skips, latest)
        else:
            v = _version(obj)
            if _usage_log(obj) and v not in ok_all and v not in lost_all:
                ts = _hr_ms(obj.get("hrTime"))
                if ts is not None and ts <= latest and (
                        ts > clock - HOLD_MS or (not at_eof and len(data) - start <= HOLD_BYTES)):
                    # Undecided: the spans (or their ``{}``) come within seconds. Stop
                    # before this line; the next read starts here.
                    consumed = start
                    break
            ver = v
            if not _usage_log(obj) or v in ok_all:
                continue  # its spans are whole: the chat span is the request
            ev = log_event(obj, skips, latest)
        if ev is not None and ev.event_id not in seen:
            seen.add(ev.event_id)
            events.append(ev)
    if consumed:
        state["ok"] = ok[-_MAX_VERSIONS:]
        state["lost"] = lost[-_MAX_VERSIONS:]
        if ver is not None:
            state["ver"] = ver
        if pend:
            state["pend"] = True
        else:
            state.pop("pend", None)
        for k in ("sid", "cwd", "turn", "turns"):
            if cli.get(k):
                state[k] = cli[k]
    return Parsed(events, consumed, skips)


def _cli_record(obj: Mapping[str, Any], cli: dict[str, Any], skips: dict[str, int], latest: int) -> Event | None:
    """One Copilot CLI session event: the session's id and folder, a turn, or a usage record."""
    kind = obj.get("type")
    data = obj.get("data")
    if kind == "session.usage_record":
        return record_event(obj, cli, skips, latest)
    if type(data) is not dict:
        return None
    if kind == "session.start":
        sid = _short(data.get("sessionId"))
        if sid is not None:
            cli["sid"] = sid
        context = data.get("context")
        cwd = _short(context.get("cwd")) if type(context) is dict else None
        if cwd is not None:
            cli["cwd"] = cwd
    else:  # assistant.turn_start
        ids = [_short(data.get("interactionId")), _short(data.get("turnId"))]
        rid = _short(obj.get("id"))
        if None not in ids:
            turn = [*ids, _iso_ms(obj.get("timestamp"))]
            cli["turn"] = turn
            if rid is not None:
                turns = cli["turns"]
                turns[rid] = turn
                while len(turns) > _MAX_TURNS:
                    del turns[next(iter(turns))]
    return None


#: Every attribute the functions above read (the rest of ``attributes``, prompt text
#: included, is what :func:`fast_loads` validates without building).
_ATTR_KEYS = ("gen_ai.operation.name", "gen_ai.request.model", "gen_ai.response.model", "gen_ai.response.id",
              "gen_ai.provider.name", "event.name", *_SESSION_KEYS, "gen_ai.usage.input_tokens",
              "gen_ai.usage.output_tokens", "gen_ai.usage.cache_read.input_tokens", *_CACHE_WRITE_KEYS,
              *_REASONING_KEYS, "github.copilot.interaction_id", "github.copilot.turn_id")
#: Every top-level key they read or test the presence of.
_TOP_KEYS = ("type", "traceId", "spanId", "spanContext", "name", "startTime", "endTime", "hrTime", "timestamp",
             "_body", "resource", "data", "id", "parentId")


def fast_loads() -> Callable[[bytes], Any] | None:
    """A faster decoder for the backfill (never the hook): msgspec when installed.

    It gives the dict ``json.loads`` would give, cut to what :func:`parse` reads: the
    keys of :data:`_TOP_KEYS` a record has (absent ones left out, as :func:`_is_span`
    and :func:`_is_log` test their presence) and of ``attributes`` those of
    :data:`_ATTR_KEYS`. The rest (Copilot Chat may write whole prompts into a span) is
    validated, not built: 0.19 s instead of 1.6 s for the 92 MB of usage lines of a
    content-heavy 100 MB file. A line msgspec refuses (a lone surrogate escape, an
    ``attributes`` that is not an object...) is decoded by ``json.loads``, so it is read
    as the hook reads it (``tests/hooks/test_properties_copilot.py`` compares them)."""
    try:
        import msgspec
    except ImportError:
        return None
    unset = msgspec.UNSET
    attr_names = [(f"a{i}", k) for i, k in enumerate(_ATTR_KEYS)]
    top_names = [(f"t{i}", k) for i, k in enumerate(_TOP_KEYS)]
    attrs_type = msgspec.defstruct("Attrs", [(n, Any, unset) for n, _ in attr_names], rename=dict(attr_names))
    record_type = msgspec.defstruct("Record", [*((n, Any, unset) for n, _ in top_names),
                                               ("attributes", attrs_type, unset)], rename=dict(top_names))
    decode = msgspec.json.Decoder(record_type).decode
    errors = (msgspec.DecodeError, msgspec.ValidationError)

    def loads(line: bytes) -> Any:
        try:
            r = decode(line)
        except errors:
            return _loads(line)
        out = {k: v for n, k in top_names if (v := getattr(r, n)) is not unset}
        a = getattr(r, "attributes")  # noqa: B009 - a field of a struct made at run time
        if a is not unset:
            out["attributes"] = {k: v for n, k in attr_names if (v := getattr(a, n)) is not unset}
        return out

    return loads


def _clock_ms() -> int:
    import time

    return int(time.time() * 1000)


# -- where the files are ---------------------------------------------------------------


def copilot_home(env: Mapping[str, str] | None = None) -> Path:
    """``$COPILOT_HOME`` when set, else ``~/.copilot``."""
    env = os.environ if env is None else env
    raw = env.get(ENV_HOME, "")
    return Path(raw).expanduser() if raw else Path.home() / ".copilot"


def otel_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder ccusage (and we) read Copilot's OTel files from: ``<copilot home>/otel``."""
    return copilot_home(env) / "otel"


def session_state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the Copilot CLI keeps each session's events: ``<copilot home>/session-state``
    (``<session id>/events.jsonl``, written whether or not OpenTelemetry is on)."""
    return copilot_home(env) / "session-state"


def default_vscode_outfile(env: Mapping[str, str] | None = None) -> Path:
    """The file we suggest for ``github.copilot.chat.otel.outfile``: in :func:`otel_dir`,
    so that ``tokenprint import copilot`` (and ccusage) read it without being told."""
    return otel_dir(env) / VSCODE_OUTFILE_NAME


#: VS Code and its forks: the folder of their user data under the platform's config folder.
_VSCODE_APPS = ("Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf")


def vscode_settings_files(env: Mapping[str, str] | None = None) -> list[Path]:
    """The user ``settings.json`` of VS Code and its forks, where they exist."""
    import sys

    env = os.environ if env is None else env
    bases: list[Path] = []
    if sys.platform == "darwin":
        bases.append(Path.home() / "Library" / "Application Support")
    elif sys.platform == "win32":
        if env.get("APPDATA"):
            bases.append(Path(env["APPDATA"]))
    else:
        xdg = env.get("XDG_CONFIG_HOME", "")
        bases.append(Path(xdg) if xdg else Path.home() / ".config")
    out: list[Path] = []
    portable = env.get("VSCODE_PORTABLE", "")
    if portable:
        out.append(Path(portable) / "user-data" / "User" / "settings.json")
    out += [b / app / "User" / "settings.json" for b in bases for app in _VSCODE_APPS]
    return [p for p in out if p.is_file()]


def vscode_outfiles(env: Mapping[str, str] | None = None) -> list[Path]:
    """The files Copilot Chat's ``github.copilot.chat.otel.outfile`` names in those
    settings (read, never written; a settings file we cannot read is passed over)."""
    out: list[Path] = []
    for settings in vscode_settings_files(env):
        try:
            raw = settings.read_bytes()[: 4 << 20].decode("utf-8", "replace")
        except OSError:
            continue
        outfile = outfile_in(raw)
        if outfile:
            out.append(Path(os.path.expanduser(outfile)))
    return out


def outfile_in(text: str) -> str | None:
    """The ``github.copilot.chat.otel.outfile`` a VS Code settings text sets, or None.

    Read as JSON with comments (``hooks.jsonc``); VS Code also accepts trailing commas,
    which that parser refuses: then the key is looked for line by line, outside ``//``
    comments."""
    import re

    from hooks import jsonc

    try:
        value = jsonc.parse(text).root.value
    except (ValueError, RecursionError):
        value = None
        pattern = re.compile(r'"' + re.escape(OUTFILE_SETTING) + r'"\s*:\s*"((?:[^"\\]|\\.)*)"')
        for line in text.splitlines():
            m = pattern.search(line)
            if m is not None and "//" not in line[: m.start()] and "/*" not in line[: m.start()]:
                try:
                    found = json.loads(f'"{m.group(1)}"')
                except ValueError:
                    continue
                value = {OUTFILE_SETTING: found}
    if not isinstance(value, dict):
        return None
    outfile = value.get(OUTFILE_SETTING)
    return outfile.strip() if isinstance(outfile, str) and outfile.strip() else None


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """``<copilot home>/otel``, ``$COPILOT_OTEL_FILE_EXPORTER_PATH`` and Copilot Chat's
    outfile from the VS Code settings, those that exist."""
    env = os.environ if env is None else env
    roots: list[Path] = [d for d in (otel_dir(env), session_state_dir(env)) if d.is_dir()]
    named = env.get(ENV_FILE, "").strip()
    candidates = ([Path(os.path.expanduser(named))] if named else []) + vscode_outfiles(env)
    roots += [p for p in candidates if p.is_file()]
    return roots


def present(env: Mapping[str, str] | None = None) -> bool:
    """Copilot is on this machine: its home folder, ``copilot`` on PATH, a telemetry file
    named by the variable, or Copilot Chat's outfile set in VS Code."""
    import shutil

    env = os.environ if env is None else env
    if copilot_home(env).is_dir() or shutil.which("copilot", path=env.get("PATH")) is not None:
        return True
    return bool(default_roots(env))


def is_telemetry_file(name: str) -> bool:
    """An OTel JSON-lines file: ``*.jsonl``, or a rotated ``*.jsonl.<n>``."""
    if name.endswith(".jsonl"):
        return True
    head, _, n = name.rpartition(".")
    return head.endswith(".jsonl") and n.isdigit()


def transcripts(paths: list[Path]) -> list[str]:
    """Files to read for ``paths``: a file as it is, a folder's telemetry files (walked),
    a Copilot home (its ``otel/``); each once, resolved."""
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        resolved = _resolve(str(p))
        if resolved is None:
            continue
        real = Path(resolved)
        try:
            if real.is_file():
                found: Iterator[str] = iter([str(real)])
            elif (real / "otel").is_dir() or (real / "session-state").is_dir():  # a Copilot home
                found = iter([*walk(str(real / "otel"), lambda _f, n: is_telemetry_file(n)),
                              *_session_files(real / "session-state")])
            elif real.name == "session-state" or (real / "events.jsonl").is_file():
                found = iter(_session_files(real))
            elif real.is_dir():
                found = iter(walk(str(real), lambda _f, n: is_telemetry_file(n)))
            else:
                continue
        except OSError:
            continue
        for path in found:
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def _session_files(folder: Path) -> list[str]:
    """The ``events.jsonl`` of each session under a ``session-state`` folder (or of one
    session's folder): never the files the sessions keep beside them."""
    if not folder.is_dir():
        return []
    return walk(str(folder), lambda _f, n: n == "events.jsonl")


def hook_paths(payload: Mapping[str, Any]) -> list[str]:  # noqa: ARG001 - no hook of ours is installed
    """No hook of ours is installed for Copilot: ``tokenprint-hook copilot`` has nothing to read."""
    return []


# -- settings --------------------------------------------------------------------------------

#: No hook installed (the Copilot CLI has hooks, ``hooks`` in its settings.json: a possible
#: follow-up; its session events are read without one): nothing to install, no scope.
SCOPES: tuple[str, ...] = ()
NO_HOOKS = ("tokenprint installs no hook for GitHub Copilot; `tokenprint import copilot` reads the Copilot "
            "CLI's session events and Copilot's OpenTelemetry files (the VS Code extension imports them on refresh)")
HOOK_EVENTS: tuple[str, ...] = ()


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """No settings file of Copilot's is edited."""
    raise ValueError(f"unknown scope {scope!r}; tokenprint installs no hook for GitHub Copilot")


#: What ``tokenprint hooks install copilot`` edits: nothing.
INSTALL: tuple[Any, ...] = ()
