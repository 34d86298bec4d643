"""opencode: where a row of opencode's database becomes a ledger event.

Standard library only: ``tokenprint-hook opencode`` runs this when a session goes idle.

opencode keeps its sessions in a SQLite database in WAL mode
(``packages/core/src/database/database.ts``: ``PRAGMA journal_mode = WAL``),
``$XDG_DATA_HOME/opencode/opencode.db`` (default ``~/.local/share/opencode``), or
``opencode-<channel>.db`` for release channels other than latest/beta/prod, or
``$OPENCODE_DB`` (an absolute path, or a name inside the data folder). Its tables
(``packages/opencode/src/session/session.sql.ts``): ``session(id, directory, ...)``,
``message(id, session_id, time_created, time_updated, data)`` and ``part(id,
message_id, session_id, time_created, time_updated, data)``, ``data`` JSON. Indexes:
``part(session_id)``, ``part(message_id, id)``, ``message(session_id, time_created,
id)``; none on ``time_updated`` of ``part`` or ``message``.

The counting rules (:func:`step_event`, :func:`message_event`):

- one request per ``step-finish`` part: each model call of an assistant message
  writes one (``packages/opencode/src/session/processor.ts``, ``case
  "step-finish"``: a new part id, that step's ``tokens`` and ``cost``), while the
  message's ``tokens`` are overwritten by the last step and its ``cost``
  accumulates. The event id is the part id;
- a completed assistant message with no ``step-finish`` part at all (older
  opencode) is one request from the message's own tokens, keyed by the message id;
  a message still being written, or one without usage, is not counted;
- the buckets (``Session.getUsage``, ``packages/opencode/src/session/index.ts``):
  ``tokens.input`` already excludes cache reads and writes, so input = ``input``,
  cache_read = ``cache.read``, cache_write = ``cache.write``, reasoning =
  ``reasoning``. opencode 1.18 stores ``output`` without the reasoning (its
  ``tokens.total`` adds the two: observed on 1.18.33), so output = ``output``;
  older versions stored the AI SDK's ``outputTokens``, which includes the
  reasoning the provider states (OpenAI's ``completion_tokens``), with no
  ``total`` or one without the reasoning: there output = ``output - reasoning``
  (:func:`output_includes_reasoning`);
- model and provider are the message's ``modelID``/``providerID`` (a step part
  carries none); the project is the message's ``path.cwd`` (else ``path.root``,
  which is the git worktree and ``/`` outside one, as opencode 1.18.33 writes it;
  else the session's ``directory``); the session is the session id;
- the instant is the step's own: a part id (``Identifier.ascending``,
  ``packages/opencode/src/id/id.ts``) holds its creation time in ms (48 bits of
  ``ms * 0x1000 + counter``, so modulo 2**36 ms, resolved next to the message's
  ``time.created``); the same in the database and in ``storage/``. A message
  counted whole is dated by its ``time.completed``;
- user messages and every other part (text, tool, patch...) are passed over;
  malformed ``data`` is a counted skip (``invalid-json``...), never an error; the
  ledger's limits (``ledger.events``) apply as for every client;
- no text is kept: ids, model, provider, instant, session, project and counts.

Before the database (opencode < 1.2), the same records were JSON files under
``storage/{session,message,part}/``; the migration that filled the database
(``packages/opencode/src/storage/json-migration.ts``) leaves them in place. They are
read as a *tree* source (:func:`read_storage`, with an mtime watermark) through the
same functions, and their ids are the database's, so a message in both is counted
once.

Reading only what changed (:func:`read_database`): the watermark of each table is
the largest ``time_updated`` read (``Position.state``, committed with the events).
A full read (``tokenprint import``, or a hook whose payload names no session)
scans ``time_updated >= watermark - SLACK_MS`` (no index covers it; reading
``time_updated`` and a byte scan of ``data`` for ``"step-finish"``, :func:`_contains`,
of rows past the watermark only). A hook names its session, so its read goes
through the ``part(session_id)`` index: ``session_id = ? AND time_updated >= ...``,
with a watermark of its own per session (kept until a full read passes it), which
never moves the table's. Each record is decoded once per read: pass 2 (messages)
passes over the messages pass 1 (step parts) decoded and saw with a step, and asks
the ``part(message_id)`` index about the others in one query per 500. Pass 1 reads
each step part's message in the same query (a join on the message's primary key).

A large full read in ``tokenprint import`` is shared with a helper process
(``dbsource.Helper``, ``SHARES_READS``): after the scan, it reads the second half of
pass 1's chunks on a connection of its own while this process reads the first; this
process then yields every batch, in order, with the state a serial read gives it, so
the batches, their states and a read stopped anywhere are a serial read's. A chunk
whose events could depend on an earlier chunk the helper did not read (a message
first read there: its decode skip is counted once a read, and a message without a
session takes its first step's) is read again here (:func:`_helper_chunks`). Measured
on the 200 MB bench database: about 0.75 s of CPU read alone, 0.65 s here + 0.30 s in the
helper shared; the scan (0.2 s) and pass 2 (0.1 s) stay in this process.

Records are decoded whole in Python, not picked apart with SQLite's JSON functions
(``json_extract``, 3.38+): measured on a 200 MB database (18k step parts of ~200
characters, 16k messages of ~320), each JSON function call costs about 1 us a row,
so extracting the dozen fields the rules read, with the ``json_type`` and
duplicate-key checks that make them equal to Python's objects, took longer (0.45 s)
than fetching the records and decoding them with msgspec (0.4 s).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hooks import dbsource
from hooks.dbsource import Batch, Source
from hooks.fields import count as _count
from hooks.fields import latest_ms
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed

if TYPE_CHECKING:
    from hooks.targets import Target
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
    as_row,
)

CLIENT = "opencode"
NAME = "opencode"
#: What ``import`` and ``hooks status`` call its sources.
SOURCE_NOUN = "databases"
SOURCE = "opencode-db"
STORAGE_SOURCE = "opencode-storage"
#: What the plugin sends (``plugins/opencode/tokenprint.js``).
HOOK_EVENTS: tuple[str, ...] = ("session.idle",)

#: How far before the watermark a read starts again (ms): a row stamped just before
#: an earlier read but committed after it is still read (re-reading is idempotent).
SLACK_MS = 60_000
#: Rows fetched at once (bounded memory; one commit each).
CHUNK_ROWS = 2000
#: A large database read may be shared with a helper process (``hooks.dbsource``).
SHARES_READS = True
#: Fewest step parts a read shares with a helper process (``Source.helper``): measured
#: on the 200 MB bench database, a chunk of 2000 steps costs about 50 ms of CPU and the
#: helper about 70 ms more than the chunks it reads (its connection, the fork's copied
#: pages, its results pickled and read back).
SPLIT_MIN_ROWS = 2 * CHUNK_ROWS
#: Most sessions a hook keeps a watermark of its own for (the oldest are dropped:
#: that only makes a later hook read that session again).
MAX_FOCUS = 256
#: A part id's time field wraps every 2**36 ms (48 bits of ``ms * 0x1000 + n``).
_ID_PERIOD_MS = 1 << 36

_STEP = '"step-finish"'
_STEP_B = _STEP.encode()


# -- the pure part ---------------------------------------------------------------------



def _ms(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is float and math.isfinite(value):
        return int(value)
    return None


def loads(data: Any) -> Any:
    """A record's ``data`` (``str`` or ``bytes``) decoded; raises ``ValueError``."""
    return json.loads(data)


