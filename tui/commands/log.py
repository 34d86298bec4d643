"""``tokenprint log``: record usage from any script (flags, or ``--json -``).

The whole batch is validated before anything is written: one bad item rejects
the batch with exit 2 and a message naming the item; nothing is written. What
cannot be real is refused the same way: a count above the maximum per request,
an instant outside the accepted window (``ledger.events`` states both), a
non-finite or fractional number, JSON nested deeper than the parser allows or
an input larger than ``MAX_JSON_BYTES``.
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

import click

from tui.common import common, fail, handles_errors, open_store

#: Largest JSON input read (stdin or a file): 16 MiB, some 50,000 events of
#: about 300 bytes. A bigger batch can be split into several runs.
MAX_JSON_BYTES = 16 * 1024 * 1024


def _read_capped(stream: IO[bytes], where: str) -> str:
    data = stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        fail(
            f"{where}: more than {MAX_JSON_BYTES // (1024 * 1024)} MiB of JSON; "
            "split the batch into smaller runs; nothing was recorded"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{where}: not UTF-8 (byte {exc.start}); nothing was recorded")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_json(raw: str, where: str) -> Any:
    try:
        return json.loads(raw, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        fail(f"{where}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
    except RecursionError:  # the parser's own depth limit (about 1,000 levels)
        fail(f"{where}: JSON nested too deeply (an event is an object, or an array of them); nothing was recorded")
    except ValueError as exc:  # NaN/Infinity, or an integer of more than 4,300 digits
        fail(f"{where}: not valid JSON: {str(exc).splitlines()[0][:120]}; nothing was recorded")


@click.command()
@click.option("--json", "json_path", metavar="FILE", help="Read one JSON object or an array of them ('-' for stdin).")
@click.option("--client", default="manual", show_default=True, help="Client name (e.g. claude-code, codex, manual).")
@click.option("--model", help="Model id as the client reported it.")
@click.option("--timestamp", help="RFC 3339 instant (default: now).")
@click.option("--input", "input_tokens", type=int, help="Fresh input tokens (not from a cache).")
@click.option("--output", "output_tokens", type=int, help="Visible output tokens (reasoning excluded).")
@click.option("--cache-read", "cache_read_tokens", type=int, help="Input tokens read from a cache.")
@click.option("--cache-write", "cache_write_tokens", type=int, help="Input tokens written to a cache.")
@click.option("--reasoning", "reasoning_tokens", type=int, help="Reasoning (thinking) tokens.")
@click.option("--requests", type=int, help="API calls (default 1).")
@click.option("--cost", "cost_usd", type=float, help="Cost in USD as the client reported it.")
@click.option("--session", help="Session id.")
@click.option("--project", help="Project (e.g. the working directory).")
@click.option("--provider", help="Provider (e.g. anthropic, openai).")
@click.option("--id", "event_id", help="Unique id: the same id twice is one event.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@common()
@handles_errors
def log(json_path: str | None, quiet: bool, **flags: Any) -> None:
    """Record usage: one event from flags, or a batch from JSON (--json FILE, '-' for stdin).

    The JSON is one object or an array of them: model (required), client (default
    manual), timestamp (RFC 3339, default now), input_tokens, cache_write_tokens,
    cache_read_tokens, output_tokens, reasoning_tokens (default 0), requests
    (default 1), and optional cost_usd, provider, session, project and id (the same
    id twice is one event). Other keys are ignored; one bad item refuses the batch.
    """
    from ledger.events import EventError, event_from_json, now_ms

    items: list[Any]
    where_prefix: str
    if json_path is not None:
        if json_path == "-":
            raw = _read_capped(sys.stdin.buffer, "stdin")
            where_prefix = "stdin"
        else:
            try:
                with open(json_path, "rb") as fh:
                    raw = _read_capped(fh, json_path)
            except OSError as exc:
                fail(f"cannot read {json_path}: {exc.strerror}")
            where_prefix = json_path
        data = _parse_json(raw, where_prefix)
        if isinstance(data, list):
            items = data
            wheres = [f"{where_prefix}: item {i}" for i in range(len(items))]
        else:
            items = [data]
            wheres = [where_prefix]
        if not items:
            fail(f"{where_prefix}: the array is empty; nothing to record")
    else:
        item = {("id" if k == "event_id" else k): v for k, v in flags.items() if v is not None}
        if "model" not in item:
            fail("--model is required (or give --json FILE)")
        items, wheres = [item], ["flags"]
    now = now_ms()
    events = []
    for item, where in zip(items, wheres, strict=True):
        try:
            events.append(event_from_json(item, where, now=now))
        except EventError as exc:
            fail(f"{exc}; nothing was recorded")
    store = open_store(demo=False)
    try:
        result = store.ingest(events)
    finally:
        store.dispose()
    if not quiet:
        click.echo(
            f"recorded {len(events)} event(s): {result.new} new, {result.updated} updated, "
            f"{result.unchanged} unchanged"
        )
