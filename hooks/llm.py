"""llm (Simon Willison's CLI): where a row of llm's ``logs.db`` becomes a ledger event.

Standard library only (the import path reads it; llm has no hook: ``llm footprint``,
the ``llm-tokenprint`` plugin in ``plugins/llm/``, imports through ``tokenprint
import llm``'s code).

Where: ``logs.db`` in llm's user folder, ``$LLM_USER_PATH``, else
``click.get_app_dir("io.datasette.llm")`` (``llm/cli.py``: ``user_dir()``,
``logs_db_path()``): ``~/.config/io.datasette.llm`` (``$XDG_CONFIG_HOME``) on Linux,
``~/Library/Application Support/io.datasette.llm`` on macOS, ``%APPDATA%`` on
Windows. It is opened read only (``hooks.dbsource``); nothing is ever written to it.

The tables (``llm/migrations.py``):

- ``responses`` (m010, llm 0.5 to 0.31): ``id``, ``model``, ``datetime_utc``,
  ``conversation_id``, ``duration_ms``; m013 (0.19) adds ``input_tokens``,
  ``output_tokens``, ``token_details``; m019 (0.27) ``resolved_model``. Older rows, and
  rows of models whose plugin reported no usage, have NULL counts: they are skipped
  under ``no-usage`` (not estimated: the whole conversation that was sent is not in
  the row, so a text estimate would be a guess);
- ``turns`` (m023, 0.32): ``id``, ``thread_id``, ``model``, ``resolved_model``,
  ``input_tokens``, ``output_tokens``, ``token_details``, ``duration_ms``,
  ``datetime_utc``, ... (``llm/logs.py``: ``LogStore._log_in_transaction``, written with
  ``replace=True``). 0.32 writes only ``turns`` and leaves the old ``responses`` rows;
  a turn's id is the response's id, so a ``responses`` row whose id is also in
  ``turns`` is the same request: only the turn is read (``NOT EXISTS`` on the turns'
  primary key), and both give the same event id, so it counts once whatever the order
  of the reads.

The counting rules (:func:`buckets`, :func:`row_event`): one event per row, id = the
row's id (a ULID); model = ``resolved_model`` when set, else ``model``; session = the
conversation (``conversation_id``, ``thread_id``); no project (llm runs anywhere and
records no folder); no cost (llm records none); the instant is ``datetime_utc`` (ISO
8601; naive before llm 0.32 wrote ``+00:00``: taken as UTC). ``token_details`` is
NULL when empty and otherwise the provider's extra usage, zeros removed
(``llm/utils.py``: ``simplify_usage_dict``), split into the ledger's buckets:

- OpenAI Chat Completions (``llm/default_plugins/openai_models.py``: ``set_usage``):
  ``prompt_tokens_details.cached_tokens`` is inside ``input_tokens`` (cache read),
  ``completion_tokens_details.reasoning_tokens`` inside ``output_tokens``;
- OpenAI Responses API (0.32: ``_set_usage_responses``, the default for reasoning
  models): ``input_tokens_details.cached_tokens`` (and ``cache_write_tokens``, which
  some compatible servers report) inside input, ``output_tokens_details.
  reasoning_tokens`` inside output;
- Anthropic (``llm-anthropic``: ``set_usage``, details only with the ``cache`` option
  or server tools): Anthropic's ``input_tokens`` is the fresh input alone, and
  ``cache_creation_input_tokens`` / ``cache_read_input_tokens`` come on top of it;
- Gemini (``llm-gemini``: ``set_usage``): ``cachedContentTokenCount`` is inside
  ``promptTokenCount`` (= ``input_tokens``); since llm-gemini 0.19.1 ``output_tokens``
  is ``candidatesTokenCount + thoughtsTokenCount`` (reasoning inside), before it
  ``candidatesTokenCount`` alone (reasoning apart): the row says which.

A part said to be inside a count larger than the count is capped at it (no bucket
goes negative). Malformed rows are counted skips (``bad-usage``, ``invalid-json``,
``no-model``, ``bad-timestamp``, ``no-id`` and the ledger's limits), never errors.

Reading only what is new (:func:`read_database`): a watermark per table, the largest
``rowid`` read and the id it held (``Position.state``, committed with the events).
Both tables are rowid tables with a text primary key, appended to, so new rows (and a
turn rewritten by ``INSERT OR REPLACE``) have a larger rowid: a read asks the rowid
b-tree for ``rowid > watermark`` and touches no older row. When the row at the
watermark no longer holds its id (rows deleted and rowids reused, a ``VACUUM``, a
table rebuilt by a migration, an older copy put back), that table is read again from
the start: harmless, event ids are natural keys.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from hooks import dbsource
from hooks.dbsource import Batch, Source
from hooks.fields import latest_ms
from hooks.fields import skip as _skip
from hooks.fields import text as _text
from hooks.tail import Parsed
from ledger.events import (
    ABSURD_COUNT,
    EARLIEST_MS,
    FAR_INSTANT,
    LONG_TEXT,
    MAX_TEXT_CHARS,
    MAX_TOKENS_PER_REQUEST,
    Event,
    parse_timestamp,
)

CLIENT = "llm"
NAME = "llm"
SOURCE_NOUN = "databases"
SOURCE = "llm-logs"
#: llm has no hook: nothing to install (``llm footprint`` imports on demand).
SCOPES: tuple[str, ...] = ()
INSTALL: tuple[Any, ...] = ()
#: Why there is nothing to install (``hooks status``, ``hooks --help``).
NO_HOOKS = "llm has no hook after a response; `llm footprint` (the llm-tokenprint plugin) or `tokenprint import llm` reads its logs.db"
HOOK_EVENTS: tuple[str, ...] = ()

LOGS_DB = "logs.db"
APP_NAME = "io.datasette.llm"
#: Rows fetched at once (bounded memory; one batch, with its watermark, each).
CHUNK_ROWS = 2000
#: The tables read, in this order: turns first, so a ``responses`` row it holds is passed.
TABLES: tuple[str, ...] = ("turns", "responses")
#: Each table's conversation column.
_SESSION = {"turns": "thread_id", "responses": "conversation_id"}
#: Columns an event is made of (NULL when a table's schema has not got them yet).
_COLUMNS = ("id", "model", "resolved_model", "input_tokens", "output_tokens", "token_details", "datetime_utc")


# -- the pure part ------------------------------------------------------------------------


def _n(value: Any) -> int:
    """A token count from a row or ``token_details``: NULL/absent is 0; raises ``ValueError``."""
    if value is None:
        return 0
    if type(value) is int and value >= 0:
        return value
    if isinstance(value, float) and math.isfinite(value) and value >= 0 and value.is_integer():
        return int(value)
    raise ValueError(value)


def _obj(value: Any) -> Mapping[str, Any]:
    """A nested details object (``prompt_tokens_details``...): null is empty; raises ``ValueError``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(value)
    return value