def fast_loads() -> Callable[[Any], Any] | None:
    """A faster record decoder for the backfill (never the hook): msgspec when installed.

    Records are small (a step-finish part, a message: a few hundred bytes; only
    parts holding ``"step-finish"`` are decoded at all), so the plain decoder is
    used: it gives the very objects ``json.loads`` does, about twice as fast. A
    record msgspec rejects (``NaN``, a number out of range, a lone surrogate escape,
    nesting too deep, a BOM...) is decoded again by :func:`loads`, so what counts as
    invalid, and why, is the standard library's."""
    try:
        import msgspec
    except ImportError:
        return None
    decoder: Any = msgspec.json.Decoder()

    def fast(data: Any) -> Any:
        try:
            return decoder.decode(data)
        except Exception:  # noqa: BLE001 - msgspec says no: the standard library decides
            return loads(data)

    # msgspec itself, for a caller that sends what it raises on to fast() (_Lookups.decode).
    fast.first = decoder.decode  # type: ignore[attr-defined]
    fast.fast_loads = True  # type: ignore[attr-defined]  # read_database's helper makes its own
    return fast


def decode(data: Any, skips: dict[str, int], load: Callable[[Any], Any] | None = None) -> dict[str, Any] | None:
    """``data`` as a JSON object, or None (the reason counted in ``skips``); ``load``:
    the decoder (:func:`loads`, or :func:`fast_loads`'s in the backfill)."""
    try:
        obj = (load or loads)(data)
    except ValueError:
        _skip(skips, "invalid-json")
        return None
    except RecursionError:
        _skip(skips, "too-deep")
        return None
    except Exception:  # noqa: BLE001 - whatever a record provokes, it is one skipped record
        _skip(skips, "undecodable")
        return None
    if type(obj) is not dict:
        _skip(skips, "not-an-object")
        return None
    return obj


