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
- unparsable lines are skipped and counted, never fatal; an unterminated last line
  is consumed only when it is already a complete JSON object;
- no text is kept: ids, model, instant, session id, the session's ``cwd`` as the
  project, and counts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hooks.tail import Parsed, split_lines
from ledger.events import Event

CLIENT = "claude-code"
SOURCE = "transcript"
#: Hook events the installer registers (Stop and SubagentStop take no matcher).
HOOK_EVENTS: tuple[str, ...] = ("Stop", "SubagentStop", "SessionEnd")

_USAGE = b'"usage"'
_loads = json.loads
_fromiso = datetime.fromisoformat


# -- the pure part --------------------------------------------------------------------


def _count(usage: Mapping[str, Any], name: str) -> int:
    value = usage.get(name)
    if value is None:
        return 0
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, float) and value >= 0 and value.is_integer():
        return int(value)
    raise ValueError(name)


def _text(value: Any) -> str | None:
    """A short metadata string safe to store (no lone surrogates)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def _ts_ms(value: Any) -> int:
    if not isinstance(value, str):
        raise ValueError("timestamp")
    dt = _fromiso(value)  # Python 3.11 reads "Z" and fractional seconds
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)  # a naive instant is UTC
    return round(dt.timestamp() * 1000)


def event_from_record(obj: Any, skips: dict[str, int]) -> Event | None:
    """The event of one parsed transcript line, or None (``skips`` says why when it matters)."""
    if not isinstance(obj, dict):
        skips["not-an-object"] = skips.get("not-an-object", 0) + 1
        return None
    kind = obj.get("type")
    if kind != "assistant":
        if kind == "progress":
            skips["progress-copy"] = skips.get("progress-copy", 0) + 1
        return None
    msg = obj.get("message")
    if not isinstance(msg, dict):
        return None
    usage = msg.get("usage")
    if not isinstance(usage, dict):
        return None
    if obj.get("isApiErrorMessage") is True:
        skips["api-error"] = skips.get("api-error", 0) + 1
        return None
    model = msg.get("model")
    if model == "<synthetic>":
        skips["synthetic"] = skips.get("synthetic", 0) + 1
        return None
    model = _text(model)
    if model is None:
        skips["no-model"] = skips.get("no-model", 0) + 1
        return None
    event_id = _text(msg.get("id")) or _text(obj.get("requestId")) or _text(obj.get("uuid"))
    if event_id is None:
        skips["no-id"] = skips.get("no-id", 0) + 1
        return None
    try:
        ts_ms = _ts_ms(obj.get("timestamp"))
    except (ValueError, TypeError, OverflowError):
        skips["bad-timestamp"] = skips.get("bad-timestamp", 0) + 1
        return None
    try:
        output = _count(usage, "output_tokens")
        details = usage.get("output_tokens_details")
        reasoning = 0
        if isinstance(details, dict):
            reasoning = min(_count(details, "thinking_tokens"), output)
        ev = Event(
            client=CLIENT,
            event_id=event_id,
            model=model,
            ts_ms=ts_ms,
            provider="anthropic",
            session=_text(obj.get("sessionId")),
            project=_text(obj.get("cwd")),
            input_tokens=_count(usage, "input_tokens"),
            cache_write_tokens=_count(usage, "cache_creation_input_tokens"),
            cache_read_tokens=_count(usage, "cache_read_input_tokens"),
            output_tokens=output - reasoning,
            reasoning_tokens=reasoning,
            requests=1,
            source=SOURCE,
        )
    except ValueError:
        skips["bad-usage"] = skips.get("bad-usage", 0) + 1
        return None
    cost = obj.get("costUSD")
    if isinstance(cost, int | float) and not isinstance(cost, bool) and cost >= 0:
        ev.cost_usd = float(cost)
    return ev


def _line(line: bytes, events: list[Event], skips: dict[str, int]) -> None:
    if _USAGE not in line:
        # Cannot carry usage: not parsed (tool results can be megabytes). A line that
        # is not even shaped like an object is still counted as broken.
        stripped = line.strip()
        if stripped and not (stripped[:1] == b"{" and stripped[-1:] == b"}"):
            skips["invalid-json"] = skips.get("invalid-json", 0) + 1
        return
    try:
        obj = _loads(line)
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        skips["invalid-json"] = skips.get("invalid-json", 0) + 1
        return
    ev = event_from_record(obj, skips)
    if ev is not None:
        events.append(ev)


def parse(data: bytes, at_eof: bool) -> Parsed:
    """Events from transcript bytes that start at a line boundary.

    Consumes complete lines; at EOF, an unterminated last line is consumed only if
    it is already a complete JSON object (the newline is what is missing).
    """
    events: list[Event] = []
    skips: dict[str, int] = {}
    lines, consumed = split_lines(data)
    for line in lines:
        _line(line, events, skips)
    if at_eof and consumed < len(data):
        tail = data[consumed:]
        stripped = tail.strip()
        if stripped[:1] == b"{" and stripped[-1:] == b"}":
            try:
                obj = _loads(stripped)
            except ValueError:
                obj = None
            if obj is not None:
                ev = event_from_record(obj, skips)
                if ev is not None:
                    events.append(ev)
                consumed = len(data)
    return Parsed(events, consumed, skips)


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
    """Every ``*.jsonl`` under ``root`` (recursively: subagent files included), sorted."""
    stack = [str(root)]
    found: list[str] = []
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                for entry in it:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.name.endswith(".jsonl") and entry.is_file():
                            found.append(entry.path)
                    except OSError:
                        continue
        except OSError:
            continue
    found.sort()
    yield from found


def transcripts(paths: list[Path]) -> list[str]:
    """Files to read for ``paths`` (files, folders, or a config dir), each once.

    A config dir (holding ``projects/``) is read from its ``projects/``; the same
    file reached twice (through a symlink, or a folder inside another) is listed once.
    """
    out: list[str] = []
    seen: set[str] = set()
    for p in paths:
        real = Path(os.path.realpath(p))
        if real.is_file():
            candidates: Iterator[str] = iter([str(real)])
        elif (real / "projects").is_dir():
            candidates = walk_transcripts(real / "projects")
        else:
            candidates = walk_transcripts(real)
        for path in candidates:
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """Transcripts a hook payload points at: the session's, the subagent's, and the
    session's other subagent files (so a missed SubagentStop is caught up)."""
    out: list[str] = []
    for key in ("transcript_path", "agent_transcript_path"):
        value = payload.get(key)
        if isinstance(value, str) and value:
            path = os.path.realpath(os.path.expanduser(value))
            if path not in out and os.path.isfile(path):
                out.append(path)
    main = payload.get("transcript_path")
    if isinstance(main, str) and main.endswith(".jsonl"):
        sub = os.path.join(os.path.realpath(os.path.expanduser(main))[: -len(".jsonl")], "subagents")
        try:
            names = sorted(os.listdir(sub))
        except OSError:
            names = []
        for name in names:
            if name.endswith(".jsonl"):
                path = os.path.join(sub, name)
                if path not in out:
                    out.append(path)
    return out