def buckets(input_tokens: Any, output_tokens: Any, details: Any) -> tuple[int, int, int, int, int]:
    """``(input, cache_write, cache_read, output, reasoning)`` of one llm row: its two
    counts and its decoded ``token_details`` (None or a dict). Raises ``ValueError``
    for counts that are not non-negative integers, or details that are not an object."""
    inp, out = _n(input_tokens), _n(output_tokens)
    if details is None:
        return inp, 0, 0, out, 0
    if not isinstance(details, Mapping):
        raise ValueError("token_details")
    cached = written_in = written = read_apart = reasoning = thoughts = 0
    candidates: Any = None
    # One pass over what the row holds (a few keys), each key to its rule.
    for key, value in details.items():
        if key == "prompt_tokens_details":  # OpenAI Chat: inside the input
            cached += _n(_obj(value).get("cached_tokens"))
        elif key == "input_tokens_details":  # OpenAI Responses: inside the input
            sub = _obj(value)
            cached += _n(sub.get("cached_tokens"))
            written_in += _n(sub.get("cache_write_tokens"))
        elif key == "completion_tokens_details" or key == "output_tokens_details":  # inside the output
            reasoning += _n(_obj(value).get("reasoning_tokens"))
        elif key == "cachedContentTokenCount":  # Gemini: inside the prompt count
            cached += _n(value)
        elif key == "cache_creation_input_tokens":  # Anthropic: beside the input
            written += _n(value)
        elif key == "cache_read_input_tokens":
            read_apart += _n(value)
        elif key == "thoughtsTokenCount":
            thoughts = _n(value)
        elif key == "candidatesTokenCount":
            candidates = value
    cached = min(cached, inp)
    written_in = min(written_in, inp - cached)
    fresh = inp - cached - written_in
    reasoning = min(reasoning, out)
    visible = out - reasoning
    if thoughts:
        if type(candidates) is int and candidates == visible:
            reasoning += thoughts  # llm-gemini before 0.19.1: output was the candidates alone
        else:  # since 0.19.1 output = candidates + thoughts
            inside = min(thoughts, visible)
            reasoning += inside
            visible -= inside
    return fresh, written_in + written, cached + read_apart, visible, reasoning