def id_time_ms(ident: Any, near_ms: int | None) -> int | None:
    """The creation instant an ascending opencode id holds (``prt_`` + 12 hex digits of
    ``ms * 0x1000 + counter``, modulo 2**48), resolved to the instant closest to
    ``near_ms``; None when ``ident`` is not such an id or there is nothing to resolve by."""
    if type(ident) is not str or near_ms is None:
        return None
    _prefix, sep, rest = ident.partition("_")
    if not sep or len(rest) < 12:
        return None
    try:
        low = int(rest[:12], 16) >> 12
    except ValueError:
        return None
    best = near_ms - (near_ms % _ID_PERIOD_MS) + low
    # The closest of best - period, best, best + period (the earlier one on a tie).
    off = best - near_ms  # in (-period, period)
    if off >= _ID_PERIOD_MS // 2:
        best -= _ID_PERIOD_MS
    elif off < -(_ID_PERIOD_MS // 2):
        best += _ID_PERIOD_MS
    return best if abs(best - near_ms) < _ID_PERIOD_MS // 4 else None


class Message:
    """What an event needs from an assistant message's ``data`` (no text)."""

    __slots__ = ("id", "role", "model", "provider", "project", "created", "completed", "session", "data",
                 "plain")

    def __init__(self, ident: str, data: dict[str, Any], session: str | None) -> None:
        # One of these per assistant message of a read (16k in a 200 MB database): the
        # texts are taken as _text() takes them, with its common case (a non-empty
        # ASCII str, returned as it is) tested inline.
        get = data.get
        self.id = ident
        self.data = data
        self.role = get("role")
        model, provider = get("modelID"), get("providerID")
        model = model if type(model) is str and model and model.isascii() else _text(model)
        provider = provider if type(provider) is str and provider and provider.isascii() else _text(provider)
        if model is None or provider is None:
            inner = get("model")
            if type(inner) is dict:  # newer shape: {"model": {"modelID"...}}
                if model is None:
                    model = _text(inner.get("modelID"))
                if provider is None:
                    provider = _text(inner.get("providerID"))
        self.model, self.provider = model, provider
        path = get("path")
        project = None
        if type(path) is dict:  # root is the git worktree, "/" outside one: cwd first
            project = path.get("cwd")
            if not (type(project) is str and project and project.isascii()):
                project = _text(project) or _text(path.get("root"))
        self.project = project
        t = get("time")
        if type(t) is dict:
            created, completed = t.get("created"), t.get("completed")
            self.created = created if type(created) is int else _ms(created)
            self.completed = completed if type(completed) is int else _ms(completed)
        else:
            self.created = self.completed = None
        sid = get("sessionID")
        self.session = (sid if type(sid) is str and sid and sid.isascii() else _text(sid)) or session
        #: The common case :func:`_step_fast` takes: an assistant message with a model,
        #: a creation instant (to resolve its steps' ids by) and no text too long.
        self.plain = (self.role == "assistant" and model is not None and len(model) <= MAX_TEXT_CHARS
                      and (provider is None or len(provider) <= MAX_TEXT_CHARS)
                      and (project is None or len(project) <= MAX_TEXT_CHARS)
                      and type(self.created) is int)


def _usage(tokens: Any) -> tuple[int, int, int, int, int]:
    """``(input, cache_write, cache_read, output, reasoning)`` of opencode's ``tokens``
    (output without the reasoning it includes); raises ``ValueError``."""
    if type(tokens) is not dict:
        raise ValueError("tokens")
    cache = tokens.get("cache")
    if cache is None:
        cache = {}
    if type(cache) is not dict:
        raise ValueError("cache")
    get = tokens.get
    inp, out, reasoning, cw, cr = get("input"), get("output"), get("reasoning"), cache.get("write"), cache.get("read")
    # What count() returns for five non-negative ints is themselves (bool is not int
    # here, as there); anything else (absent, null, a float, a negative...) goes to it.
    if not (type(inp) is int and type(out) is int and type(reasoning) is int and type(cw) is int
            and type(cr) is int and min(inp, out, reasoning, cw, cr) >= 0):
        inp = _count(tokens, "input")
        out = _count(tokens, "output")
        reasoning = _count(tokens, "reasoning")
        cw, cr = _count(cache, "write"), _count(cache, "read")
    if reasoning and reasoning <= out and output_includes_reasoning(tokens.get("total"), inp, out, reasoning, cr, cw):
        out -= reasoning
    return inp, cw, cr, out, reasoning


def output_includes_reasoning(total: Any, inp: int, out: int, reasoning: int, cr: int, cw: int) -> bool:
    """Whether opencode's ``tokens.output`` holds the reasoning tokens too.

    opencode 1.18 (``@opencode-ai/llm``'s ``Usage``) stores them apart, and a
    ``total`` that adds up to ``input + output + reasoning + cache``; observed on
    opencode 1.18.33 against a server reporting ``completion_tokens`` 690 with 90
    of reasoning: ``output`` 600, ``reasoning`` 90, ``total`` 30690. Earlier
    versions stored the AI SDK's ``outputTokens``, which holds the reasoning the
    provider states (OpenAI's ``completion_tokens``), with a ``total`` of
    ``input + output + cache`` or no ``total`` at all: then the reasoning is taken
    out of the output."""
    if type(total) is not int:
        return True  # no total: an opencode from before 1.18 (the AI SDK's outputTokens)
    if total == inp + out + reasoning + cr + cw:
        return False
    return total == inp + out + cr + cw


def _cost(value: Any) -> float | None:
    if (type(value) is float or type(value) is int) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


def _event(
    event_id: str,
    msg: Message,
    ts_ms: int | None,
    tokens: Any,
    cost: Any,
    project: str | None,
    source: str,
    skips: dict[str, int],
    latest: int,
) -> Event | None:
    if msg.model is None:
        _skip(skips, "no-model")
        return None
    if ts_ms is None:
        _skip(skips, "bad-timestamp")
        return None
    if ts_ms < EARLIEST_MS or ts_ms > latest:
        _skip(skips, FAR_INSTANT)
        return None
    try:
        inp, cw, cr, out, reasoning = _usage(tokens)
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    if max(inp, cw, cr, out, reasoning) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    project = msg.project or project
    session = msg.session
    provider = msg.provider
    if (len(event_id) > MAX_TEXT_CHARS or len(msg.model) > MAX_TEXT_CHARS
            or (provider is not None and len(provider) > MAX_TEXT_CHARS)
            or (session is not None and len(session) > MAX_TEXT_CHARS)
            or (project is not None and len(project) > MAX_TEXT_CHARS)):
        _skip(skips, LONG_TEXT)
        return None
    if type(cost) is float and 0 <= cost < math.inf:  # _cost()'s common case (NaN fails both)
        pass
    else:
        cost = _cost(cost)
    return Event(CLIENT, event_id, msg.model, ts_ms, provider, session, project,
                 inp, cw, cr, out, reasoning, 1, cost, source)


def step_event(
    part_id: str,
    part: dict[str, Any],
    msg: Message | None,
    project: str | None,
    created_ms: int | None,
    skips: dict[str, int],
    *,
    source: str = SOURCE,
    latest: int | None = None,
) -> Event | None:
    """The request a ``step-finish`` part records (None for any other part; a skip is
    counted when it is one that cannot be used). ``msg``: its message; ``project``:
    its session's directory; ``created_ms``: the row's ``time_created``, used when
    the id says nothing."""
    if part.get("type") != "step-finish":
        return None
    if msg is None:
        _skip(skips, "no-message")
        return None
    if msg.role != "assistant":
        _skip(skips, "not-assistant")
        return None
    near = msg.created if msg.created is not None else created_ms
    ts = id_time_ms(part_id, near)
    if ts is None:
        ts = created_ms if created_ms is not None else (msg.completed or msg.created)
    return _event(part_id, msg, ts, part.get("tokens"), part.get("cost"), project, source, skips,
                  latest if latest is not None else latest_ms())


def _step_fast(part_id: Any, part: dict[str, Any], msg: Message | None, project: str | None,
               latest: int) -> Event | None:
    """:func:`step_event` of a well-formed step of a :attr:`Message.plain` message, or
    None: not that case (then :func:`step_event` decides, and counts any skip; this
    counts none).

    The common row of a read (18k of them in a 200 MB database), in one call instead
    of four (``step_event``, ``_event``, ``_usage``, ``_cost``) with the same tests in
    the same order of precedence: five non-negative int counts, none above the
    maximum (before the reasoning is taken out of the output, so never more
    permissive), an instant the id resolves within the window, a finite non-negative
    float cost, short texts. Anything else (a float count, a missing instant, an int
    cost...) goes the careful way."""
    if msg is None or not msg.plain or type(part_id) is not str or len(part_id) > MAX_TEXT_CHARS:
        return None
    session = msg.session
    if session is None or len(session) > MAX_TEXT_CHARS:
        return None
    project = msg.project or project
    if project is not None and len(project) > MAX_TEXT_CHARS:
        return None
    tokens = part.get("tokens")
    if type(tokens) is not dict:
        return None
    cache = tokens.get("cache")
    if type(cache) is not dict:
        return None
    get = tokens.get
    inp, out, reasoning, cw, cr = get("input"), get("output"), get("reasoning"), cache.get("write"), cache.get("read")
    if not (type(inp) is int and type(out) is int and type(reasoning) is int and type(cw) is int
            and type(cr) is int and min(inp, out, reasoning, cw, cr) >= 0
            and max(inp, out, reasoning, cw, cr) <= MAX_TOKENS_PER_REQUEST):
        return None
    cost = part.get("cost")
    if not (type(cost) is float and 0 <= cost < math.inf):
        return None
    ts = id_time_ms(part_id, msg.created)
    if ts is None or ts < EARLIEST_MS or ts > latest:
        return None
    if reasoning and reasoning <= out and output_includes_reasoning(get("total"), inp, out, reasoning, cr, cw):
        out -= reasoning
    return Event(CLIENT, part_id, msg.model, ts, msg.provider, session, project,  # type: ignore[arg-type]
                 inp, cw, cr, out, reasoning, 1, cost, SOURCE)


def message_event(
    msg: Message,
    has_steps: bool,
    project: str | None,
    skips: dict[str, int],
    *,
    source: str = SOURCE,
    latest: int | None = None,
) -> Event | None:
    """The request an assistant message records by itself: only when it is complete,
    has usage, and no ``step-finish`` part (those are counted instead)."""
    if msg.role != "assistant" or has_steps or msg.completed is None:
        return None
    tokens = msg.data.get("tokens")
    try:
        if sum(_usage(tokens)) == 0:
            return None  # no model call was made (aborted, failed before any usage)
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    return _event(msg.id, msg, msg.completed, tokens, msg.data.get("cost"), project, source, skips,
                  latest if latest is not None else latest_ms())


def parse(data: bytes, at_eof: bool, loads: Callable[[Any], Any] | None = None) -> Parsed:
    """opencode has no line-oriented source: every source is read by :func:`read_source`."""
    return Parsed([], len(data) if at_eof else 0)


# -- the database --------------------------------------------------------------------------


def source_kind(path: str) -> str:
    """A folder is the legacy ``storage/`` tree; any file is a database."""
    return dbsource.TREE if os.path.isdir(path) else dbsource.SQLITE


def read_source(source: Source, state: dict[str, Any], focus: Mapping[str, str]) -> Iterator[Batch]:
    """What changed in a database (or the storage tree) since ``state``."""
    if source.kind == dbsource.TREE:
        return read_storage(source.path, state, source.loads)
    assert source.conn is not None
    return read_database(source.conn, state, focus, source.loads, source.helper, source.path)


def _tables(conn: Any) -> dict[str, set[str]]:
    names: dict[str, set[str]] = {}
    for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('part', 'message', 'session')"
    ):
        names[name] = {row[1] for row in conn.execute(f"PRAGMA table_info({name})")}
    return names


