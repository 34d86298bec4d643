"""OpenAI Codex CLI: where a rollout line becomes a ledger event.

Standard library only: ``tokenprint-hook codex`` runs this on every turn (the
installer's targets are imported from here, and they too import only the standard
library until they edit a file).

Rollouts are ``$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<ts>-<thread>.jsonl`` (and
``archived_sessions/``, and ``.jsonl.zst`` when Codex compressed them:
``codex-rs/rollout/src/compression.rs``). Each line is ``{"timestamp", "type",
"payload"}``. :func:`parse` is a pure function of the bytes and of the state the
shared reader carries between reads of the same file (``STATEFUL``: ``hooks.tail``).
The counting rules (``shared/reference/clients.md``; the token fields are
``TokenUsage`` of ``codex-rs/protocol/src/protocol.rs``):

- usage comes from ``event_msg`` lines of type ``token_count``;
  ``info.total_token_usage`` is cumulative per thread: each event is the
  difference from the last total seen, so a repeated ``token_count`` (the same
  total written again) is nothing, and ``token_usage_record`` lines, the same
  usage once more per response, are not read at all. One request per total that grew;
- buckets: ``input_tokens`` includes ``cached_input_tokens`` and
  ``cache_write_input_tokens`` (absent in older files), and ``output_tokens``
  includes ``reasoning_output_tokens``: fresh input = input - cached - cache_write,
  cache read = cached, cache write = cache_write, output = output - reasoning;
- the growth is measured on ``total_tokens``; a legacy total without it is measured
  on input + output (never + reasoning, which is inside output); a total that goes
  down is a counter restart: the new total counts from zero;
- a writer that gives only ``last_token_usage`` (no total) makes each event one
  request with that usage, its model from ``info.model`` when stated;
- the model is the one of the latest ``turn_context`` (else ``info.model``);
- a file's identity is its FIRST ``session_meta`` (its thread id, ``cwd`` as the
  project); a later one is a parent's, copied in;
- forks and subagents: a file whose first ``session_meta`` names a parent
  (``forked_from_id``, ``parent_thread_id``, ``source.subagent``) or that holds a
  second ``session_meta`` may replay its parent's history. A replayed turn started
  before the child existed: its ``task_started`` has a ``started_at`` (Unix
  seconds), or its turn id (UUIDv7) an instant, in an earlier second than the
  child's ``session_meta``. Its ``token_count`` lines are not counted, but their
  total is carried as the baseline, so only what grows after it is the child's.
  A turn that started in the child's creation second or later is the child's,
  and so is everything in a child-only file, its first turn included. Only where
  a turn carries neither mark does the line's own timestamp decide (strictly
  before the child's creation = replayed);
- an event's id is ``<thread>:<restarts>:<cumulative total reached>`` (or
  ``<thread>:last:<ordinal>`` for last-only writers): the same rollout in
  ``sessions/`` and ``archived_sessions/``, plain and compressed, or copied into a
  reverted ``rollout-..._<rollout>.jsonl``, is counted once by the ledger's upsert;
- its instant is the ``token_count`` line's timestamp; provider ``openai``;
- lines that are not JSON are skipped and counted when they could carry what is
  read (``invalid-json``); counts that are not integers, above
  ``ledger.events.MAX_TOKENS_PER_REQUEST``, instants outside the window, texts
  too long are counted skips; nothing a line holds stops the file;
- no text is kept: thread id, model, instant, cwd and counts.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from typing import Annotated, Any

from hooks.fields import decode as _decode
from hooks.fields import latest_ms
from hooks.fields import resolve as _resolve
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed, walk
from hooks.targets import JsonHooks, Target
from hooks.toml_config import McpServerTable, NotifyTarget
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
)

CLIENT = "codex"
NAME = "Codex CLI"
#: What ``import`` and ``hooks status`` call its sources.
SOURCE_NOUN = "rollouts"
SOURCE = "rollout"
PROVIDER = "openai"
#: Hook events the installer registers (``~/.codex/hooks.json``; no matcher).
HOOK_EVENTS: tuple[str, ...] = ("Stop", "SubagentStop")
#: ``parse`` takes the state the reader carries between reads (``hooks.tail``).
STATEFUL = True

_loads = json.loads
_fromiso = datetime.fromisoformat

#: Fields of a cumulative total, in the order kept in the state.
_FIELDS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
)


# -- the pure part --------------------------------------------------------------------



def _ts_ms(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        dt = _fromiso(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return round(dt.timestamp() * 1000)
    except (OverflowError, OSError, ValueError):
        return None


def _usage(obj: Any) -> list[int] | None:
    """``[input, cached, cache_write, output, reasoning, total or -1]`` of a
    ``TokenUsage`` object; None when absent; raises ValueError on a bad count."""
    if obj is None:
        return None
    if type(obj) is not dict:
        raise ValueError("usage")
    get = obj.get
    # A non-negative int is taken as it is (what Codex writes); anything else is
    # judged by _count (absent: 0; an integral float: its int; else ValueError).
    out = [v if type(v) is int and v >= 0 else _count(v) for v in map(get, _FIELDS)]
    total = get("total_tokens")
    out.append(-1 if total is None else total if type(total) is int and total >= 0 else _count(total))
    return out


def _count(value: Any) -> int:
    if value is None:
        return 0
    if type(value) is int and value >= 0:
        return value
    if type(value) is float and value >= 0 and value.is_integer():
        return int(value)
    raise ValueError("count")


def _size(u: list[int]) -> int:
    """How far a cumulative total has grown: ``total_tokens``, else input + output
    (reasoning is inside output: never added again)."""
    return u[5] if u[5] >= 0 else u[0] + u[3]


def _uuid7_second(value: Any) -> int | None:
    """The Unix second a UUIDv7 encodes (its first 48 bits are milliseconds), or None."""
    if type(value) is not str or len(value) != 36 or value[14:15] != "7":
        return None
    try:
        return int(value[:8] + value[9:13], 16) // 1000
    except ValueError:
        return None


def _turn_second(payload: Mapping[str, Any]) -> int | None:
    """When a turn started (Unix second), from ``started_at`` or its UUIDv7 turn id."""
    return _turn_second_of(payload.get("started_at"), payload.get("turn_id"))


def _turn_second_of(started: Any, turn_id: Any) -> int | None:
    if type(started) is int or (type(started) is float and started == started):
        return int(started)
    return _uuid7_second(turn_id)


def _is_forklike(payload: Mapping[str, Any]) -> bool:
    source = payload.get("source")
    return bool(
        payload.get("forked_from_id")
        or payload.get("parent_thread_id")
        or (isinstance(source, dict) and "subagent" in source)
    )


def _on_meta(obj: dict[str, Any], state: dict[str, Any]) -> None:
    payload = obj.get("payload")
    if type(payload) is not dict:
        return
    if "id" in state:
        # A second session_meta: a parent's, copied in. What follows may replay it.
        state["fork"] = True
        return
    thread = _text(payload.get("id")) or ""
    state["id"] = thread
    state["session"] = _text(payload.get("session_id")) or thread or None
    state["cwd"] = _text(payload.get("cwd"))
    ts = _ts_ms(payload.get("timestamp"))
    line_ts = _ts_ms(obj.get("timestamp"))
    born = line_ts if ts is None else ts if line_ts is None else min(ts, line_ts)
    state["born"] = born
    state["fork"] = _is_forklike(payload)


def _is_replay(state: Mapping[str, Any], line_ms: int | None) -> bool:
    """Whether a token_count in the current turn belongs to a replayed parent prefix."""
    if not state.get("fork"):
        return False
    born = state.get("born")
    if not isinstance(born, int):
        return False
    turn = state.get("turn")  # the start second of the current turn, if it was marked
    if isinstance(turn, int):
        return turn < born // 1000
    return line_ms is not None and line_ms < born


def _event(
    state: dict[str, Any],
    skips: dict[str, int],
    ts: int,
    delta: list[int],
    model: str | None,
    event_id: str,
    latest: int,
) -> Event | None:
    inp, cached, cw, out, reasoning = delta[:5]
    if model is None:
        _skip(skips, "no-model")
        return None
    if ts < EARLIEST_MS or ts > latest:
        _skip(skips, FAR_INSTANT)
        return None
    if max(inp, cached, cw, out) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    cached = min(cached, inp)
    cw = min(cw, inp - cached)
    reasoning = min(reasoning, out)
    session, project = state.get("session"), state.get("cwd")
    if (len(model) > MAX_TEXT_CHARS or len(event_id) > MAX_TEXT_CHARS
            or (session is not None and len(session) > MAX_TEXT_CHARS)
            or (project is not None and len(project) > MAX_TEXT_CHARS)):
        _skip(skips, LONG_TEXT)
        return None
    return Event(
        CLIENT, event_id, model, ts, PROVIDER, session, project,
        inp - cached - cw, cw, cached, out - reasoning, reasoning, 1, None, SOURCE,
    )


def _on_token_count(
    obj: dict[str, Any], state: dict[str, Any], skips: dict[str, int], latest: int
) -> Event | None:
    payload = obj["payload"]
    info = payload.get("info")
    if info is None:
        return None  # a rate-limits-only event
    if type(info) is not dict:
        _skip(skips, "bad-usage")
        return None
    try:
        total = _usage(info.get("total_token_usage"))
        last = _usage(info.get("last_token_usage")) if total is None else None
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    return _on_totals(obj.get("timestamp"), obj.get("ordinal"), total, last, info.get("model"), state, skips,
                      latest)


def _on_totals(
    stamp: Any, ordinal: Any, total: list[int] | None, last: list[int] | None, info_model: Any,
    state: dict[str, Any], skips: dict[str, int], latest: int,
) -> Event | None:
    """A ``token_count`` whose totals are read (:func:`_usage`'s lists): its event, if any.
    ``stamp`` and ``ordinal`` are the line's, ``info_model`` its ``info.model``."""
    if total is None:
        if last is None:
            return None
        return _on_last(stamp, ordinal, info_model, last, state, skips, latest)
    # The instant, the model and the thread are read only once the total has grown:
    # a repeated total (about one line in five) is nothing, whatever they hold.
    size = total[5] if total[5] >= 0 else total[0] + total[3]  # _size, inline
    prev = state.get("total")
    restarts = int(state.get("restarts", 0))
    if isinstance(prev, list) and len(prev) == 6:
        grown = size - _size(prev)
        if grown == 0:
            return None  # the same total written again
        if grown < 0:
            restarts += 1  # the counter restarted: the new total counts from zero
            state["restarts"] = restarts
            delta = total
        else:
            delta = [a - b if a > b else 0 for a, b in zip(total, prev, strict=True)]
    else:
        delta = total
    state["total"] = total
    ts = _ts_ms(stamp)
    if _is_replay(state, ts):
        return None  # the parent's usage, replayed: its total is the child's baseline
    if ts is None:
        _skip(skips, "bad-timestamp")
        return None
    model = _text(state.get("model")) or _text(info_model)
    return _event(state, skips, ts, delta, model, f"{state.get('id') or ''}:{restarts}:{size}", latest)


def _on_last(
    stamp: Any, ordinal: Any, info_model: Any, last: list[int], state: dict[str, Any],
    skips: dict[str, int], latest: int,
) -> Event | None:
    """A ``token_count`` that gives only ``last_token_usage``: one request with that usage."""
    ts = _ts_ms(stamp)
    info_model = _text(info_model)
    model = _text(state.get("model")) or info_model
    thread = state.get("id") or ""
    n = int(state.get("last_n", 0)) + 1
    state["last_n"] = n
    if _is_replay(state, ts):
        return None
    if ts is None:
        _skip(skips, "bad-timestamp")
        return None
    if _size(last) == 0 and not any(last[:5]):
        return None
    key = ordinal if type(ordinal) is int else n
    return _event(state, skips, ts, last, info_model or model, f"{thread}:last:{key}", latest)


def _record(obj: Any, state: dict[str, Any], skips: dict[str, int], latest: int) -> Event | None:
    """Apply one decoded line to ``state``; its event, if it is a usage that counts."""
    if type(obj) is not dict:
        _skip(skips, "not-an-object")
        return None
    kind = obj.get("type")
    payload = obj.get("payload")
    if kind == "event_msg" and type(payload) is dict:
        sub = payload.get("type")
        if sub == "token_count":
            return _on_token_count(obj, state, skips, latest)
        if sub == "task_started":
            state["turn"] = _turn_second(payload)
        return None
    if kind == "turn_context" and type(payload) is dict:
        model = _text(payload.get("model"))
        if model is not None:
            state["model"] = model
        if "turn_id" in payload:
            second = _uuid7_second(payload.get("turn_id"))
            if second is not None:
                state["turn"] = second
        return None
    if kind == "session_meta":
        _on_meta(obj, state)
    return None




#: How far into a line its kinds are looked for. Codex writes ``{"timestamp":...,
#: "ordinal":N,"type":"<kind>","payload":{"type":"<event>",...`` (serde field order of
#: ``RolloutLine``, ``codex-rs/protocol/src/protocol.rs``): both kinds come within the
#: first hundred bytes, so the rest of a line (tool outputs of megabytes) is never scanned.
HEAD_BYTES = 512


#: The kinds :func:`parse` reads, as JSON strings (the same word quoted inside a text is
#: written ``\"token_count\"``, which this does not match; and a line it does match is
#: decoded and its ``type`` read all the same: this only spares the others).
_MARKERS = re.compile(rb'"(?:token_count|turn_context|session_meta|task_started)"')


def _relevant(data: bytes, start: int, stop: int) -> bool:
    """Whether the line ``data[start:stop]`` may carry what :func:`parse` reads: one of its
    kinds within the line's first :data:`HEAD_BYTES`, and no ``response_item`` there
    (the bulk of a rollout: messages, tool calls, never usage). ``bytes.find`` and the
    pattern take the head's bounds, so no slice is copied."""
    head = stop if stop - start <= HEAD_BYTES else start + HEAD_BYTES
    return data.find(b"response_item", start, head) < 0 and _MARKERS.search(data, start, head) is not None


def parse(
    data: bytes,
    at_eof: bool,
    state: dict[str, Any] | None = None,
    loads: Callable[[bytes], Any] = _loads,
) -> Parsed:
    """Events from rollout bytes that start at a line boundary.

    ``state`` is what the previous reads of the same file left (``hooks.tail``
    stores it with the position; ``{}`` for a read from the start); it is updated
    for the lines consumed, and only for those. Consumes complete lines; at EOF an
    unterminated last line is consumed only when it is a complete JSON object.
    Never raises on what a line holds.
    """
    if state is None:
        state = {}
    events: list[Event] = []
    skips: dict[str, int] = {}
    latest = latest_ms()
    consumed = data.rfind(b"\n") + 1
    start = 0
    find = data.find
    search = _MARKERS.search
    record = getattr(loads, "record", None)  # the backfill's decoder reads lines itself
    while start < consumed:
        stop = find(b"\n", start)
        # :func:`_relevant`, inlined: this runs once per line (most are response_item).
        head = stop if stop - start <= HEAD_BYTES else start + HEAD_BYTES
        if find(b"response_item", start, head) >= 0 or search(data, start, head) is None:
            start = stop + 1
            continue
        line = data[start:stop]
        start = stop + 1
        if record is not None:
            ev = record(line, state, skips, latest)
            if ev is not None:
                events.append(ev)
            continue
        ok, obj = _decode(line, loads, skips)
        if not ok:
            continue
        try:
            ev = _record(obj, state, skips, latest)
        except Exception:  # noqa: BLE001
            _skip(skips, "undecodable")
            ev = None
        if ev is not None:
            events.append(ev)
    if at_eof and consumed < len(data):
        rest = data[consumed:].strip()
        if rest[:1] == b"{" and rest[-1:] == b"}":
            try:
                obj = _loads(rest)
            except ValueError:
                obj = None  # maybe still being written: left for the next read
            except Exception:  # noqa: BLE001
                _skip(skips, "undecodable")
                consumed = len(data)
                obj = None
            if obj is not None:
                consumed = len(data)
                if _relevant(rest, 0, len(rest)):
                    try:
                        ev = _record(obj, state, skips, latest)
                    except Exception:  # noqa: BLE001
                        _skip(skips, "undecodable")
                        ev = None
                    if ev is not None:
                        events.append(ev)
        elif not rest:
            consumed = len(data)
    return Parsed(events, consumed, skips)


class _Records:
    """The backfill's line reader (:func:`fast_loads`): called, it decodes as
    ``json.loads`` does; its :meth:`record` is what :func:`parse` does with a line
    (decode, then :func:`_record`), through msgspec structs."""

    def __init__(self, record: Callable[[bytes, dict[str, Any], dict[str, int], int], Event | None]) -> None:
        self.record = record

    def __call__(self, line: bytes) -> Any:
        return _loads(line)


def fast_loads() -> Callable[[bytes], Any] | None:
    """A faster line reader for the backfill (never the hook): msgspec when installed.

    Its ``record(line, state, skips, latest)`` does what :func:`parse` does with a line
    (``json.loads``, then :func:`_record`), from typed structs that hold only the fields
    :func:`_record` reads: no dict per line, and a ``session_meta``'s instructions
    (megabytes of text at times) are validated, not built. A count is typed as an int
    >= 0 (what Codex writes) and a payload as an object; a line msgspec rejects for any
    reason (not JSON, another type anywhere: a float or a null count, a string for a
    payload) goes the careful way (``json.loads`` and :func:`_record`), so what is
    counted, skipped and kept in the state is the same (``tests/hooks/test_fast_decoders.py``
    and the properties in ``test_properties_codex.py`` compare both on hostile lines).
    Only ``session_meta`` lines (one or two per file) are made into the dict
    :func:`_on_meta` reads. On the 200 MB corpus: 309M (dicts from msgspec) -> 248M instructions for 40
    rollouts (callgrind)."""
    try:
        import msgspec
    except ImportError:
        return None

    count = Annotated[int, msgspec.Meta(ge=0)]
    Usage = msgspec.defstruct("Usage", [(f, count, 0) for f in _FIELDS] + [("total_tokens", count | None, None)],
                              gc=False)
    Info = msgspec.defstruct("Info", [("total_token_usage", Usage | None, None),
                                      ("last_token_usage", Usage | None, None), ("model", Any, None)], gc=False)
    fields = ("type", "id", "session_id", "cwd", "timestamp", "source", "forked_from_id",
              "parent_thread_id", "model", "turn_id", "started_at")
    Payload = msgspec.defstruct("Payload", [("info", Info | None, None)] + [(f, Any, None) for f in fields])
    Line = msgspec.defstruct("Line", [("timestamp", Any, None), ("ordinal", Any, None), ("type", Any, None),
                                      ("payload", Payload | None, None)])
    decode = msgspec.json.Decoder(Line).decode
    errors = (msgspec.DecodeError, msgspec.ValidationError)
    asdict = msgspec.structs.asdict
    counts = attrgetter(*_FIELDS)

    def usage(u: Any) -> list[int] | None:
        """:func:`_usage` of a decoded ``Usage`` (its counts are checked already)."""
        if u is None:
            return None
        out = list(counts(u))
        total = u.total_tokens
        out.append(-1 if total is None else total)
        return out

    def record(line: bytes, state: dict[str, Any], skips: dict[str, int], latest: int) -> Event | None:
        try:
            rec: Any = decode(line)
        except errors:
            ok, obj = _decode(line, _loads, skips)
            if not ok:
                return None
            try:
                return _record(obj, state, skips, latest)
            except Exception:  # noqa: BLE001
                _skip(skips, "undecodable")
                return None
        try:
            p = rec.payload
            if p is None:
                return None  # what _record makes of a line without a payload object
            kind = rec.type
            if kind == "event_msg":
                sub = p.type
                if sub == "token_count":
                    info = p.info
                    if info is None:
                        return None  # a rate-limits-only event
                    total = usage(info.total_token_usage)
                    last = usage(info.last_token_usage) if total is None else None
                    return _on_totals(rec.timestamp, rec.ordinal, total, last, info.model, state, skips, latest)
                if sub == "task_started":
                    state["turn"] = _turn_second_of(p.started_at, p.turn_id)
                return None
            if kind == "turn_context":
                model = _text(p.model)
                if model is not None:
                    state["model"] = model
                # _record reads the turn id only when the key is there; an absent one
                # is None here, and a None marks nothing either way.
                second = _uuid7_second(p.turn_id)
                if second is not None:
                    state["turn"] = second
                return None
            if kind == "session_meta":
                _on_meta({"timestamp": rec.timestamp, "payload": asdict(p)}, state)
            return None
        except Exception:  # noqa: BLE001
            _skip(skips, "undecodable")
            return None

    return _Records(record)


# -- where the files are ---------------------------------------------------------------


def codex_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CODEX_HOME``, else ``~/.codex``."""
    env = os.environ if env is None else env
    raw = env.get("CODEX_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".codex"


#: The folders of rollouts inside ``$CODEX_HOME``.
ROLLOUT_DIRS = ("sessions", "archived_sessions")


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """``sessions/`` and ``archived_sessions/`` of ``$CODEX_HOME``, those that exist."""
    home = codex_home(env)
    return [home / d for d in ROLLOUT_DIRS if (home / d).is_dir()]


def present(env: Mapping[str, str] | None = None) -> bool:
    """Whether Codex is on this machine: its home exists or ``codex`` is on PATH."""
    import shutil

    env = os.environ if env is None else env
    return codex_home(env).is_dir() or shutil.which("codex", path=env.get("PATH")) is not None


def _is_rollout(name: str) -> bool:
    return name.endswith(".jsonl") or name.endswith(".jsonl.zst")


def walk_rollouts(root: Path) -> Iterator[str]:
    """Every ``*.jsonl`` and ``*.jsonl.zst`` under ``root``, sorted; a compressed
    file whose plain sibling exists is left out (Codex's own rule: the plain file is
    the one in use, ``codex-rs/rollout/src/compression.rs``). Regular files only."""
    found = walk(str(root), lambda _folder, name: _is_rollout(name))
    names = set(found)
    found = [p for p in found if not (p.endswith(".zst") and p[: -len(".zst")] in names)]
    found.sort()
    yield from found



def transcripts(paths: list[Path]) -> list[str]:
    """Rollouts to read for ``paths`` (files, folders, or a Codex home holding
    ``sessions/`` and ``archived_sessions/``), each once."""
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        resolved = _resolve(str(p))
        if resolved is None:
            continue
        real = Path(resolved)
        try:
            if real.is_file():
                candidates: list[str] = [str(real)]
            elif any((real / d).is_dir() for d in ROLLOUT_DIRS):
                candidates = [f for d in ROLLOUT_DIRS for f in walk_rollouts(real / d)]
            else:
                candidates = list(walk_rollouts(real))
        except OSError:
            continue
        for path in candidates:
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


#: Most day folders :func:`find_rollouts` looks into (newest first) before giving up.
MAX_DAY_FOLDERS = 400


def _sorted_dirs(path: str) -> list[str]:
    try:
        with os.scandir(path) as it:
            names = [e.name for e in it if e.name.isdigit() and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
    return sorted(names, reverse=True)


def find_rollouts(thread: str, env: Mapping[str, str] | None = None) -> list[str]:
    """The plain rollouts of ``thread`` in ``$CODEX_HOME/sessions``, newest day first.

    A name ends with ``-<thread>.jsonl`` (or ``-<thread>_<rollout>.jsonl`` for a
    reverted thread). Lists folders only (no file is opened) and stops at the first
    day folder that holds one, after at most :data:`MAX_DAY_FOLDERS` folders."""
    if not thread or "/" in thread or "\0" in thread or len(thread) > 200:
        return []
    root = str(codex_home(env) / "sessions")
    exact, revert = f"-{thread}.jsonl", f"-{thread}_"
    visited = 0
    for year in _sorted_dirs(root):
        ydir = os.path.join(root, year)
        for month in _sorted_dirs(ydir):
            mdir = os.path.join(ydir, month)
            for day in _sorted_dirs(mdir):
                visited += 1
                if visited > MAX_DAY_FOLDERS:
                    return []
                ddir = os.path.join(mdir, day)
                try:
                    with os.scandir(ddir) as it:
                        hits = [
                            e.path for e in it
                            if (e.name.endswith(exact) or (revert in e.name and e.name.endswith(".jsonl")))
                            and e.is_file()
                        ]
                except OSError:
                    continue
                if hits:
                    return sorted(hits)
    return []


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """Rollouts a hook payload points at.

    ``Stop``/``SubagentStop`` (``hooks.json``): ``transcript_path`` and
    ``agent_transcript_path``; when neither names a file (``transcript_path`` is
    nullable), the rollout of ``session_id``. ``notify`` (``config.toml``; the JSON
    is the last argv word, kebab-case keys): the rollout of ``thread-id``.
    Regular plain files only: the hook never decompresses."""
    out: list[str] = []
    for key in ("transcript_path", "agent_transcript_path"):
        path = _resolve(payload.get(key))
        if path is not None and path not in out and not path.endswith(".zst") and os.path.isfile(path):
            out.append(path)
    if out:
        return out
    for key in ("session_id", "thread-id", "thread_id"):
        thread = payload.get(key)
        if isinstance(thread, str) and thread:
            found = find_rollouts(thread)
            if found:
                return found
    return out


# -- settings files and the installer's targets -------------------------------------------

SCOPES: tuple[str, ...] = ("user", "project")


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The hooks file of a scope: user ``$CODEX_HOME/hooks.json`` (``~/.codex``),
    project ``<cwd>/.codex/hooks.json`` (``codex-rs/hooks/src/engine/discovery.rs``:
    ``hooks.json`` beside each config layer)."""
    if scope == "user":
        return codex_home(env) / "hooks.json"
    if scope == "project":
        return (cwd or Path.cwd()) / ".codex" / "hooks.json"
    raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")


def config_path(scope: str = "user", env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """``$CODEX_HOME/config.toml``: where ``notify`` is (user scope only)."""
    if scope != "user":
        raise ValueError(f"notify is set in the user's config.toml only, not in scope {scope!r}")
    return codex_home(env) / "config.toml"


#: The Codex version from which hooks are stable and on by default (``codex_hooks``
#: marked stable in openai/codex#19012, released in rust-v0.124.0). Below it,
#: ``notify`` is the fallback.
HOOKS_STABLE_VERSION: tuple[int, int, int] = (0, 124, 0)


def codex_version(env: Mapping[str, str] | None = None, timeout: float = 3.0) -> tuple[int, int, int] | None:
    """``codex --version`` (``codex-cli 0.171.0``) as numbers; None when Codex is not on
    PATH, does not answer within ``timeout`` seconds, or prints something else."""
    import re
    import shutil
    import subprocess

    env = dict(os.environ if env is None else env)
    exe = shutil.which("codex", path=env.get("PATH"))
    if exe is None:
        return None
    try:
        st = os.stat(exe)
    except OSError:
        return None
    key = (os.path.realpath(exe), st.st_mtime_ns, st.st_size)
    if key in _VERSIONS:  # install, status and doctor each ask: run the program once
        return _VERSIONS[key]
    try:
        proc = subprocess.run(
            [exe, "--version"], capture_output=True, text=True, timeout=timeout, env=env,
            stdin=subprocess.DEVNULL, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", proc.stdout or "")
    version = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    _VERSIONS[key] = version
    return version


#: ``codex --version`` answers, by the program's real path, mtime and size.
_VERSIONS: dict[tuple[str, int, int], tuple[int, int, int] | None] = {}


def hooks_unavailable(env: Mapping[str, str] | None = None) -> bool:
    """Whether this machine's Codex predates stable hooks (:data:`HOOKS_STABLE_VERSION`):
    then ``notify`` is installed as well. An unknown version (no ``codex`` on PATH, no
    answer) counts as a current one: hooks.json only."""
    version = codex_version(env)
    return version is not None and version < HOOKS_STABLE_VERSION


#: Codex's label of an event in its hook-state keys (``codex-rs/hooks/src/lib.rs``:
#: ``hook_event_key_label``).
_EVENT_LABELS = {"Stop": "stop", "SubagentStop": "subagent_stop"}


def _our_positions(path: Path) -> dict[str, tuple[int, int]]:
    """Event -> (group index, handler index) of our entry in a hooks.json."""
    from hooks.installer import SettingsError, is_ours, load

    try:
        data = load(path).data
    except SettingsError:
        return {}
    out: dict[str, tuple[int, int]] = {}
    hooks = data.get("hooks")
    for event, groups in (hooks.items() if isinstance(hooks, dict) else ()):
        for g, group in enumerate(groups if isinstance(groups, list) else ()):
            entries = group.get("hooks") if isinstance(group, dict) else None
            for h, entry in enumerate(entries if isinstance(entries, list) else ()):
                if isinstance(entry, dict) and is_ours(entry.get("command")) and event not in out:
                    out[event] = (g, h)
    return out


def hook_states(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``[hooks.state]`` of the user's ``config.toml``: where Codex records that the
    user trusted (``trusted_hash``) or disabled (``enabled = false``) a hook, keyed
    ``<hooks.json path>:<event label>:<group>:<handler>``
    (``codex-rs/hooks/src/config_rules.rs``, ``engine/discovery.rs``)."""
    import tomllib

    try:
        with open(config_path("user", env), "rb") as f:
            config = tomllib.load(f)
    except (OSError, ValueError):
        return {}
    hooks = config.get("hooks")
    state = hooks.get("state") if isinstance(hooks, dict) else None
    return state if isinstance(state, dict) else {}


def project_trusted(project: Path, env: Mapping[str, str] | None = None) -> bool:
    """Whether the user's ``config.toml`` trusts ``project`` (``[projects."<path>"]
    trust_level = "trusted"``, recorded when the user answers Codex's trust prompt in
    that folder): Codex reads a project's ``.codex/hooks.json`` only then (seen with
    Codex 0.171: ``hooks/list`` shows nothing of an untrusted project's file)."""
    import tomllib

    try:
        with open(config_path("user", env), "rb") as f:
            config = tomllib.load(f)
    except (OSError, ValueError):
        return False
    projects = config.get("projects")
    if not isinstance(projects, dict):
        return False
    for key in {str(project), str(project.absolute()), os.path.realpath(project)}:
        entry = projects.get(key)
        if isinstance(entry, dict) and entry.get("trust_level") == "trusted":
            return True
    return False


def codex_hook_list(cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 5.0) -> list[dict[str, Any]] | None:
    """Codex's own view of its hooks: ``hooks/list`` of ``codex app-server`` (JSON-RPC over
    stdio, ``codex-rs/app-server-protocol``), each with its ``sourcePath``, ``eventName``,
    ``command``, ``enabled`` and ``trustStatus`` (``trusted``, ``untrusted``,
    ``modified``, ``managed``). None when Codex is not on PATH, is older than that API,
    or does not answer within ``timeout`` seconds."""
    import selectors
    import shutil
    import subprocess

    env = dict(os.environ if env is None else env)
    exe = shutil.which("codex", path=env.get("PATH"))
    if exe is None:
        return None
    try:
        proc = subprocess.Popen([exe, "app-server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, env=env, cwd=str(cwd) if cwd.is_dir() else None)
    except OSError:
        return None
    assert proc.stdin is not None and proc.stdout is not None
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    buf = b""

    def send(msg: dict[str, Any]) -> None:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(msg).encode() + b"\n")
        proc.stdin.flush()

    def answer(i: int) -> dict[str, Any] | None:
        nonlocal buf
        while True:
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(msg, dict) and msg.get("id") == i:
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                return None
            assert proc.stdout is not None
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                return None
            buf += chunk

    try:
        sel.register(proc.stdout, selectors.EVENT_READ)
        send({"id": 1, "method": "initialize",
              "params": {"clientInfo": {"name": "tokenprint", "version": "1"}, "capabilities": {"experimentalApi": True}}})
        if answer(1) is None:
            return None
        send({"method": "initialized"})
        send({"id": 2, "method": "hooks/list", "params": {"cwds": [str(cwd)]}})
        listing = answer(2)
    except (OSError, ValueError):
        return None
    finally:
        sel.close()
        proc.kill()
        proc.wait()
    result = listing.get("result") if isinstance(listing, dict) else None
    data = result.get("data") if isinstance(result, dict) else None
    if not isinstance(data, list):
        return None
    return [h for entry in data if isinstance(entry, dict) for h in entry.get("hooks") or [] if isinstance(h, dict)]


#: ``eventName`` of ``hooks/list`` -> our event names.
_LISTED_EVENTS = {"stop": "Stop", "subagentStop": "SubagentStop"}


def _trust_from_codex(path: Path, cwd: Path) -> dict[str, tuple[str, bool]] | None:
    """Event -> (trust status, enabled) of our entries in ``path``, as Codex says."""
    from hooks.installer import is_ours

    listed = codex_hook_list(cwd)
    if listed is None:
        return None
    where = str(path.absolute())
    out: dict[str, tuple[str, bool]] = {}
    for h in listed:
        if h.get("sourcePath") == where and is_ours(h.get("command")):
            event = _LISTED_EVENTS.get(str(h.get("eventName")), str(h.get("eventName")))
            out.setdefault(event, (str(h.get("trustStatus")), h.get("enabled") is not False))
    return out


def _trust_from_config(path: Path) -> dict[str, tuple[str, bool]]:
    """The same from ``[hooks.state]`` alone (no Codex to ask): ``trusted`` where a trust
    is recorded for our entry's key (its hash is not checked), else ``untrusted``."""
    states = hook_states()
    where = str(path.absolute())
    out: dict[str, tuple[str, bool]] = {}
    for event, (g, h) in _our_positions(path).items():
        suffix = f":{_EVENT_LABELS.get(event, event.lower())}:{g}:{h}"
        state = next((v for k, v in states.items()
                      if isinstance(k, str) and k.strip() in (where + suffix, "file:" + where + suffix)), None)
        trusted = isinstance(state, dict) and isinstance(state.get("trusted_hash"), str)
        enabled = not (isinstance(state, dict) and state.get("enabled") is False)
        out[event] = ("trusted" if trusted else "untrusted", enabled)
    return out


def trust_notes(scope: str, path: Path, status: Any) -> list[str]:
    """Notes for ``hooks status codex``: Codex runs a hook that is not centrally managed
    only once the user has trusted it in ``/hooks`` (``engine/discovery.rs``: the hook's
    normalised definition hashed and compared with the ``trusted_hash`` recorded in
    ``[hooks.state]`` of ``$CODEX_HOME/config.toml``, keyed ``<hooks.json>:<event>:<group>:
    <handler>``). Codex itself is asked first (``hooks/list``, which computes the hash);
    without it, a trust recorded for our entry's key counts as trusted."""
    if not status.installed:
        return []
    cwd = path.parent.parent if scope == "project" else Path.home()
    if scope == "project" and not project_trusted(cwd):
        return [f"Codex ignores {path} until you trust the project itself: start `codex` in {cwd} "
                "and answer yes when it asks whether to trust this folder (it records "
                f'[projects."{cwd}"] trust_level = "trusted" in {config_path("user")}); '
                "then trust the tokenprint-hook entries once in /hooks"]
    states = _trust_from_codex(path, cwd)
    if states is None:
        states = _trust_from_config(path)
    untrusted = [e for e in HOOK_EVENTS if e in states and states[e][1] and states[e][0] == "untrusted"]
    modified = [e for e in HOOK_EVENTS if e in states and states[e][1] and states[e][0] == "modified"]
    disabled = [e for e in HOOK_EVENTS if e in states and not states[e][1]]
    how = ("Start `codex`, type /hooks, select the tokenprint-hook entries and trust them "
           f"(Codex records it under [hooks.state] in {config_path('user')})")
    notes: list[str] = []
    if untrusted:
        notes.append(f"not yet trusted by Codex ({', '.join(untrusted)}): Codex runs it only after you "
                     f"approve it once. {how}")
    if modified:
        notes.append(f"changed since Codex trusted it ({', '.join(modified)}): Codex does not run it until "
                     f"you approve it again. {how}")
    if disabled:
        notes.append(f"disabled in Codex ({', '.join(disabled)}): enable it again in /hooks")
    return notes


#: What ``tokenprint hooks install codex`` edits: ``hooks.json`` (Stop, SubagentStop;
#: timeout in seconds), and, on a Codex older than :data:`HOOKS_STABLE_VERSION`,
#: ``notify`` in ``config.toml`` (a user's existing notify program still called).
INSTALL: tuple[Target, ...] = (
    JsonHooks(events=HOOK_EVENTS, timeout=10, settings_path=settings_path, scopes=SCOPES, notes=trust_notes),
    NotifyTarget(config_path=config_path, applies_fn=hooks_unavailable,
                 when="only for a Codex older than 0.124, which has no stable hooks"),
)


#: What ``tokenprint mcp install codex`` edits: ``[mcp_servers.tokenprint]`` in the user's
#: config.toml, as ``codex mcp add tokenprint -- tokenprint mcp`` (0.171) writes it.
MCP_INSTALL: tuple[Target, ...] = (McpServerTable(config_path=config_path),)