def row_event(table: str, row: Mapping[str, Any], skips: dict[str, int], latest: int | None = None,
              session_column: str | None = None) -> Event | None:
    """The event of one row of ``turns`` or ``responses`` (its columns by name; a
    column the schema lacks is None), or None with the reason counted in ``skips``."""
    ident = _text(row.get("id"))
    if ident is None:
        _skip(skips, "no-id")
        return None
    raw_in, raw_out = row.get("input_tokens"), row.get("output_tokens")
    if raw_in is None and raw_out is None:
        _skip(skips, "no-usage")
        return None
    model = _text(row.get("resolved_model")) or _text(row.get("model"))
    if model is None or not model.strip():
        _skip(skips, "no-model")
        return None
    model = model.strip()
    raw_details = row.get("token_details")
    details: Any = None
    if raw_details is not None and raw_details != "":
        if isinstance(raw_details, bytes):
            try:
                raw_details = raw_details.decode("utf-8")
            except UnicodeDecodeError:
                _skip(skips, "invalid-json")
                return None
        if not isinstance(raw_details, str):
            _skip(skips, "bad-usage")
            return None
        try:
            details = json.loads(raw_details)
        except RecursionError:
            _skip(skips, "too-deep")
            return None
        except ValueError:
            _skip(skips, "invalid-json")
            return None
    try:
        inp, cw, cr, out, reasoning = buckets(raw_in, raw_out, details)
    except (ValueError, TypeError):
        _skip(skips, "bad-usage")
        return None
    if max(inp, cw, cr, out, reasoning) > MAX_TOKENS_PER_REQUEST:
        _skip(skips, ABSURD_COUNT)
        return None
    try:
        ts = parse_timestamp(row.get("datetime_utc"))
    except (ValueError, TypeError, OverflowError, OSError):
        _skip(skips, "bad-timestamp")
        return None
    if ts < EARLIEST_MS or ts > (latest if latest is not None else latest_ms()):
        _skip(skips, FAR_INSTANT)
        return None
    session = _text(row.get(session_column or _SESSION.get(table, "conversation_id")))
    if len(ident) > MAX_TEXT_CHARS or len(model) > MAX_TEXT_CHARS or (session and len(session) > MAX_TEXT_CHARS):
        _skip(skips, LONG_TEXT)
        return None
    return Event(CLIENT, ident, model, ts, None, session, None, inp, cw, cr, out, reasoning, 1, None, SOURCE)


def parse(data: bytes, at_eof: bool, loads: Any = None) -> Parsed:
    """llm has no line-oriented source: ``logs.db`` is read by :func:`read_source`."""
    return Parsed([], len(data) if at_eof else 0)


# -- the database ---------------------------------------------------------------------------


def source_kind(path: str) -> str:
    """Every llm source is a database (``logs.db``, or a copy of it)."""
    return dbsource.SQLITE


def read_source(source: Source, state: dict[str, Any], focus: Mapping[str, str]) -> Iterator[Batch]:
    """What is new in a ``logs.db`` since ``state`` (llm has no hook, so no focus)."""
    assert source.conn is not None
    return read_database(source.conn, state)