def _chunks(items: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _marks(state: Mapping[str, Any], table: str) -> dict[str, int]:
    got = state.get(table)
    return dict(got) if isinstance(got, dict) else {}


class _Lookups:
    """Messages and session folders of one database read (cached for the read)."""

    def __init__(self, conn: Any, tables: Mapping[str, set[str]], skips: dict[str, int],
                 load: Callable[[Any], Any] | None = None) -> None:
        self.conn = conn
        self.load = load or loads
        #: The decoder's first try (msgspec's own decode under fast_loads()): what it
        #: takes is what ``load`` gives; what it raises on is decoded by ``load``.
        self.first: Callable[[Any], Any] = getattr(self.load, "first", self.load)
        self.skips = skips
        self.messages: dict[str, Message | None] = {}
        #: What each message's record weighed (its characters) when it was decoded.
        self.sizes: dict[str, int] = {}
        self.dirs: dict[str, str | None] = {}
        self.session_dir = "session" in tables and "directory" in tables["session"]
        #: Messages a helper process decoded without a skip (and this one did not).
        self.elsewhere: set[str] = set()
        #: Messages whose reading depends on what came before (a decode skip is counted
        #: once per read; a session taken from the first part): see _helper_chunks.
        self.odd: set[str] = set()

    def ok(self, ident: str) -> bool:
        """The message was decoded in pass 1 without a skip (here or by a helper)."""
        return self.messages.get(ident) is not None or ident in self.elsewhere

    def decode(self, data: Any) -> dict[str, Any] | None:
        """:func:`decode` of ``data`` with this read's decoder and skips, its common case
        (a JSON object the decoder takes) without the two calls around it."""
        try:
            obj = self.first(data)
        except Exception:  # noqa: BLE001 - decode() decodes it again (as fast_loads() does), to count why
            return decode(data, self.skips, self.load)
        return obj if type(obj) is dict else decode(data, self.skips, self.load)

    def add_message(self, ident: str, session: Any, data: Any) -> None:
        """Decode a message read with its parts, as :meth:`load_messages` would."""
        obj = self.decode(data)
        self.messages[ident] = Message(ident, obj, session) if obj is not None else None
        if obj is None:
            self.odd.add(ident)
        self.sizes[ident] = len(data) if isinstance(data, (str, bytes)) else 0

    def load_messages(self, ids: set[str]) -> None:
        want = [i for i in ids if i not in self.messages]
        for chunk in _chunks(want, 500):
            marks = ",".join("?" * len(chunk))
            for ident, session, data in self.conn.execute(
                f"SELECT id, session_id, data FROM message WHERE id IN ({marks})", chunk
            ):
                self.add_message(ident, session, data)
            for ident in chunk:
                self.messages.setdefault(ident, None)

    def load_dirs(self, sessions: set[str]) -> None:
        want = [s for s in sessions if s not in self.dirs]
        if not self.session_dir:
            self.dirs.update(dict.fromkeys(want))
            return
        for chunk in _chunks(want, 500):
            marks = ",".join("?" * len(chunk))
            for ident, directory in self.conn.execute(
                f"SELECT id, directory FROM session WHERE id IN ({marks})", chunk
            ):
                self.dirs[ident] = _text(directory)
            for ident in chunk:
                self.dirs.setdefault(ident, None)

    def with_steps(self, message_ids: list[str]) -> set[str]:
        """Which of ``message_ids`` have a part holding ``"step-finish"`` (the
        ``part(message_id, id)`` index; one query per 500 messages, not one each)."""
        out: set[str] = set()
        for chunk in _chunks(message_ids, 500):
            marks = ",".join("?" * len(chunk))
            out.update(m for (m,) in self.conn.execute(
                f"SELECT DISTINCT message_id FROM part WHERE message_id IN ({marks}) AND instr(data, ?) > 0",
                [*chunk, _STEP]))
        return out


def _contains(needle: str) -> str:
    """SQL: ``data`` holds ``needle`` (a constant without ``*?[]'``), as ``instr(data,
    needle) > 0`` says, about twice as fast on a text column.

    ``instr`` counts characters at every position it tries; ``GLOB '*needle*'`` is a
    byte scan, as cheap as reading the rows (0.25 s against 0.55 s over 140 MB of
    parts). Both are exact on text without a NUL byte; ``GLOB`` stops at a NUL and at
    bytes that are not UTF-8, so a BLOB (which may hold either) still goes through
    ``instr``. A text row with a NUL in it is never JSON (a control character), so
    it could only ever be an ``invalid-json`` skip: the events are the same."""
    assert not set(needle) & set("*?[]'")
    return (f"CASE WHEN typeof(data) = 'text' THEN data GLOB '*{needle}*' "
            f"ELSE instr(data, '{needle}') > 0 END")


def _changed(conn: Any, table: str, since: int | None, session: str | None, extra: str,
             more: str = "") -> list[tuple[Any, ...]]:
    """``(time_updated, rowid, ...)`` of the rows of ``table`` updated at or after
    ``since`` that may matter (``extra``: a cheap test on ``data``; ``more``: columns
    to add, e.g. ``", id"``), oldest first."""
    where: list[str] = []
    args: list[Any] = []
    if session is not None:
        where.append("session_id = ?")  # the session index (part_session_idx, message_session_...)
        args.append(session)
    if since is not None:
        where.append("time_updated >= ?")
        args.append(since)
    where.append(extra)
    sql = f"SELECT time_updated, rowid{more} FROM {table} WHERE " + " AND ".join(where)
    rows = [(int(t or 0), int(r), *rest) for t, r, *rest in conn.execute(sql, args)]
    rows.sort()
    return rows


def _step_chunk(conn: Any, lookups: _Lookups, chunk: list[tuple[int, int]], latest: int,
                ) -> tuple[list[Event], dict[str, int], int, list[str], bool]:
    """Pass 1 of :func:`read_database` on one chunk of ``(time_updated, rowid)`` of
    parts: ``(events, skips, bytes, ids of the messages seen with a step, odd)``;
    ``odd``: a message of the chunk is in ``lookups.odd``."""
    skips = lookups.skips
    skips.clear()
    events: list[Event] = []
    nbytes = 0
    messages, dirs = lookups.messages, lookups.dirs
    stepped: list[str] = []
    with dbsource.snapshot(conn):
        marks = ",".join("?" * len(chunk))
        # Each part's message comes in the same query (the message's primary key),
        # not in one ``id IN (...)`` query per 500 messages afterwards.
        got = conn.execute(
            "SELECT p.id, p.message_id, p.session_id, p.time_created, p.data, m.id, m.session_id, m.data "
            f"FROM part p LEFT JOIN message m ON m.id = p.message_id WHERE p.rowid IN ({marks})",
            [r for _t, r in chunk],
        ).fetchall()
        decoded = []
        #: Messages and sessions not known yet (looked up once per chunk below).
        missing: set[str] = set()
        sessions: set[str] = set()
        for ident, message_id, session_id, created, data, m_id, m_session, m_data in got:
            nbytes += len(data) if isinstance(data, (str, bytes)) else 0
            obj = lookups.decode(data)
            if obj is None or obj.get("type") != "step-finish":
                continue
            decoded.append((ident, message_id, session_id, _ms(created), obj))
            if isinstance(message_id, str):
                stepped.append(message_id)
                if message_id not in messages:
                    if m_id is not None:  # decoded once per read (its skips counted once)
                        lookups.add_message(message_id, m_session, m_data)
                    else:
                        missing.add(message_id)
            if isinstance(session_id, str) and session_id not in dirs:
                sessions.add(session_id)
        lookups.load_messages(missing)
        lookups.load_dirs(sessions)
    for ident, message_id, session_id, created, obj in decoded:
        msg = messages.get(message_id) if isinstance(message_id, str) else None
        if msg is not None and msg.session is None:
            msg.session = _text(session_id)
            lookups.odd.add(message_id)
        ev = _step_fast(ident, obj, msg, dirs.get(session_id), latest)
        if ev is None:
            ev = step_event(str(ident), obj, msg, dirs.get(session_id), created, skips, latest=latest)
        if ev is not None:
            events.append(ev)
    odd = any(m in lookups.odd for m in stepped)
    return events, dict(skips), nbytes, stepped, odd


def _helper_chunks(path: str, tables: Mapping[str, set[str]], fast: bool, chunks: list[list[tuple[int, int]]],
                   start: int, latest: int) -> Iterator[tuple[Any, ...]]:
    """Pass 1 of the chunks from ``start`` on, in a helper process (:class:`dbsource.Helper`),
    on a connection of its own: for each, ``(index, event rows, skips, bytes, stepped
    message ids, {message id: size} of those decoded without a skip, odd)``.

    What a chunk gives depends on the chunks before it in two ways only, both through
    a message first read in an earlier chunk: its decode skip is counted once per read,
    and a message without a session takes its first step's. The helper has not read
    the first half, so a chunk where either may differ (``odd``: a message of it was
    skipped or took a session) is read again, in order, by the reading process;
    every other chunk's events and skips are what a serial read gives."""
    conn = dbsource.open_readonly(path)
    try:
        lookups = _Lookups(conn, tables, {}, fast_loads() if fast else None)
        for k in range(start, len(chunks)):
            events, skips, nbytes, ids, odd = _step_chunk(conn, lookups, chunks[k], latest)
            ok = {m: lookups.sizes.get(m, 0) for m in ids if lookups.messages.get(m) is not None}
            yield (k, [as_row(e) for e in events], skips, nbytes, ids, ok, odd)
    finally:
        conn.close()


def read_database(conn: Any, state: dict[str, Any], focus: Mapping[str, str],
                  load: Callable[[Any], Any] | None = None,
                  helper: dbsource.Helper | None = None, path: str | None = None) -> Iterator[Batch]:
    """The events of what changed in an opencode database since ``state``, in batches.

    ``state``: ``{"part": {"t": watermark, "r": max rowid}, "message": {...},
    "focus": {session: {"part": t, "message": t}}}``. With ``focus["session"]`` only
    that session is read (through the session index) and only its own watermark
    moves; otherwise every table is read past its watermark and the sessions'
    watermarks it passes are dropped. ``helper``: a process to share a large read
    with (``Source.helper``), which opens ``path`` itself; None: read it all here.
    """
    with dbsource.snapshot(conn):
        tables = _tables(conn)
        if "part" not in tables or "message" not in tables:
            return  # not an opencode database (or an empty one): nothing to read
        state = {k: (dict(v) if isinstance(v, dict) else v) for k, v in state.items()}
        top = conn.execute("SELECT max(rowid) FROM part").fetchone()[0] or 0
        if top < _marks(state, "part").get("r", 0):
            state = {}  # fewer rows than were read: vacuumed or replaced by an older copy
    session = focus.get("session") or None
    raw_focus = state.get("focus")
    per: dict[str, dict[str, int]] = (
        {k: dict(v) for k, v in raw_focus.items() if isinstance(v, dict)} if isinstance(raw_focus, dict) else {}
    )
    state["focus"] = per
    skips: dict[str, int] = {}
    lookups = _Lookups(conn, tables, skips, load)
    latest = latest_ms()

    def since(table: str) -> int | None:
        t = _marks(state, table).get("t")
        if session is not None:
            own = per.get(session, {}).get(table)
            if own is not None and (t is None or own > t):
                t = own
        return None if t is None else t - SLACK_MS

    def advance(table: str, t: int, rowid: int) -> None:
        if session is not None:
            mine = per.setdefault(session, {})
            mine[table] = max(mine.get(table, t), t)
            return
        marks = _marks(state, table)
        marks["t"] = max(marks.get("t", t), t)
        marks["r"] = max(marks.get("r", 0), rowid)
        state[table] = marks

    def snapshot_state() -> dict[str, Any]:
        out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in state.items()}
        if len(per) > MAX_FOCUS:
            keep = sorted(per, key=lambda s: max(per[s].values(), default=0))[-MAX_FOCUS:]
            out["focus"] = {s: dict(per[s]) for s in keep}
        else:
            out["focus"] = {s: dict(v) for s, v in per.items()}
        return out

    #: Messages seen with a step-finish part (in pass 1): pass 2 needs not ask again.
    stepped: set[str] = set()

    # 1. step-finish parts (one request each).
    with dbsource.snapshot(conn):
        rows = _changed(conn, "part", since("part"), session, _contains(_STEP))
    chunks = list(_chunks(rows, CHUNK_ROWS))
    # A large read is shared with a helper process (the backfill's reader processes
    # allow one: Source.helpers): it reads the second half of the chunks while this
    # one reads the first, then this one yields them all in order, with the states
    # a serial read gives them (see _helper_chunks for why the events are the same).
    half = len(chunks)  # the chunks read here: all of them, or the first half
    # The helper decodes as this process does: with the standard library, or fast_loads().
    same_decoder = load is None or getattr(load, "fast_loads", False)
    if (helper is not None and path is not None and same_decoder and len(chunks) >= 2
            and len(rows) >= SPLIT_MIN_ROWS):
        half = (len(chunks) + 1) // 2
        helper.start(_helper_chunks, path, tables, load is not None, chunks, half, latest)
    else:
        helper = None
    theirs: Iterator[tuple[Any, ...]] = iter(())
    try:
        for k, chunk in enumerate(chunks):
            if helper is not None and k == half:
                theirs = helper.results()
            given = next(theirs, None)
            if given is not None and given[0] == k and not given[6]:
                _k, event_rows, chunk_skips, nbytes, ids, ok, _odd = given
                events: list[Event] = [Event(*r) for r in event_rows]
                stepped.update(ids)
                for ident, size in ok.items():
                    if ident not in lookups.messages:
                        lookups.elsewhere.add(ident)
                        lookups.sizes.setdefault(ident, size)
            else:  # read here: the first half, a chunk the helper found odd, or no helper
                events, chunk_skips, nbytes, ids, _odd = _step_chunk(conn, lookups, chunk, latest)
                stepped.update(ids)
            advance("part", chunk[-1][0], max(r for _t, r in chunk))
            yield Batch(events, snapshot_state(), chunk_skips, nbytes)
    finally:
        if helper is not None:
            helper.close()

    # 2. assistant messages without step parts (older opencode): the message's own usage.
    with dbsource.snapshot(conn):
        rows = _changed(conn, "message", since("message"), session, _contains('"assistant"'), ", id")
    dirs = lookups.dirs
    for chunk in _chunks(rows, CHUNK_ROWS):
        skips.clear()
        events = []
        nbytes = 0
        # A message pass 1 decoded without a skip and saw with a step is not read again:
        # its steps are counted, not it, so its record (even if rewritten since) could
        # add nothing; what it weighs is what pass 1 read of it.
        want = []
        for _t, r, ident in chunk:
            if ident in stepped and lookups.ok(ident):
                nbytes += lookups.sizes.get(ident, 0)
            else:
                want.append(r)
        found = []
        with dbsource.snapshot(conn):
            got = []
            if want:
                marks = ",".join("?" * len(want))
                got = conn.execute(f"SELECT id, session_id, data FROM message WHERE rowid IN ({marks})",
                                   want).fetchall()
            for ident, session_id, data in got:
                nbytes += len(data) if isinstance(data, (str, bytes)) else 0
                if ident in stepped and lookups.ok(ident):
                    continue  # its id changed since the scan (a row deleted, its rowid reused)
                if ident in lookups.messages and lookups.messages[ident] is None:
                    # Pass 1 could not decode it and counted why: read again (it may have
                    # been rewritten since), but a skip is counted once per read.
                    obj = decode(data, {}, lookups.load)
                else:
                    obj = lookups.decode(data)
                if obj is None:
                    continue
                msg = Message(str(ident), obj, _text(session_id))
                if msg.role == "assistant" and msg.completed is not None:
                    found.append(msg)
            # The others are asked in this snapshot: a step written since pass 1 is seen.
            also = lookups.with_steps([m.id for m in found if m.id not in stepped])
            lookups.load_dirs({m.session for m in found if m.session})
        for msg in found:
            steps = msg.id in stepped or msg.id in also
            ev = message_event(msg, steps, dirs.get(msg.session or ""), skips, latest=latest)
            if ev is not None:
                events.append(ev)
        advance("message", chunk[-1][0], max(r for _t, r, _i in chunk))
        yield Batch(events, snapshot_state(), dict(skips), nbytes)

    if session is None:
        # A full read passed every session's own watermark that is older than its own.
        t_part, t_msg = _marks(state, "part").get("t"), _marks(state, "message").get("t")
        for s in list(per):
            mine = per[s]
            if (t_part is not None and mine.get("part", 0) <= t_part
                    and (t_msg is not None and mine.get("message", 0) <= t_msg)):
                del per[s]
    yield Batch([], snapshot_state(), {}, 0)


