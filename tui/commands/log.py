"""``tokenprint log``: record usage from any script (flags, or ``--json -``).

The whole batch is validated before anything is written: one bad item rejects
the batch with exit 2 and a message naming the item; nothing is written.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tui.common import common, fail, handles_errors, open_store


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
            raw = sys.stdin.read()
            where_prefix = "stdin"
        else:
            try:
                with open(json_path, encoding="utf-8") as fh:
                    raw = fh.read()
            except OSError as exc:
                fail(f"cannot read {json_path}: {exc.strerror}")
            where_prefix = json_path
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            fail(f"{where_prefix}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
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
