"""Gemini CLI: where a chat record becomes a ledger event.

Standard library only: ``tokenprint-hook gemini-cli`` runs this on every turn.

Where the files are (``packages/core/src/config/storage.ts``, ``utils/paths.ts``):
``<home>/.gemini/tmp/<project dir>/chats/``, ``<home>`` being ``$GEMINI_CLI_HOME``
when set, else ``~``. ``<project dir>`` is a short slug registered in
``<home>/.gemini/projects.json`` (``{"projects": {"/abs/root": "slug"}}``, since
v0.29; ``config/projectRegistry.ts``, with a ``.project_root`` marker file in the
folder) or, in older installs, the sha256 of the project root; both can be on disk.

Two file kinds (``packages/core/src/services/chatRecordingService.ts``):

- the legacy ``session-<YYYY-MM-DDTHH-MM>-<id8>.json``: one JSON document
  ``{sessionId, projectHash, startTime, lastUpdated, messages[], kind?}``,
  rewritten whole on every change. :func:`parse` consumes nothing of it until
  ``at_eof`` and then the whole document; a rewrite changes its first bytes
  (``lastUpdated``) or the bytes before the stored offset, so ``hooks.tail`` reads it
  again from the start (the ledger's upsert counts each message once);
- ``session-<...>.jsonl`` (from v0.39), append-only: a metadata line, then every
  message record appended in full each time it changes (``pushMessage``): the last
  record for an ``id`` wins, and tokens often arrive in a later copy of the same id
  (``recordMessageTokens`` fills the last gemini message's ``tokens``). ``{"$set":
  {...}}`` records update the metadata (``sessionId`` after a resume, ``kind``...);
  a ``$set`` carrying ``messages`` is a checkpoint (``updateMessagesFromHistory``)
  whose messages are read like any other record. ``{"$rewindTo": id}`` hides that
  message and the later ones from the conversation, but those requests were made:
  they stay counted (the rewind record is passed over).
- subagents: ``chats/<parentSessionId>/<sessionId>.jsonl`` (``kind: "subagent"``).

A resumed legacy ``.json`` is migrated into ``<same name>.jsonl`` with the same
``sessionId`` and the same message ids (``initialize``: ``conversationFile + 'l'``);
the ``.json`` stays on disk. The event id is the message id (a ``randomUUID``),
so the session is counted once through the ledger's idempotent upsert.

Counting (``TokensSummary`` in ``services/chatRecordingTypes.ts``, filled from the
API's ``usageMetadata``):

- one request per ``gemini`` message that has ``tokens`` (Gemini CLI records one
  ``recordMessageTokens`` per successful response, ``core/geminiChat.ts``);
- ``input`` is ``promptTokenCount`` and includes ``cached``
  (``cachedContentTokenCount``): fresh input = input - cached, cache read = cached;
- ``tool`` is ``toolUsePromptTokenCount``: prompt tokens of tool use, *apart* from
  ``promptTokenCount`` (the API's ``totalTokenCount`` is prompt + candidates +
  tool-use prompt + thoughts; Gemini CLI's own ``/stats`` shows it as its own row,
  ``telemetry/uiTelemetry.ts``): it is added to fresh input, which the model read;
- ``output`` = ``candidatesTokenCount``; ``thoughts`` (``thoughtsTokenCount``) is
  apart from it and becomes ``reasoning_tokens``;
- the model is the message's ``model``; a message with tokens and no model (a
  synthetic gemini message, ``recordSyntheticMessage``) takes the latest model
  seen in the file, else ``unknown`` (as Gemini CLI's ``/stats`` does);
- the instant is the message's ``timestamp`` (the same in every copy); the
  session is the file's ``sessionId``; the project is the project root, found from
  the file's ``projectHash`` (sha256 of the root) through ``projects.json`` and the
  folders' ``.project_root`` markers (:func:`known_roots`), else the hash itself;
- no text is kept: message content, thoughts, tool calls, summaries stay out.

The adapter is stateful (``STATEFUL``): the file's ``sessionId``, ``projectHash``
and latest model come from earlier lines than the ones a later read sees, so they
are carried between reads in the position's state (``hooks.tail``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from hooks.fields import count as _count
from hooks.fields import decode as _decode
from hooks.fields import latest_ms
from hooks.fields import resolve as _resolve
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed, files_in, walk
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
)

CLIENT = "gemini-cli"
NAME = "Gemini CLI"
#: What ``import`` and ``hooks status`` call its sources.
SOURCE_NOUN = "chats"
SOURCE = "chat"
PROVIDER = "google"
#: Read positions carry the adapter's state (session, project, latest model).
STATEFUL = True
#: Hook events the installer registers: AfterAgent (end of each turn) and SessionEnd.
HOOK_EVENTS: tuple[str, ...] = ("AfterAgent", "SessionEnd")
#: Hook timeout as Gemini CLI reads it: milliseconds (``hooks/hookRunner.ts``).
HOOK_TIMEOUT_MS = 10000
UNKNOWN_MODEL = "unknown"

_loads = json.loads
_fromiso = datetime.fromisoformat
#: A line that may be one of ours: it holds tokens, a model or the file's metadata (a
#: JSON key, unescaped: the same word inside a string is preceded by a backslash). A
#: line that does not decode to an object is a counted skip only when it matches.
_WANTED = re.compile(rb'"(?:tokens|model|\$set|sessionId|projectHash)"')


# -- the pure part --------------------------------------------------------------------


#: The ``TokensSummary`` fields read, in the order event_from_message takes them.
_TOKEN_KEYS = ("input", "cached", "output", "thoughts", "tool")



def _ts_ms(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("timestamp")
    return _iso_ms(value)


def _iso_ms_uncached(value: str) -> int:
    """Milliseconds of an ISO instant (UTC when it names no zone). Raises as
    ``fromisoformat`` does."""
    dt = _fromiso(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return round(dt.timestamp() * 1000)


#: Cached: every copy of a message (``pushMessage`` appends one per change) repeats its
#: timestamp.
_iso_ms = functools.lru_cache(maxsize=4096)(_iso_ms_uncached)



def _metadata(obj: Mapping[str, Any], state: dict[str, Any]) -> None:
    """Take the session id, project hash and kind a metadata record or ``$set`` states."""
    for key, short in (("sessionId", "sid"), ("projectHash", "ph"), ("kind", "kind")):
        value = _text(obj.get(key))
        if value is not None and len(value) <= MAX_TEXT_CHARS:
            state[short] = value


def event_from_message(
    msg: Any,
    state: dict[str, Any],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
    copies: dict[str, tuple[Any, ...]] | None = None,
) -> Event | None:
    """The event of one message record, or None (``skips`` says why when it had tokens).
    Updates ``state["model"]`` with the message's model.

    ``copies`` (one read's): what each event id's event was made from, so that a later
    copy of the message that would make the same event again is passed over."""
    if type(msg) is not dict:
        return None
    get = msg.get
    is_gemini = get("type") == "gemini"
    model = _text(get("model"))
    if model is not None and is_gemini and len(model) <= MAX_TEXT_CHARS:
        state["model"] = model
    tokens = get("tokens")
    if tokens is None:
        return None  # a user message, or a gemini message whose tokens come in a later copy
    checked = type(tokens) is tuple  # fast_loads's: five counts it has checked
    if not checked and type(tokens) is not dict:
        _skip(skips, "bad-usage")
        return None
    if not is_gemini:
        _skip(skips, "not-assistant")
        return None
    event_id = _text(get("id"))
    if event_id is None:
        _skip(skips, "no-id")
        return None
    timestamp = get("timestamp")
    copy: tuple[Any, ...] = ()
    if checked and copies is not None:
        # Gemini CLI appends a message whole each time it changes (``pushMessage``: with its
        # text, again when ``recordMessageTokens`` fills its tokens, again for each
        # ``recordToolCalls``) and sets its timestamp and model once, its tokens once
        # (only when empty; chatRecordingService.ts). A copy whose counts, timestamp, model
        # and file context (the latest model, session, project hash) are those of a copy
        # already made into an event in this read would make that very event again, which
        # _keep merges into the kept one to no change (largest counts, earliest instant,
        # first known model, session and project): it is not built. Only for the
        # decoder's checked counts: a tuple of ints compares exactly (in a dict, True == 1).
        copy = (tokens, timestamp, model, state.get("model"), state.get("sid"), state.get("ph"))
        if copies.get(event_id) == copy:
            return None
    try:
        ts_ms = _ts_ms(timestamp)
    except (ValueError, TypeError, OverflowError):
        _skip(skips, "bad-timestamp")
        return None
    if ts_ms < EARLIEST_MS or ts_ms > latest:
        _skip(skips, FAR_INSTANT)
        return None
    if checked:
        prompt, cached, output, thoughts, tool = tokens
    else:
        try:
            # A non-negative int is taken as it is (what Gemini CLI writes); anything else
            # is judged by _count (absent: 0; an integral float: its int; else ValueError).
            prompt, cached, output, thoughts, tool = [
                v if type(v) is int and v >= 0 else _count(tokens, name)
                for name, v in zip(_TOKEN_KEYS, map(tokens.get, _TOKEN_KEYS), strict=True)
            ]
        except ValueError:
            _skip(skips, "bad-usage")
            return None
    cache_read = cached
    fresh = prompt - min(cached, prompt) + tool
    if max(fresh, cache_read, output, thoughts) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    if model is None or len(model) > MAX_TEXT_CHARS:
        model = state.get("model") or UNKNOWN_MODEL
    if len(event_id) > MAX_TEXT_CHARS:
        _skip(skips, LONG_TEXT)
        return None
    ph = state.get("ph")
    project = roots.get(ph, ph) if ph is not None else None
    if project is not None and len(project) > MAX_TEXT_CHARS:
        project = ph
    if copy:
        copies[event_id] = copy  # type: ignore[index]
    return Event(
        CLIENT, event_id, model, ts_ms, PROVIDER, state.get("sid"), project,
        fresh, 0, cache_read, output, thoughts, 1, None, SOURCE,
    )


def _keep(ev: Event, events: list[Event], seen: dict[str, Event]) -> None:
    """Add ``ev``, or merge it into the copy of the same message already kept: the
    ledger's own rule (largest counts, earliest instant), done early. Gemini CLI sets
    a message's tokens once (``recordMessageTokens`` only fills empty ``tokens``), so
    the largest is the last record's."""
    prev = seen.get(ev.event_id)
    if prev is None:
        seen[ev.event_id] = ev
        events.append(ev)
        return
    if ev.input_tokens > prev.input_tokens:
        prev.input_tokens = ev.input_tokens
    if ev.cache_read_tokens > prev.cache_read_tokens:
        prev.cache_read_tokens = ev.cache_read_tokens
    if ev.output_tokens > prev.output_tokens:
        prev.output_tokens = ev.output_tokens
    if ev.reasoning_tokens > prev.reasoning_tokens:
        prev.reasoning_tokens = ev.reasoning_tokens
    if ev.ts_ms < prev.ts_ms:
        prev.ts_ms = ev.ts_ms
    if prev.model == UNKNOWN_MODEL and ev.model != UNKNOWN_MODEL:
        prev.model = ev.model
    prev.session = prev.session or ev.session
    prev.project = prev.project or ev.project


def _record(
    obj: Any,
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> None:
    """One decoded record of either file kind."""
    if type(obj) is not dict:
        _skip(skips, "not-an-object")
        return
    messages: Any = None
    if "$rewindTo" in obj:
        return  # the rewound messages were requests all the same: they stay counted
    if "$set" in obj:
        update = obj["$set"]
        if type(update) is not dict:
            return
        _metadata(update, state)
        messages = update.get("messages")
    elif "sessionId" in obj and "id" not in obj:
        _metadata(obj, state)  # the metadata line, or a whole legacy document
        messages = obj.get("messages")
    else:
        ev = event_from_message(obj, state, skips, latest, roots, out[2])
        if ev is not None:
            _keep(ev, out[0], out[1])
        return
    if type(messages) is list:
        for msg in messages:
            ev = event_from_message(msg, state, skips, latest, roots, out[2])
            if ev is not None:
                _keep(ev, out[0], out[1])



# -- the backfill's fast path (msgspec structs) --------------------------------------------
#
# The backfill reads ~200 MB of chats: decoding each record into the dict _record reads
# and walking it through _record and event_from_message was half of the parse's CPU
# time. Here the common records are read straight from fast_loads's structs, and
# anything odd (a record msgspec refuses, a message that would be skipped) goes down the
# careful path above, which counts its skip. The two give the same events, skips and
# state (tests/hooks/test_fast_decoders.py and test_gemini_fast_path.py compare them
# with json.loads's reading). Measured on the bench corpus (53,115 lines, 721 files):
# parse CPU median 0.59 -> 0.31 s; callgrind, a fifth of the files: 517M -> 356M
# instructions, of which msgspec's decode is 209M (its string skipping alone 150M: the
# floor while every line must be validated) and these functions ~85M.


def _text_ok(value: Any) -> bool:
    """A struct's string field is a short metadata text as :func:`hooks.fields.text`
    would keep it unchanged: msgspec refuses a lone surrogate escape (the line goes
    to json.loads), so a str it decoded always encodes."""
    return type(value) is str and 0 < len(value) <= MAX_TEXT_CHARS


def _message_fast(
    m: Any,
    fast: _Fast,
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> None:
    """:func:`event_from_message` and :func:`_keep` for a message struct (a line's
    ``Record`` or a listed ``Message``) that makes an event or a known copy of one;
    every other message is handed to them as the dict they read."""
    is_gemini = m.type == "gemini"
    model = m.model
    if type(model) is not str or not 0 < len(model) <= MAX_TEXT_CHARS:  # _text_ok, inlined
        model = None
    elif is_gemini:
        state["model"] = model
    tokens = m.tokens
    if tokens is None:
        return  # a user message, or a gemini message whose tokens come in a later copy
    event_id = m.id
    timestamp = m.timestamp
    if not (is_gemini and _text_ok(event_id) and type(timestamp) is str):
        ev = event_from_message(fast.as_message(m), state, skips, latest, roots, out[2])
        if ev is not None:
            _keep(ev, out[0], out[1])
        return
    copies = out[2]
    latest_model = state.get("model")
    sid = state.get("sid")
    ph = state.get("ph")
    copy = (tokens, timestamp, model, latest_model, sid, ph)
    if copies.get(event_id) == copy:
        return
    try:
        ts_ms = _iso_ms_uncached(timestamp)  # the copies that would hit the cache were passed over
    except (ValueError, TypeError, OverflowError):
        _skip(skips, "bad-timestamp")
        return
    if ts_ms < EARLIEST_MS or ts_ms > latest:
        _skip(skips, FAR_INSTANT)
        return
    prompt = tokens.input
    cached = tokens.cached
    output = tokens.output
    thoughts = tokens.thoughts
    fresh = prompt - (cached if cached < prompt else prompt) + tokens.tool
    if fresh > MAX_TOKENS_PER_REQUEST or cached > MAX_TOKENS_PER_REQUEST or output > MAX_TOKENS_PER_REQUEST \
            or thoughts > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return
    if model is None:
        model = latest_model or UNKNOWN_MODEL
    project = roots.get(ph, ph) if ph is not None else None
    if project is not None and len(project) > MAX_TEXT_CHARS:
        project = ph
    copies[event_id] = copy
    ev = Event(CLIENT, event_id, model, ts_ms, PROVIDER, sid, project, fresh, 0, cached, output, thoughts, 1,
               None, SOURCE)
    seen = out[1]
    if event_id in seen:
        _keep(ev, out[0], seen)
    else:  # _keep's first case
        seen[event_id] = ev
        out[0].append(ev)


def _metadata_fast(u: Any, state: dict[str, Any]) -> None:
    """:func:`_metadata` of an ``Update`` or metadata ``Record`` struct."""
    for value, short in ((u.session_id, "sid"), (u.project_hash, "ph"), (u.kind, "kind")):
        if _text_ok(value):
            state[short] = value


def _record_fast(
    r: Any,
    fast: _Fast,
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> None:
    """:func:`_record` of a ``Record`` struct, in its order of branches."""
    unset = fast.unset
    if r.rewind is not unset:
        return  # the rewound messages were requests all the same: they stay counted
    if r.set is not unset:
        r = r.set  # an Update struct (a $set that is not an object went to json.loads)
    elif r.id is not unset or r.session_id is unset:
        _message_fast(r, fast, state, out, skips, latest, roots)
        return
    # A $set (most only set lastUpdated: 8,106 of the bench's lines), the metadata line
    # or a whole legacy document.
    if r.session_id is not None or r.project_hash is not None or r.kind is not None:
        _metadata_fast(r, state)
    if r.messages is not None:
        for m in r.messages:
            _message_fast(m, fast, state, out, skips, latest, roots)


def _lines_fast(
    data: bytes,
    end: int,
    fast: _Fast,
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> None:
    """The complete lines of ``data[:end]``, read as :func:`parse`'s loop reads them."""
    records = fast.records
    unset = fast.unset
    search = _WANTED.search
    find = data.find
    # msgspec reads a memoryview: the line is not copied (177 MB of the bench corpus's lines).
    view = memoryview(data)
    pos = 0
    while pos < end:
        start = pos
        nl = find(b"\n", start, end)
        pos = nl + 1
        try:
            r = records(view[start:nl])
        except Exception:  # noqa: BLE001 - msgspec refused it: read as json.loads reads it
            _line(data[start:nl], fast, search, state, out, skips, latest, roots)
            continue
        if r.id is not unset and r.rewind is unset and r.set is unset:  # a message: _record_fast's branch
            _message_fast(r, fast, state, out, skips, latest, roots)
        else:
            _record_fast(r, fast, state, out, skips, latest, roots)


def _whole_fast(
    blob: bytes,
    loads: Callable[[bytes], Any],
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> bool:
    """Read one whole record (a legacy document, or a last line without its newline)
    from its struct; False when there is no struct (not the fast decoder, or msgspec
    refused it: the caller reads it as json.loads reads it). A legacy document written
    on one line is such a last line: 74 of the bench corpus's 75, with 3,243 messages."""
    if not isinstance(loads, _Fast):
        return False
    try:
        r = loads.records(blob)
    except Exception:  # noqa: BLE001 - msgspec refused it
        return False
    _record_fast(r, loads, state, out, skips, latest, roots)
    return True


def _line(
    line: bytes,
    loads: Callable[[bytes], Any],
    search: Callable[[bytes], Any],
    state: dict[str, Any],
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]],
    skips: dict[str, int],
    latest: int,
    roots: Mapping[str, str],
) -> None:
    """One complete line (see :func:`parse`'s loop)."""
    # Nearly every line is one of ours (the pattern would pass 98% of the bytes):
    # it is decoded first. Only a line that does not decode to an object is judged
    # by the pattern, so that garbage holding none of the keys is passed over without
    # a skip, as before; an object without them changes nothing (_record finds no
    # tokens, model or metadata in it). One whose key is written with an escape
    # (``"tok\u0065ns"``, which JSON.stringify never writes) is read as JSON means it.
    try:
        obj = loads(line)
    except Exception:  # noqa: BLE001 - decoded again by fields.decode, which counts why
        if search(line) is not None:
            _decode(line, loads, skips)
        return
    if type(obj) is dict or search(line) is not None:
        _record(obj, state, out, skips, latest, roots)


def parse(
    data: bytes,
    at_eof: bool,
    loads: Callable[[bytes], Any] = _loads,
    state: dict[str, Any] | None = None,
    roots: Mapping[str, str] | None = None,
) -> Parsed:
    """Events from chat-file bytes that start at a record boundary.

    ``state`` is the file's context carried between reads (updated in place; {} or
    None at the start of a file): ``sid``, ``ph``, ``kind``, ``model`` and ``mode``
    (``doc`` for a legacy document, ``lines`` for a ``.jsonl``). ``roots`` maps
    project hashes to roots (default: :func:`known_roots`).

    A ``.jsonl`` is read line by line (complete lines only; an unterminated last line
    at EOF is consumed when it already parses). A legacy document (its first line is
    ``{`` alone) is consumed only at EOF, whole, once it parses. Never raises on what
    the bytes hold: a bad line is skipped and counted.
    """
    if state is None:
        state = {}
    if roots is None:
        roots = known_roots()
    events: list[Event] = []
    out: tuple[list[Event], dict[str, Event], dict[str, tuple[Any, ...]]] = (events, {}, {})
    skips: dict[str, int] = {}
    latest = latest_ms()
    mode = state.get("mode")
    if mode is None:
        first = data[:4096].lstrip()[:64].split(b"\n", 1)[0].strip()
        if first == b"{":
            mode = "doc"
        elif first:
            mode = "lines"
    if mode == "doc":
        if not at_eof:
            return Parsed([], 0)
        if _whole_fast(data, loads, state, out, skips, latest, roots):
            state["mode"] = "doc"
            return Parsed(events, len(data), skips)
        ok, obj = _decode(data, loads, {})
        if not ok:
            # Being rewritten (or damaged): nothing is consumed, so the next change of
            # the file reads it again from its start.
            return Parsed([], 0)
        state["mode"] = "doc"
        _record(obj, state, out, skips, latest, roots)
        return Parsed(events, len(data), skips)
    consumed = data.rfind(b"\n") + 1
    end = consumed
    tail = b""
    if at_eof and consumed < len(data):
        tail = data[consumed:]
    if isinstance(loads, _Fast):
        _lines_fast(data, end, loads, state, out, skips, latest, roots)
    else:
        search = _WANTED.search
        pos = 0
        find = data.find
        while pos < end:
            nl = find(b"\n", pos, end)
            line = data[pos:nl]
            pos = nl + 1
            _line(line, loads, search, state, out, skips, latest, roots)
    if tail.strip():
        stripped = tail.strip()
        if stripped[:1] == b"{" and stripped[-1:] == b"}" \
                and _whole_fast(stripped, loads, state, out, skips, latest, roots):
            consumed = len(data)
        elif stripped[:1] == b"{" and stripped[-1:] == b"}":
            try:
                obj = loads(stripped)
            except (ValueError, RecursionError):
                obj = None  # maybe still being written: left for the next read
            except Exception:  # noqa: BLE001
                obj = None
            if obj is not None:
                _record(obj, state, out, skips, latest, roots)
                consumed = len(data)
    if consumed and mode is not None:
        state["mode"] = mode
    return Parsed(events, consumed, skips)


def fast_loads() -> _Fast | None:
    """A faster decoder for the backfill (never the hook): msgspec when installed; a
    line it rejects (a lone surrogate escape, not an object, a count that is not a
    non-negative int...) is decoded by ``json.loads``, so it is read as the hook reads it.

    It builds only what :func:`_record` and :func:`event_from_message` read (a
    message's ``content``, ``thoughts`` and ``toolCalls``, nearly all of the bytes, are
    validated, not built), as a dict :func:`_record` takes the same way: only the
    presence of ``$rewindTo``, ``$set``, ``sessionId`` and ``id`` is tested (``in``),
    so those four are given only when the record has them; every other field is read
    with ``.get``, for which None and absent are the same. A message's ``tokens`` is
    given as the tuple of its five counts (``_TOKEN_KEYS``; absent: 0), once msgspec
    has checked each is a non-negative int: what :func:`event_from_message` would find,
    without its checks (``json.loads`` never makes a tuple).

    The backfill's :func:`parse` does not take that dict for most records: it reads
    the ``Record`` struct itself (:class:`_Fast` ``records``, :func:`_lines_fast`)."""
    try:
        import msgspec
    except ImportError:
        return None
    unset = msgspec.UNSET
    # A bool, a float or a null is refused (json.loads reads that line): a count is an int,
    # 0 when absent (Gemini CLI writes every count, ``?? 0``: chatRecordingService.ts).
    count = Annotated[int, msgspec.Meta(ge=0)]
    Tokens = msgspec.defstruct("Tokens", [(k, count, 0) for k in _TOKEN_KEYS])
    Message = msgspec.defstruct(
        "Message", [("id", Any, None), ("timestamp", Any, None), ("type", Any, None), ("model", Any, None),
                    ("tokens", Tokens | None, None)])
    # A checkpoint's or a legacy document's messages: a list of objects (else json.loads).
    messages: Any = list[Message] | None  # type: ignore[valid-type]
    Update = msgspec.defstruct(
        "Update", [("session_id", Any, None), ("project_hash", Any, None), ("kind", Any, None),
                   ("messages", messages, None)],
        rename={"session_id": "sessionId", "project_hash": "projectHash"})
    Record = msgspec.defstruct(
        "Record",
        [("rewind", Any, unset), ("set", Update, unset), ("session_id", Any, unset), ("id", Any, unset),
         ("timestamp", Any, None), ("type", Any, None), ("model", Any, None), ("tokens", Tokens | None, None),
         ("project_hash", Any, None), ("kind", Any, None), ("messages", messages, None)],
        rename={"rewind": "$rewindTo", "set": "$set", "session_id": "sessionId", "project_hash": "projectHash"},
    )
    decoder: Any = msgspec.json.Decoder(Record)
    errors = (msgspec.DecodeError, msgspec.ValidationError)

    def counts(t: Any) -> tuple[int, ...] | None:
        if t is None:
            return None
        return (t.input, t.cached, t.output, t.thoughts, t.tool)

    def message(m: Any) -> dict[str, Any]:
        return {"id": None if m.id is unset else m.id, "timestamp": m.timestamp, "type": m.type, "model": m.model,
                "tokens": counts(m.tokens)}

    def listed(ms: Any) -> list[dict[str, Any]] | None:
        return None if ms is None else [message(m) for m in ms]

    def loads(line: bytes) -> Any:
        try:
            r = decoder.decode(line)
        except errors:
            return _loads(line)
        return as_dict(r)

    def as_dict(r: Any) -> Any:
        # The branches of _record, in its order.
        if r.rewind is not unset:
            return {"$rewindTo": r.rewind}
        if r.set is not unset:
            u = r.set
            return {"$set": {"sessionId": u.session_id, "projectHash": u.project_hash, "kind": u.kind,
                             "messages": listed(u.messages)}}
        if r.session_id is not unset and r.id is unset:
            return {"sessionId": r.session_id, "projectHash": r.project_hash, "kind": r.kind,
                    "messages": listed(r.messages)}
        return {"id": None if r.id is unset else r.id, "timestamp": r.timestamp, "type": r.type,
                "model": r.model, "tokens": counts(r.tokens)}

    return _Fast(loads, decoder.decode, unset, message)


class _Fast:
    """:func:`fast_loads`'s decoder. Called on a line, it gives the dict :func:`_record`
    reads (what ``json.loads`` would give, as read). :func:`parse` also takes its
    ``records`` (msgspec's own ``decode``: a ``Record`` struct, or it raises) to read
    the common records straight from the structs (:func:`_lines_fast`); ``as_message``
    turns a message struct into the dict :func:`event_from_message` reads."""

    __slots__ = ("loads", "records", "unset", "as_message")

    def __init__(self, loads: Callable[[bytes], Any], records: Callable[[bytes | memoryview], Any], unset: Any,
                 as_message: Callable[[Any], dict[str, Any]]) -> None:
        self.loads = loads
        self.records = records
        self.unset = unset
        self.as_message = as_message

    def __call__(self, line: bytes) -> Any:
        return self.loads(line)


# -- where the files are ---------------------------------------------------------------


def gemini_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$GEMINI_CLI_HOME/.gemini`` when set (it replaces ``~``), else ``~/.gemini``."""
    env = os.environ if env is None else env
    raw = env.get("GEMINI_CLI_HOME", "")
    base = Path(raw).expanduser() if raw else Path.home()
    return base / ".gemini"


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """The ``tmp/`` folder of the Gemini CLI home, when it exists."""
    tmp = gemini_dir(env) / "tmp"
    return [tmp] if tmp.is_dir() else []


def present(env: Mapping[str, str] | None = None) -> bool:
    """Gemini CLI is on this machine: its home folder exists or ``gemini`` is on PATH."""
    import shutil

    env = os.environ if env is None else env
    return gemini_dir(env).is_dir() or shutil.which("gemini", path=env.get("PATH")) is not None


#: Project hash (sha256 of the root) -> root, learnt from the folders read.
_ROOTS: dict[str, str] = {}
_LEARNT: set[str] = set()


def _sha(root: str) -> str:
    return hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()


def learn_home(gdir: Path) -> None:
    """Learn the roots of ``<gdir>/projects.json`` (once per folder; a bad file is ignored)."""
    key = str(gdir)
    if key in _LEARNT:
        return
    _LEARNT.add(key)
    try:
        with open(gdir / "projects.json", "rb") as f:
            data = json.loads(f.read(4 << 20))
    except (OSError, ValueError, RecursionError):
        return
    projects = data.get("projects") if isinstance(data, dict) else None
    if isinstance(projects, dict):
        for root in projects:
            if isinstance(root, str) and root:
                _ROOTS.setdefault(_sha(root), root)


def learn_marker(project_dir: Path) -> None:
    """Learn the root named by a project folder's ``.project_root`` marker."""
    key = str(project_dir)
    if key in _LEARNT:
        return
    _LEARNT.add(key)
    try:
        with open(project_dir / ".project_root", "rb") as f:
            root = f.read(MAX_TEXT_CHARS + 1).decode("utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return
    if root and len(root) <= MAX_TEXT_CHARS:
        _ROOTS.setdefault(_sha(root), root)


def _learn_for(chat_file: str) -> None:
    """The roots a chat file's home and project folder name (``.../tmp/<p>/chats/...``)."""
    parts = Path(chat_file).parts
    if "chats" not in parts:
        return
    i = len(parts) - 1 - parts[::-1].index("chats")
    if i >= 3 and parts[i - 2] == "tmp":
        learn_marker(Path(*parts[:i]))
        learn_home(Path(*parts[: i - 2]))


#: ``($GEMINI_CLI_HOME, $HOME)`` pairs whose default home :func:`known_roots` has learnt.
_HOMES: set[tuple[str | None, str | None]] = set()


def known_roots() -> dict[str, str]:
    """Project hash -> root, from the default home and every folder read so far.

    :func:`parse` asks on every read: the two variables that decide
    :func:`gemini_dir` are looked at first, so the path is built once per home."""
    key = (os.environ.get("GEMINI_CLI_HOME"), os.environ.get("HOME"))
    if key not in _HOMES:
        learn_home(gemini_dir())
        _HOMES.add(key)
    return _ROOTS


def is_chat_file(path: str) -> bool:
    """A session file: ``*.jsonl`` in (or under) a ``chats`` folder, or a legacy
    ``session-*.json`` there (not ``logs.json``, checkpoints, temporary files)."""
    name = os.path.basename(path)
    if name.endswith(".jsonl"):
        return True
    return name.startswith("session-") and name.endswith(".json")


def walk_chats(root: Path) -> Iterator[str]:
    """Every chat file under ``root`` (inside ``chats`` folders, subagents included),
    sorted; regular files only."""
    # Per folder, not per file: a folder holds many chats (pathlib's parsing was most of the time).
    in_chats: dict[str, bool] = {}

    def accept(folder: str, name: str) -> bool:
        if not is_chat_file(name):
            return False
        hit = in_chats.get(folder)
        if hit is None:
            hit = in_chats[folder] = "chats" in Path(folder).parts
        return hit

    found = walk(str(root), accept)
    learnt: set[str] = set()
    for path in found:
        folder = os.path.dirname(path)
        if folder not in learnt:  # what a chat file names (its home, its project) is its folder's
            learnt.add(folder)
            _learn_for(path)
    yield from found



def transcripts(paths: list[Path]) -> list[str]:
    """Files to read for ``paths``: a chat file, any folder (its chats), the ``.gemini``
    home (its ``tmp/``) or the folder holding it (``$GEMINI_CLI_HOME``), each once."""
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        resolved = _resolve(str(p))
        if resolved is None:
            continue
        real = Path(resolved)
        try:
            if real.is_file():
                _learn_for(str(real))
                candidates: Iterator[str] = iter([str(real)])
            elif (real / ".gemini" / "tmp").is_dir():
                candidates = walk_chats(real / ".gemini" / "tmp")
            elif (real / "tmp").is_dir():
                candidates = walk_chats(real / "tmp")
            else:
                candidates = walk_chats(real)
        except OSError:
            continue
        for path in candidates:
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """The files an ``AfterAgent``/``SessionEnd`` payload points at: ``transcript_path``,
    the legacy ``.json`` it was migrated from (if still there), and that session's
    subagent files (``chats/<session_id>/*.jsonl``). Regular files only."""
    out: list[str] = []
    main = _resolve(payload.get("transcript_path"))
    if main is None:
        return out
    _learn_for(main)
    if os.path.isfile(main):
        out.append(main)
    if main.endswith(".jsonl") and os.path.isfile(main[:-1]):
        out.append(main[:-1])
    session = payload.get("session_id")
    if isinstance(session, str) and session and "/" not in session and "\0" not in session \
            and session not in (".", ".."):
        out += files_in(os.path.join(os.path.dirname(main), session), ".jsonl")
    return out


# -- settings files ------------------------------------------------------------------------

SCOPES: tuple[str, ...] = ("user", "project")
#: Gemini CLI deletes chat files whose mtime is older than 30 days at start-up, by
#: default (``packages/cli/src/config/settingsSchema.ts``: ``general.sessionRetention``
#: ``enabled`` true, ``maxAge`` "30d"; ``packages/cli/src/utils/sessionCleanup.ts``):
#: ``doctor`` warns about chats not yet in the ledger; the user's own
#: ``general.sessionRetention`` is read by :func:`cleanup_days_in`.
DEFAULT_CLEANUP_DAYS = 30
#: settings.json is JSON with comments (``hooks.doctor`` reads it for the cleanup).
SETTINGS_DIALECT = "jsonc"
#: ``parseRetentionPeriod`` units in days (``sessionCleanup.ts``: ``MULTIPLIERS``, a month is 30 days).
_RETENTION_UNITS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30}


def cleanup_days_in(settings: Mapping[str, Any]) -> float | None:
    """The chat retention a settings file sets (``general.sessionRetention``): days,
    ``math.inf`` when it turns the cleanup off (``enabled: false``), None when it sets
    nothing or nothing Gemini CLI would accept (``sessionCleanup.ts``: a ``maxAge`` of
    ``<n>h|d|w|m``, n > 0; an invalid one skips the age-based cleanup)."""
    import math
    import re

    general = settings.get("general")
    retention = general.get("sessionRetention") if isinstance(general, dict) else None
    if not isinstance(retention, dict):
        return None
    if retention.get("enabled") is False:
        return math.inf
    max_age = retention.get("maxAge")
    if not isinstance(max_age, str):
        return None
    m = re.fullmatch(r"(\d+)([dhwm])", max_age)
    if m is None:
        return math.inf if retention.get("enabled") is True else None  # no age-based cleanup
    value = int(m.group(1))
    return value * _RETENTION_UNITS[m.group(2)] if value > 0 else None


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """``<home>/.gemini/settings.json`` (user) or ``<cwd>/.gemini/settings.json`` (project)."""
    if scope == "user":
        return gemini_dir(env) / "settings.json"
    if scope == "project":
        return (cwd or Path.cwd()) / ".gemini" / "settings.json"
    raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")


def _install() -> tuple[Any, ...]:
    from hooks.targets import JsonHooks

    return (JsonHooks(events=HOOK_EVENTS, timeout=HOOK_TIMEOUT_MS, settings_path=settings_path,
                      scopes=SCOPES, dialect="jsonc"),)


#: What ``tokenprint hooks install gemini-cli`` edits: ``hooks`` in settings.json
#: (JSON with comments, as Gemini CLI reads it with ``strip-json-comments``).
INSTALL: tuple[Any, ...] = _install()


def _mcp_install() -> tuple[Any, ...]:
    from hooks.targets import JsonMcpServer

    return (JsonMcpServer(settings_path=settings_path, scopes=SCOPES, dialect="jsonc"),)


#: What ``tokenprint mcp install gemini-cli`` edits: ``mcpServers.tokenprint`` in
#: settings.json, as ``gemini mcp add -s user tokenprint tokenprint mcp`` (0.61) writes it.
MCP_INSTALL: tuple[Any, ...] = _mcp_install()