# -- the legacy storage/ tree -----------------------------------------------------------------


def _read_json_file(path: str, skips: dict[str, int], load: Callable[[Any], Any] | None = None,
                    ) -> dict[str, Any] | None:
    return _read_json_file_at(path, skips, load)[0]


def _read_json_file_at(path: str, skips: dict[str, int], load: Callable[[Any], Any] | None = None,
                       ) -> tuple[dict[str, Any] | None, int]:
    """The file's object (None: counted in ``skips``) and its mtime before the read."""
    try:
        data, mtime = _read_capped(path)
    except OSError:
        return None, -1
    if len(data) > MAX_RECORD_BYTES:
        _skip(skips, LONG_TEXT)
        return None, mtime
    return decode(data, skips, load), mtime


#: Largest storage record read (a part file with a huge tool output is not usage).
MAX_RECORD_BYTES = 64 << 20


def _read_capped(path: str) -> tuple[bytes, int]:
    """The first ``MAX_RECORD_BYTES + 1`` bytes of a file (all of it when smaller) and
    its mtime before the read. ``read(n)`` allocates ``n`` bytes before it reads, so
    asking for the cap on every small file costs a 64 MB allocation each (3x the
    time of the read itself): the size ``fstat`` gives is asked for, then the rest
    up to the cap if the file grew since."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        want = min(st.st_size, MAX_RECORD_BYTES) + 1
        data = f.read(want)
        if len(data) == want and want <= MAX_RECORD_BYTES:
            data += f.read(MAX_RECORD_BYTES + 1 - want)
    return data, st.st_mtime_ns


def _files(folder: str, since_ns: int | None) -> list[tuple[int, str]]:
    """``(mtime_ns, path)`` of the ``*.json`` files one level below ``folder``'s
    subfolders (``part/<message>/<part>.json``) changed at or after ``since_ns``."""
    out: list[tuple[int, str]] = []
    try:
        subs = [e.path for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return out
    for sub in subs:
        try:
            with os.scandir(sub) as it:
                for e in it:
                    if not e.name.endswith(".json"):
                        continue
                    try:
                        if not e.is_file(follow_symlinks=False):
                            continue
                        m = e.stat(follow_symlinks=False).st_mtime_ns
                    except OSError:
                        continue
                    if since_ns is None or m >= since_ns:
                        out.append((m, e.path))
        except OSError:
            continue
    out.sort()
    return out


def tree_signature(root: str) -> list[int] | None:
    """What says the ``storage/`` tree changed, on its folders' mtimes (``storage/``,
    ``part/``, ``message/``, ``session/`` and each folder in them: about one ``stat``
    per message instead of one per file), or None: walk it.

    A folder's mtime moves when a file is added, removed or renamed in it, not when a
    file is rewritten in place, which an opencode before 1.2 did (``Storage.write``
    overwrote a message as it completed). So the signature is given only when a
    database is beside the tree: opencode has migrated (``json-migration.ts``) and
    writes the database, leaving the tree as it was; without a database, the tree
    may be live, and it is walked file by file as before."""
    import hashlib  # here: the hook never reads the tree

    if not _db_files(Path(root).parent):
        return None
    h = hashlib.blake2b(digest_size=8)
    try:
        h.update(str(os.stat(root).st_mtime_ns).encode())
        for kind in ("session", "message", "part"):
            folder = os.path.join(root, kind)
            try:
                h.update(f"{kind}:{os.stat(folder).st_mtime_ns}".encode())
                with os.scandir(folder) as it:
                    subs = sorted((e.name, e.stat(follow_symlinks=False).st_mtime_ns)
                                  for e in it if e.is_dir(follow_symlinks=False))
            except FileNotFoundError:
                h.update(f"{kind}:-1".encode())
                continue
            for name, mtime in subs:
                h.update(f"{name}\0{mtime}\0".encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    return [int.from_bytes(h.digest(), "big")]


def read_storage(root: str, state: dict[str, Any], load: Callable[[Any], Any] | None = None) -> Iterator[Batch]:
    """The events of opencode's legacy ``storage/`` JSON files changed since ``state``
    (``{"part": mtime_ns, "message": mtime_ns}``: the newest file read of each kind;
    only newer files are read again: opencode no longer writes this tree, so no slack
    is needed as it is for the database's rows).

    ``storage/part/<message>/<part>.json`` holds a part (``sessionID``,
    ``messageID``, ``type``...), ``storage/message/<session>/<message>.json`` a
    message, ``storage/session/<project>/<session>.json`` a session (``directory``).
    """
    state = dict(state)
    # Unchanged folders (:func:`tree_signature`, taken before the walk): nothing to read.
    sig = tree_signature(root)
    if sig is not None and state.pop("sig", None) == sig:
        yield Batch([], {**state, "sig": sig}, {}, 0)
        return
    state.pop("sig", None)
    skips: dict[str, int] = {}
    latest = latest_ms()
    messages: dict[str, Message | None] = {}
    #: Message files pass 1 decoded: path -> (mtime before the read, object). Pass 2
    #: takes the object instead of reading the file again when its listed mtime is
    #: still that one (the file was not rewritten since).
    read_ok: dict[str, tuple[int, dict[str, Any]]] = {}
    #: ``part/<message>/`` folders pass 1 saw a file holding ``"step-finish"`` in:
    #: :func:`has_steps` is true of them (the same test), without reading them again.
    stepped: set[str] = set()
    dirs: dict[str, str | None] | None = None

    def session_dirs() -> dict[str, str | None]:
        nonlocal dirs
        if dirs is None:
            dirs = {}
            for _m, path in _files(os.path.join(root, "session"), None):
                obj = _read_json_file(path, {}, load)
                if obj is not None:
                    dirs[os.path.basename(path)[:-5]] = _text(obj.get("directory"))
        return dirs

    def message(session: Any, ident: Any) -> Message | None:
        if not isinstance(ident, str) or not isinstance(session, str):
            return None
        if ident not in messages:
            path = os.path.join(root, "message", session, ident + ".json")
            obj, mtime = _read_json_file_at(path, skips, load)
            if obj is not None:
                read_ok[path] = (mtime, obj)
            messages[ident] = Message(ident, obj, session) if obj is not None else None
        return messages[ident]

    def has_steps(message_id: str) -> bool:
        if message_id in stepped:
            return True
        folder = os.path.join(root, "part", message_id)
        try:
            names = [e.path for e in os.scandir(folder) if e.name.endswith(".json")]
        except OSError:
            return False
        for path in names:
            try:
                if _STEP_B in _read_capped(path)[0][:MAX_RECORD_BYTES]:
                    return True
            except OSError:
                continue
        return False

    since = state.get("part")
    files = _files(os.path.join(root, "part"), since + 1 if isinstance(since, int) else None)
    for chunk in _chunks(files, CHUNK_ROWS):
        skips.clear()
        events: list[Event] = []
        nbytes = 0
        for _m, path in chunk:
            try:
                data = _read_capped(path)[0]
            except OSError:
                continue
            nbytes += len(data)
            if _STEP_B not in data:
                continue  # not a step-finish part
            if _STEP_B in data[:MAX_RECORD_BYTES]:  # what has_steps() reads of a file
                stepped.add(os.path.basename(os.path.dirname(path)))
            obj = decode(data, skips, load)
            if obj is None:
                continue
            ident = _text(obj.get("id")) or os.path.basename(path)[:-5]
            msg = message(obj.get("sessionID"), obj.get("messageID"))
            project = session_dirs().get(str(obj.get("sessionID")))
            ev = step_event(ident, obj, msg, project, None, skips, source=STORAGE_SOURCE, latest=latest)
            if ev is not None:
                events.append(ev)
        state["part"] = chunk[-1][0]
        yield Batch(events, dict(state), dict(skips), nbytes)

    since = state.get("message")
    files = _files(os.path.join(root, "message"), since + 1 if isinstance(since, int) else None)
    for chunk in _chunks(files, CHUNK_ROWS):
        skips.clear()
        events = []
        nbytes = 0
        for m, path in chunk:
            got = read_ok.get(path)
            obj = got[1] if got is not None and got[0] == m else _read_json_file(path, skips, load)
            if obj is None:
                continue
            nbytes += 1
            session = os.path.basename(os.path.dirname(path))
            msg = Message(_text(obj.get("id")) or os.path.basename(path)[:-5], obj, session)
            if msg.role != "assistant" or msg.completed is None:
                continue
            ev = message_event(msg, has_steps(msg.id), session_dirs().get(msg.session or ""), skips,
                               source=STORAGE_SOURCE, latest=latest)
            if ev is not None:
                events.append(ev)
        state["message"] = chunk[-1][0]
        yield Batch(events, dict(state), dict(skips), nbytes)
    if sig is not None:  # a complete read of what the signature describes
        yield Batch([], {**state, "sig": sig}, {}, 0)


# -- where the files are ---------------------------------------------------------------------


def _home(env: Mapping[str, str]) -> Path:
    raw = env.get("HOME", "").strip()
    return Path(raw) if raw else Path.home()


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """opencode's data folder: ``$XDG_DATA_HOME/opencode``, else ``~/.local/share/opencode``
    (``Global.Path.data``, ``packages/core/src/global``)."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_DATA_HOME", "").strip()
    return (Path(xdg) if xdg else _home(env) / ".local" / "share") / "opencode"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/opencode``, else ``~/.config/opencode``."""
    env = os.environ if env is None else env
    xdg = env.get("XDG_CONFIG_HOME", "").strip()
    return (Path(xdg) if xdg else _home(env) / ".config") / "opencode"


def env_db(env: Mapping[str, str] | None = None) -> Path | None:
    """``$OPENCODE_DB``: an absolute path, or a name inside the data folder (``:memory:``
    is nothing to read)."""
    env = os.environ if env is None else env
    raw = env.get("OPENCODE_DB", "").strip()
    if not raw or raw == ":memory:":
        return None
    p = Path(raw).expanduser()
    return p if p.is_absolute() else data_dir(env) / p


def databases(env: Mapping[str, str] | None = None) -> list[str]:
    """Every opencode database on this machine: ``$OPENCODE_DB``, ``opencode.db`` and each
    release channel's ``opencode-<channel>.db`` in the data folder (files that exist)."""
    env = os.environ if env is None else env
    out: list[str] = []
    first = env_db(env)
    if first is not None and first.is_file():
        out.append(str(first))
    for path in _db_files(data_dir(env)):
        if path not in out:
            out.append(path)
    return out


