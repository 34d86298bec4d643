"""Claude Code: where a transcript line becomes a ledger event.

Standard library only: ``tokenprint-hook claude-code`` runs this on every turn.

:func:`parse` is a pure function from transcript bytes to events; it applies the
counting rules of ``shared/reference/clients.md``:

- one event per API response, keyed by ``message.id`` (else ``requestId``, else
  ``uuid``). The response is written as one line per content block, each
  repeating ``usage``; every line becomes a reading of the same event and the
  ledger's upsert keeps the largest counts and the earliest instant. So streamed
  lines, resumed and forked sessions, sidechains replaying their parent and the
  same file read twice are all counted once, within a file, across files and
  across runs;
- ``progress`` lines (which embed a copy of a subagent's record) are ignored: the
  subagent's own file has the same usage;
- ``<synthetic>`` models and ``isApiErrorMessage`` lines are skipped;
- ``output_tokens`` includes thinking: where ``output_tokens_details.thinking_tokens``
  is stated it becomes ``reasoning_tokens`` and the rest stays output;
- a line that carries ``message.usage`` is counted whatever its ``type``, unless
  its type says it is not an assistant record (lines without a ``type`` key, as
  some Claude Code versions and ccusage's fixtures write, are counted);
- every line with usage that is passed over is counted under its reason: invalid
  JSON, nested too deep to decode, counts that are not integers or above
  ``ledger.events.MAX_TOKENS_PER_REQUEST``, an instant outside the accepted
  window, ... Nothing a line holds can stop the read: the lines around it are
  recorded and the position moves past it; an unterminated last line is consumed
  only when it is already a complete JSON object;
- no text is kept: ids, model, instant, session id, the session's ``cwd`` as the
  project, and counts.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hooks.fields import count as _count
from hooks.fields import latest_ms
from hooks.fields import resolve as _resolve
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed, files_in, walk
from hooks.targets import JsonHooks, JsonMcpServer, Target
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
)

CLIENT = "claude-code"
#: The client's name as people write it (``hooks status``: "Claude Code deletes transcripts ...").
NAME = "Claude Code"
SOURCE = "transcript"
#: Hook events the installer registers (Stop and SubagentStop take no matcher).
HOOK_EVENTS: tuple[str, ...] = ("Stop", "SubagentStop", "SessionEnd")

_USAGE = b'"usage"'
_loads = json.loads
_fromiso = datetime.fromisoformat

# The limits at the ledger's door (``ledger.events``): what cannot be real is a
# counted skip here (under the reason codes of ``ledger.events.problem``), never an error.
MAX_TOKENS: int = MAX_TOKENS_PER_REQUEST
MAX_TEXT: int = MAX_TEXT_CHARS


# -- the pure part --------------------------------------------------------------------



def _ts_ms(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("timestamp")
    dt = _fromiso(value)  # Python 3.11 reads "Z" and fractional seconds
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # a naive instant is UTC
    return round(dt.timestamp() * 1000)



def event_from_record(
    obj: Any, skips: dict[str, int], latest: int | None = None
) -> Event | None:
    """The event of one parsed transcript line, or None (``skips`` says why when the
    line carried usage). ``latest``: the latest instant accepted (default: now + skew)."""
    if type(obj) is not dict:
        _skip(skips, "not-an-object")
        return None
    kind = obj.get("type")
    if kind == "progress":
        _skip(skips, "progress-copy")
        return None
    msg = obj.get("message")
    if type(msg) is not dict:
        return None  # no message.usage: a line like any other
    usage = msg.get("usage")
    if type(usage) is not dict:
        if usage is not None and (kind is None or kind == "assistant"):
            _skip(skips, "bad-usage")
        return None
    if kind is not None and kind != "assistant":
        _skip(skips, "not-assistant")  # usage on a line whose type says it is something else
        return None
    if obj.get("isApiErrorMessage") is True:
        _skip(skips, "api-error")
        return None
    model = msg.get("model")
    if model == "<synthetic>":
        _skip(skips, "synthetic")
        return None
    model = _text(model)
    if model is None:
        _skip(skips, "no-model")
        return None
    event_id = _text(msg.get("id")) or _text(obj.get("requestId")) or _text(obj.get("uuid"))
    if event_id is None:
        _skip(skips, "no-id")
        return None
    try:
        ts_ms = _ts_ms(obj.get("timestamp"))
    except (ValueError, TypeError, OverflowError):
        _skip(skips, "bad-timestamp")
        return None
    if ts_ms < EARLIEST_MS or ts_ms > (latest if latest is not None else latest_ms()):
        _skip(skips, FAR_INSTANT)
        return None
    get = usage.get
    inp, cw, cr, out = (
        get("input_tokens", 0),
        get("cache_creation_input_tokens", 0),
        get("cache_read_input_tokens", 0),
        get("output_tokens", 0),
    )
    details = get("output_tokens_details")
    try:
        if not (type(inp) is int and type(cw) is int and type(cr) is int and type(out) is int
                and inp >= 0 and cw >= 0 and cr >= 0 and out >= 0):
            inp = _count(usage, "input_tokens")
            cw = _count(usage, "cache_creation_input_tokens")
            cr = _count(usage, "cache_read_input_tokens")
            out = _count(usage, "output_tokens")
        reasoning = 0
        if type(details) is dict:
            reasoning = min(_count(details, "thinking_tokens"), out)
    except ValueError:
        _skip(skips, "bad-usage")
        return None
    if inp > MAX_TOKENS or cw > MAX_TOKENS or cr > MAX_TOKENS or out > MAX_TOKENS:
        _skip(skips, ABSURD_COUNT)
        return None
    session, project = _text(obj.get("sessionId")), _text(obj.get("cwd"))
    if (len(model) > MAX_TEXT or len(event_id) > MAX_TEXT
            or (session is not None and len(session) > MAX_TEXT)
            or (project is not None and len(project) > MAX_TEXT)):
        _skip(skips, LONG_TEXT)
        return None
    return Event(
        CLIENT,
        event_id,
        model,
        ts_ms,
        "anthropic",
        session,
        project,
        inp,
        cw,
        cr,
        out - reasoning,
        reasoning,
        1,
        _cost(obj.get("costUSD")),
        SOURCE,
    )


def _cost(value: Any) -> float | None:
    """``costUSD`` when it is a finite non-negative number, else None."""
    if type(value) is not float and type(value) is not int:
        return None
    try:
        cost = float(value)
    except OverflowError:  # an integer too large for a float
        return None
    return cost if 0.0 <= cost and math.isfinite(cost) else None


def _keep(ev: Event, events: list[Event], seen: dict[str, Event]) -> bool:
    """Append ``ev`` (True), or merge it into the reading of the same response already
    kept (largest counts, earliest instant: the ledger's own merge rule, done early)."""
    prev = seen.get(ev.event_id)
    if prev is None:
        seen[ev.event_id] = ev
        events.append(ev)
        return True
    # Each line's output + reasoning is its whole output_tokens; the thinking part may
    # be stated on some lines only: keep the largest whole and the largest thinking.
    whole = max(ev.output_tokens + ev.reasoning_tokens, prev.output_tokens + prev.reasoning_tokens)
    thinking = max(ev.reasoning_tokens, prev.reasoning_tokens)
    prev.output_tokens = whole - thinking
    prev.reasoning_tokens = thinking
    if ev.input_tokens > prev.input_tokens:
        prev.input_tokens = ev.input_tokens
    if ev.cache_write_tokens > prev.cache_write_tokens:
        prev.cache_write_tokens = ev.cache_write_tokens
    if ev.cache_read_tokens > prev.cache_read_tokens:
        prev.cache_read_tokens = ev.cache_read_tokens
    if ev.ts_ms < prev.ts_ms:
        prev.ts_ms = ev.ts_ms
    if ev.cost_usd is not None and (prev.cost_usd is None or ev.cost_usd > prev.cost_usd):
        prev.cost_usd = ev.cost_usd
    return False


def parse(data: bytes, at_eof: bool, loads: Callable[[bytes], Any] = _loads) -> Parsed:
    """Events from transcript bytes that start at a line boundary.

    Consumes complete lines; at EOF, an unterminated last line is consumed only if
    it is already a complete JSON object (the newline is what is missing).
    ``loads`` decodes one line (stdlib ``json.loads`` unless the backfill passes
    :func:`fast_loads`); it raises ``ValueError`` on a line that is not JSON.

    Only lines containing ``"usage"`` can carry usage, and only those are decoded
    (tool results can be megabytes): they are found with ``bytes.find`` rather than
    by splitting every line. So ``invalid-json`` counts the broken lines that
    could have carried usage; a broken line that could not is passed over, as
    any other line without usage (counting them cost 40% of a backfill).

    Never raises on what a line holds: a line the decoder cannot take (``too-deep``:
    nesting beyond the interpreter's recursion limit; ``undecodable``: anything
    else it raises) or that the rules refuse is skipped and counted, and the lines
    around it are read as usual.
    """
    events: list[Event] = []
    skips: dict[str, int] = {}
    seen: dict[str, Event] = {}
    latest = latest_ms()
    consumed = data.rfind(b"\n") + 1
    find, rfind = data.find, data.rfind
    # Where the last response began, if nothing but its own lines followed it
    # (``stop + 1 < consumed`` after the loop: other lines follow the last usage line).
    tail_start = -1
    stop = -1
    i = find(_USAGE, 0, consumed)
    while i != -1:
        start = rfind(b"\n", 0, i) + 1
        stop = find(b"\n", i)
        try:
            ev = event_from_record(loads(data[start:stop]), skips, latest)
        except ValueError:  # JSONDecodeError and UnicodeDecodeError
            _skip(skips, "invalid-json")
            ev = None
        except RecursionError:
            _skip(skips, "too-deep")
            ev = None
        except Exception:  # noqa: BLE001 - whatever a line provokes, it is one skipped line
            _skip(skips, "undecodable")
            ev = None
        if ev is None:
            tail_start = -1  # another line came after the response: it is complete
        elif _keep(ev, events, seen):
            tail_start = start
        elif ev.event_id != events[-1].event_id:
            tail_start = -1
        i = find(_USAGE, stop + 1, consumed)
    if not at_eof and tail_start >= 0 and stop + 1 >= consumed:
        # More of the file follows: the last response may go on in the next chunk.
        # Leave it whole for the next call, so that its lines are merged together
        # (a thinking count stated on its last line only must not meet an earlier
        # line's undivided output in the ledger's per-column merge).
        del seen[events.pop().event_id]
        consumed = tail_start
    if at_eof and consumed < len(data):
        stripped = data[consumed:].strip()
        if stripped[:1] == b"{" and stripped[-1:] == b"}":
            obj: Any = None
            try:
                obj = _loads(stripped)
            except ValueError:
                pass  # maybe still being written: left for the next read
            except RecursionError:
                _skip(skips, "too-deep")
                consumed = len(data)
            except Exception:  # noqa: BLE001
                _skip(skips, "undecodable")
                consumed = len(data)
            if obj is not None:
                try:
                    ev = event_from_record(obj, skips, latest)
                except Exception:  # noqa: BLE001
                    _skip(skips, "undecodable")
                    ev = None
                if ev is not None:
                    _keep(ev, events, seen)
                consumed = len(data)
    return Parsed(events, consumed, skips)


def fast_loads() -> Callable[[bytes], Any] | None:
    """A faster line decoder for the backfill (never the hook): msgspec when installed.

    It decodes only the fields :func:`event_from_record` reads (the content blocks,
    where the bytes are, are validated but not built into objects) and returns
    the same dict shape as ``json.loads`` (a line without ``type`` included). A line
    msgspec rejects (a lone surrogate escape, ``NaN``...) is decoded again by
    ``json.loads``, so the result, and what counts as invalid, is that of the
    standard library; nesting too deep raises ``RecursionError`` in both.
    """
    try:
        import msgspec
    except ImportError:
        return None

    Message = msgspec.defstruct(
        "Message", [("id", Any, None), ("model", Any, None), ("usage", Any, None)]
    )
    Line = msgspec.defstruct(
        "Line",
        [
            ("type", Any, None),
            ("message", Message | None, None),  # content blocks: skipped, not built
            ("is_api_error", Any, None),
            ("request_id", Any, None),
            ("uuid", Any, None),
            ("timestamp", Any, None),
            ("session_id", Any, None),
            ("cwd", Any, None),
            ("cost_usd", Any, None),
        ],
        rename={
            "is_api_error": "isApiErrorMessage",
            "request_id": "requestId",
            "session_id": "sessionId",
            "cost_usd": "costUSD",
        },
    )
    line_decoder: Any = msgspec.json.Decoder(Line)
    errors = (msgspec.DecodeError, msgspec.ValidationError)

    def loads(line: bytes) -> Any:
        try:
            rec = line_decoder.decode(line)
        except errors:
            return _loads(line)  # the stdlib decides (and raises ValueError if it is not JSON)
        msg = rec.message
        if msg is None:
            return {"type": rec.type}
        return {
            "type": rec.type,
            "message": {"id": msg.id, "model": msg.model, "usage": msg.usage},
            "isApiErrorMessage": rec.is_api_error,
            "requestId": rec.request_id,
            "uuid": rec.uuid,
            "timestamp": rec.timestamp,
            "sessionId": rec.session_id,
            "cwd": rec.cwd,
            "costUSD": rec.cost_usd,
        }

    return loads


# -- where the files are ---------------------------------------------------------------


def config_dirs(env: Mapping[str, str] | None = None) -> list[Path]:
    """``$CLAUDE_CONFIG_DIR`` entries (comma-separated) when set, else ``~/.config/claude``
    and ``~/.claude``."""
    env = os.environ if env is None else env
    raw = env.get("CLAUDE_CONFIG_DIR", "").strip()
    if raw:
        return [Path(p.strip()).expanduser() for p in raw.split(",") if p.strip()]
    home = Path.home()
    return [home / ".config" / "claude", home / ".claude"]


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """The ``projects/`` folders that exist."""
    return [d / "projects" for d in config_dirs(env) if (d / "projects").is_dir()]


def walk_transcripts(root: Path) -> Iterator[str]:
    """Every ``*.jsonl`` under ``root`` (recursively: subagent files included), sorted.

    Regular files only (``is_file()`` follows a link to its target): a FIFO or a
    socket named ``*.jsonl`` is not listed, and the reader refuses one swapped in later.
    """
    yield from walk(str(root), lambda _folder, name: name.endswith(".jsonl"))


def transcripts(paths: list[Path]) -> list[str]:
    """Files to read for ``paths`` (files, folders, or a config dir), each once.

    A config dir (holding ``projects/``) is read from its ``projects/``; the same
    file reached twice (through a symlink, or a folder inside another) is listed once.
    """
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        resolved = _resolve(str(p))
        if resolved is None:
            continue  # no file can have such a name
        real = Path(resolved)
        try:
            if real.is_file():
                candidates: Iterator[str] = iter([str(real)])
            elif (real / "projects").is_dir():
                candidates = walk_transcripts(real / "projects")
            else:
                candidates = walk_transcripts(real)
        except OSError:  # a name too long, a loop of links...: nothing to read there
            continue
        for path in candidates:
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out



def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """Transcripts a hook payload points at: the session's, the subagent's, and the
    session's other subagent files (so a missed SubagentStop is caught up). Regular
    files only (the reader checks again on the open file)."""
    out: list[str] = []
    for key in ("transcript_path", "agent_transcript_path"):
        path = _resolve(payload.get(key))
        if path is not None and path not in out and os.path.isfile(path):
            out.append(path)
    main = _resolve(payload.get("transcript_path"))
    if main is not None and main.endswith(".jsonl"):
        for path in files_in(os.path.join(main[: -len(".jsonl")], "subagents"), ".jsonl"):
            if path not in out:
                out.append(path)
    return out


# -- settings files ------------------------------------------------------------------------

SCOPES: tuple[str, ...] = ("user", "project", "local")


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """The settings file of a scope: user (``$CLAUDE_CONFIG_DIR/settings.json`` when set,
    else ``~/.claude/settings.json``), project (``.claude/settings.json``) or local
    (``.claude/settings.local.json``)."""
    env = os.environ if env is None else env
    if scope == "user":
        raw = env.get("CLAUDE_CONFIG_DIR", "").strip()
        base = Path(raw.split(",")[0].strip()).expanduser() if raw else Path.home() / ".claude"
        return base / "settings.json"
    root = cwd or Path.cwd()
    if scope == "project":
        return root / ".claude" / "settings.json"
    if scope == "local":
        return root / ".claude" / "settings.local.json"
    raise ValueError(f"unknown scope {scope!r}; expected one of {', '.join(SCOPES)}")


DEFAULT_CLEANUP_DAYS = 30


def present(env: Mapping[str, str] | None = None) -> bool:
    """Claude Code is on this machine: one of its config dirs exists, or ``claude`` is on PATH."""
    import shutil

    env = os.environ if env is None else env
    return any(d.is_dir() for d in config_dirs(env)) or shutil.which("claude", path=env.get("PATH")) is not None


#: What ``tokenprint hooks install claude-code`` edits (``hooks.targets``).
INSTALL: tuple[Target, ...] = (JsonHooks(events=HOOK_EVENTS, timeout=10, settings_path=settings_path, scopes=SCOPES),)


def mcp_config_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """Where ``claude mcp add`` keeps MCP servers: user ``$CLAUDE_CONFIG_DIR/.claude.json``
    when set, else ``~/.claude.json``; project ``<cwd>/.mcp.json`` (both checked with
    ``claude mcp add -s user|project`` of Claude Code 2.1.197)."""
    env = os.environ if env is None else env
    if scope == "user":
        raw = env.get("CLAUDE_CONFIG_DIR", "").strip()
        return (Path(raw.split(",")[0].strip()).expanduser() if raw else Path.home()) / ".claude.json"
    if scope == "project":
        return (cwd or Path.cwd()) / ".mcp.json"
    raise ValueError(f"unknown scope {scope!r} for MCP servers; expected user or project")


#: What ``tokenprint mcp install claude-code`` edits: the entry ``claude mcp add -s user
#: tokenprint -- tokenprint mcp`` writes (``type`` first, ``env`` last). Never copied into
#: backups: ``~/.claude.json`` keeps ``primaryApiKey`` after a Console login (and
#: ``.mcp.json`` servers' ``env`` may hold tokens); Claude Code writes it as
#: ``JSON.stringify(config, null, 2)``, which the uninstall gives back byte for byte.
MCP_INSTALL: tuple[Target, ...] = (
    JsonMcpServer(settings_path=mcp_config_path, scopes=("user", "project"),
                  extra=(("type", "stdio"),), extra_after=(("env", {}),), copies=False),
)
