"""The adapter of Example Chat (``example-client``), an invented client: its log lines to events.

A plugin's adapter declares what a built-in one does (``hooks/claude_code.py``):
where the client keeps its files, a pure ``parse`` from bytes to events, what a hook
payload names, and what ``tokenprint hooks install`` edits. Standard library only
(with tokenprint's own ``hooks`` and ``ledger``): the client's hook imports it.

A log line (UTF-8, space-separated; blank lines and ``#`` comments are passed over)::

    <request id> <RFC 3339 instant> <model> in=<fresh input> out=<output> [cached=<cache read>] [think=<reasoning>]

``out`` excludes reasoning (``think``), and ``in`` excludes the cached input
(``cached``): no token is counted twice. The request id is the event's natural key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooks.fields import latest_ms, skip
from hooks.tail import Parsed, walk
from hooks.targets import JsonHooks, Target
from ledger.events import (
    EARLIEST_MS,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
    parse_timestamp,
)

CLIENT = "example-client"
NAME = "Example Chat"
SOURCE = "example-log"
SOURCE_NOUN = "logs"
HOOK_EVENTS: tuple[str, ...] = ("Stop",)
#: ``key=`` -> the ledger's bucket.
BUCKETS = {"in": "input_tokens", "out": "output_tokens", "cached": "cache_read_tokens",
           "think": "reasoning_tokens"}


def _event(line: bytes, skips: dict[str, int], latest: int) -> Event | None:
    try:
        words = line.decode("utf-8").split()
    except UnicodeDecodeError:
        skip(skips, "undecodable")
        return None
    if not words or words[0].startswith("#"):
        return None
    if len(words) < 4:
        skip(skips, "no-id" if len(words) < 2 else "bad-usage")
        return None
    event_id, instant, model, *fields = words
    if max(len(event_id), len(model)) > MAX_TEXT_CHARS:
        skip(skips, "long-text")
        return None
    try:
        ts = parse_timestamp(instant)
    except ValueError:
        skip(skips, "bad-timestamp")
        return None
    if not EARLIEST_MS <= ts <= latest:
        skip(skips, "far-instant")
        return None
    counts: dict[str, int] = {}
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep or key not in BUCKETS or not value.isdigit() or BUCKETS[key] in counts:
            skip(skips, "bad-usage")
            return None
        counts[BUCKETS[key]] = int(value)
    if "input_tokens" not in counts or "output_tokens" not in counts:
        skip(skips, "bad-usage")
        return None
    if any(n > MAX_TOKENS_PER_REQUEST for n in counts.values()):
        skip(skips, "absurd-count")
        return None
    ev = Event(client=CLIENT, event_id=event_id, model=model, ts_ms=ts, provider="example", source=SOURCE)
    for bucket, n in counts.items():
        setattr(ev, bucket, n)
    return ev


def parse(data: bytes, at_eof: bool) -> Parsed:
    """Events from log bytes starting at a line boundary. Complete lines only: an
    unterminated last line is being written, and stays for the next read. The same
    request id twice: the later line stands (a client that rewrites a line)."""
    consumed = data.rfind(b"\n") + 1
    skips: dict[str, int] = {}
    by_id: dict[str, Event] = {}
    latest = latest_ms()
    for line in data[:consumed].split(b"\n"):
        ev = _event(line, skips, latest)
        if ev is not None:
            by_id.pop(ev.event_id, None)
            by_id[ev.event_id] = ev
    return Parsed(list(by_id.values()), consumed, skips)


# -- where the files are ---------------------------------------------------------------------


def client_home(env: Mapping[str, str] | None = None) -> Path:
    """``$EXAMPLE_CLIENT_HOME``, else ``~/.example-client``."""
    env = os.environ if env is None else env
    raw = env.get("EXAMPLE_CLIENT_HOME", "").strip()
    return Path(raw).expanduser() if raw else Path.home() / ".example-client"


def search_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    return [client_home(env) / "logs"]


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    return [p for p in search_roots(env) if p.is_dir()]


def transcripts(paths: list[Path]) -> list[str]:
    """The ``*.log`` files of ``paths`` (files, folders, or the client's home), each once."""
    out: list[str] = []
    for p in paths:
        p = p / "logs" if (p / "logs").is_dir() else p
        found = [str(p)] if p.is_file() else list(walk(str(p), lambda _d, name: name.endswith(".log")))
        out += [f for f in found if f not in out]
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """The log the ``Stop`` payload names (``log_path``), if it is a file."""
    path = payload.get("log_path")
    return [path] if isinstance(path, str) and os.path.isfile(path) else []


def present(env: Mapping[str, str] | None = None) -> bool:
    return client_home(env).is_dir()


# -- settings file ---------------------------------------------------------------------------

SCOPES: tuple[str, ...] = ("user",)


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    if scope != "user":
        raise ValueError(f"unknown scope {scope!r}; expected user")
    return client_home(env) / "settings.json"


INSTALL: tuple[Target, ...] = (JsonHooks(events=HOOK_EVENTS, timeout=10, settings_path=settings_path,
                                         scopes=SCOPES),)