def _db_files(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as it:
            entries = [e for e in it if _is_db_name(e.name)]
    except OSError:
        return []
    names = []
    for e in entries:
        try:
            if e.is_file():  # follows a symlink: a loop raises ELOOP (one name, not the folder)
                names.append(e.name)
        except OSError:
            continue
    return [str(folder / n) for n in sorted(names)]


def _is_db_name(name: str) -> bool:
    return name == "opencode.db" or (name.startswith("opencode-") and name.endswith(".db"))


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """The data folder (its databases and ``storage/``) and ``$OPENCODE_DB``."""
    env = os.environ if env is None else env
    roots = [data_dir(env)] if data_dir(env).is_dir() else []
    extra = env_db(env)
    if extra is not None and extra.is_file() and extra.parent not in roots:
        roots.append(extra)
    return roots


def _storage_of(folder: Path) -> str | None:
    if (folder / "part").is_dir() and (folder / "message").is_dir():
        return str(folder)
    return None


def transcripts(paths: list[Path]) -> list[str]:
    """Sources for ``paths``: a database file; a folder's databases and its ``storage/``
    tree (the data folder); a ``storage/`` folder itself. Each once."""
    out: list[str] = []
    for p in paths:
        try:
            real = Path(os.path.realpath(os.path.expanduser(str(p))))
            if real.is_file():
                found = [str(real)]
            elif real.is_dir():
                found = _db_files(real)
                tree = _storage_of(real) or _storage_of(real / "storage")
                if tree is not None:
                    found.append(tree)
            else:
                continue
        except (OSError, ValueError):
            continue
        for f in found:
            if f not in out:
                out.append(f)
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """The databases to read when the plugin reports a session idle: every opencode
    database here (the plugin runs inside opencode, so the hook has its
    ``OPENCODE_DB`` and ``XDG_DATA_HOME``), narrowed to the payload's session (the
    session index) when it names one. An unchanged database costs two ``stat()``."""
    session = payload.get("session_id")
    if not isinstance(session, str) or not session or len(session) > MAX_TEXT_CHARS or "\0" in session:
        session = None
    out = []
    for db in databases():
        out.append(dbsource.with_focus(db, session=session) if session else db)
    return out


# -- install -------------------------------------------------------------------------------

SCOPES: tuple[str, ...] = ("user", "project")
PLUGIN_NAME = "tokenprint.js"


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """Where the plugin goes: ``~/.config/opencode/plugins/tokenprint.js`` (user; honours
    ``$XDG_CONFIG_HOME``) or ``<cwd>/.opencode/plugins/tokenprint.js`` (project)."""
    if scope == "user":
        return config_dir(env) / "plugins" / PLUGIN_NAME
    if scope == "project":
        return (cwd or Path.cwd()) / ".opencode" / "plugins" / PLUGIN_NAME
    raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")


def present(env: Mapping[str, str] | None = None) -> bool:
    """opencode is on this machine: its data or config folder exists, or ``opencode`` is on PATH."""
    import shutil

    env = os.environ if env is None else env
    return (data_dir(env).is_dir() or config_dir(env).is_dir()
            or shutil.which("opencode", path=env.get("PATH")) is not None)


def _plugin_template() -> str:
    here = Path(__file__).resolve().parent.parent / "plugins" / "opencode" / PLUGIN_NAME
    return here.read_text(encoding="utf-8")


def _install_targets() -> tuple[Target, ...]:
    # hooks.plugin_file imports nothing heavy (hooks.targets only for a status)
    from hooks.plugin_file import PluginFile

    return (PluginFile(name=PLUGIN_NAME, template=_plugin_template, plugin_path=settings_path, scopes=SCOPES),)


#: What ``tokenprint hooks install opencode`` writes (``hooks.targets``): our plugin file.
INSTALL: tuple[Target, ...] = _install_targets()