def _columns(conn: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for table in TABLES:
        cols = {str(r[1]) for r in conn.execute(f"PRAGMA table_info({table})")}
        if "id" in cols:
            out[table] = cols
    return out


def _select(table: str, cols: set[str], dedupe: bool) -> str:
    picked = [f"t.{c}" if c in cols else f"NULL AS {c}" for c in _COLUMNS]
    session = _SESSION[table]
    picked.append(f"t.{session}" if session in cols else f"NULL AS {session}")
    sql = f"SELECT t.rowid, {', '.join(picked)} FROM {table} t WHERE t.rowid > ?"
    if dedupe:
        sql += " AND NOT EXISTS (SELECT 1 FROM turns u WHERE u.id = t.id)"
    return sql + " ORDER BY t.rowid LIMIT ?"


def _weight(values: tuple[Any, ...]) -> int:
    """What a row's values weigh, roughly in bytes (for the import's progress)."""
    return sum(len(v) if isinstance(v, (str, bytes)) else 8 for v in values)


def read_database(conn: Any, state: Mapping[str, Any]) -> Iterator[Batch]:
    """The events of the rows of ``turns`` and ``responses`` past ``state``'s watermarks
    (``{table: {"r": rowid, "id": the id at that rowid}}``), ``CHUNK_ROWS`` a batch."""
    marks: dict[str, dict[str, Any]] = {
        k: dict(v) for k, v in state.items() if k in TABLES and isinstance(v, dict)}
    with dbsource.snapshot(conn):
        tables = _columns(conn)
        for table in list(marks):
            r, ident = marks[table].get("r"), marks[table].get("id")
            if table not in tables or type(r) is not int:
                del marks[table]
                continue
            got = conn.execute(f"SELECT id FROM {table} WHERE rowid = ?", (r,)).fetchone()
            if got is None or got[0] != ident:
                del marks[table]  # the content went back or was rebuilt: read it again
    latest = latest_ms()
    for table in TABLES:
        if table not in tables:
            continue
        sql = _select(table, tables[table], dedupe=table == "responses" and "turns" in tables)
        session = _SESSION[table]
        names = (*_COLUMNS, session)
        while True:
            after = marks.get(table, {}).get("r", 0)
            with dbsource.snapshot(conn):
                rows = conn.execute(sql, (after, CHUNK_ROWS)).fetchall()
            if not rows:
                break
            skips: dict[str, int] = {}
            events: list[Event] = []
            nbytes = 0
            for _rowid, *values in rows:
                nbytes += _weight(tuple(values))
                ev = row_event(table, dict(zip(names, values, strict=True)), skips, latest, session)
                if ev is not None:
                    events.append(ev)
            last = rows[-1]
            marks[table] = {"r": int(last[0]), "id": last[1]}
            yield Batch(events, {k: dict(v) for k, v in marks.items()}, skips, nbytes)
            if len(rows) < CHUNK_ROWS:
                break
    yield Batch([], {k: dict(v) for k, v in marks.items()}, {}, 0)


# -- where the files are ------------------------------------------------------------------


def user_dir(env: Mapping[str, str] | None = None) -> Path:
    """llm's user folder: ``$LLM_USER_PATH``, else ``click.get_app_dir("io.datasette.llm")``
    (``llm/cli.py``: ``user_dir()``), computed here without importing click."""
    env = os.environ if env is None else env
    raw = env.get("LLM_USER_PATH", "")
    if raw:
        return Path(raw).expanduser()
    home_raw = env.get("HOME", "").strip()
    home = Path(home_raw) if home_raw else Path.home()
    if sys.platform == "win32":
        base = env.get("APPDATA") or str(home)
        return Path(base) / APP_NAME
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / APP_NAME
    xdg = env.get("XDG_CONFIG_HOME", "")
    return (Path(xdg) if xdg else home / ".config") / APP_NAME


def logs_db(env: Mapping[str, str] | None = None) -> Path:
    """``logs.db`` in llm's user folder (``llm/cli.py``: ``logs_db_path()``)."""
    return user_dir(env) / LOGS_DB


def default_roots(env: Mapping[str, str] | None = None) -> list[Path]:
    """llm's user folder, when it exists."""
    d = user_dir(env)
    return [d] if d.is_dir() else []


def transcripts(paths: list[Path]) -> list[str]:
    """Sources for ``paths``: a file is a database (``logs.db`` or a copy); a folder
    gives its ``logs.db``. Each once, resolved."""
    out: list[str] = []
    for p in paths:
        try:
            real = Path(os.path.realpath(os.path.expanduser(str(p))))
            if real.is_dir():
                real = real / LOGS_DB
            if not real.is_file():
                continue
        except (OSError, ValueError):
            continue
        if str(real) not in out:
            out.append(str(real))
    return out


def hook_paths(payload: Mapping[str, Any]) -> list[str]:
    """llm has no hook; a payload (from ``tokenprint-hook llm``) reads its database."""
    return transcripts([user_dir()])


def present(env: Mapping[str, str] | None = None) -> bool:
    """llm is on this machine: its user folder exists, or ``llm`` is on PATH."""
    import shutil

    env = os.environ if env is None else env
    return user_dir(env).is_dir() or shutil.which("llm", path=env.get("PATH")) is not None


def settings_path(scope: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """llm has no hook settings (``SCOPES`` is empty)."""
    raise ValueError(f"llm has no hook settings (scope {scope!r}); run `llm footprint` or `tokenprint import llm`")
