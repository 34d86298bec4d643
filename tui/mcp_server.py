"""``tokenprint mcp``: a Model Context Protocol server on stdio, so the chat can ask
about its own footprint.

Built with the official ``mcp`` Python SDK (its low-level ``Server``: each tool is
declared with its own JSON schema and description, and the arguments are checked
against that schema with ``jsonschema`` before anything runs). Imported only by
``tui.commands.mcp``: no other command loads the SDK.

Tools, each built from the functions behind the CLI's JSON, so the numbers are
those of ``report --json`` and ``estimate --json`` on the same ledger:

- ``footprint``: a dashboard period (``tui.data.period_bounds``: today, week,
  month, year, all) through ``ledger.report.build_report``, its previous period
  the same way, the equivalents of the export (``ledger.export.insight``);
- ``estimate``: ``tui.commands.estimate.estimate_payload``;
- ``compare_models``: the same usage through ``estimate_payload`` for each model;
- ``methodology``: the object of ``methodology --json`` (boundary, formulas,
  factors with their sources).

Bad arguments come back as a tool result with ``isError`` (the model can read the
message and correct itself); an unknown tool is a JSON-RPC error. The server keeps
serving after either. Nothing is written to stdout but the protocol.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ledger.vocab import CLIENTS, COUNT_FIELDS

SERVER_NAME = "tokenprint"

PERIOD_KEYS = ("today", "week", "month", "year", "all")
DIMENSIONS = ("model", "client", "project")
#: The impact metrics whose change from the previous period is given.
CHANGE_METRICS = ("energy_wh", "co2e_g", "water_ml")


class ToolError(Exception):
    """A call the tool refuses (bad arguments, a broken config, an unreadable ledger):
    its message goes back to the model as an ``isError`` result."""


# -- schemas ---------------------------------------------------------------------------

_COUNT = {"type": "integer", "minimum": 0}
_BUCKET_PROPS: dict[str, Any] = {
    "input_tokens": {**_COUNT, "description": "Fresh input tokens (not served from a cache)."},
    "output_tokens": {**_COUNT, "description": "Visible output tokens (reasoning excluded)."},
    "cache_read_tokens": {**_COUNT, "description": "Input tokens read from the prompt cache."},
    "cache_write_tokens": {**_COUNT, "description": "Input tokens written to the prompt cache."},
    "reasoning_tokens": {**_COUNT, "description": "Reasoning (thinking) tokens."},
    "requests": {**_COUNT, "description": "API calls (default 1)."},
}
_SCENARIO_PROPS: dict[str, Any] = {
    "region": {"type": "string", "minLength": 1,
               "description": "Grid zone the model runs on, e.g. FR, US, World (default: the configured one)."},
    "client": {"type": "string", "enum": list(CLIENTS),
               "description": "The client that would call it (e.g. llm: a local model runs on the user's grid)."},
    "include_training": {"type": "boolean",
                         "description": "Add the amortised training line (default: impact.include_training)."},
}

TOOLS: dict[str, dict[str, Any]] = {
    "footprint": {
        "description": (
            "The user's recorded AI footprint for a period (today, week = last 7 days, month = this month, "
            "year = last 12 months, all): tokens, energy (Wh), CO2e (g) and water (mL) with low/central/high "
            "ranges, everyday equivalents and the change from the previous period; optionally broken down by "
            "model, client or project."
        ),
        "schema": {
            "type": "object",
            "properties": {
                "period": {"type": "string", "enum": list(PERIOD_KEYS), "default": "today",
                           "description": "today, week (7 days), month (this month), year (12 months) or all."},
                "by": {"type": "string", "enum": list(DIMENSIONS),
                       "description": "One row per model, client or project (default: one per client and model)."},
                "tz": {"type": "string", "minLength": 1,
                       "description": "IANA time zone of the days, e.g. Europe/Paris (default: the local zone)."},
            },
            "additionalProperties": False,
        },
    },
    "estimate": {
        "description": (
            "Estimate the energy (Wh), CO2e (g) and water (mL), with low/central/high ranges, of a hypothetical "
            "usage of one model given its token counts."
        ),
        "schema": {
            "type": "object",
            "properties": {
                "model": {"type": "string", "minLength": 1, "pattern": r"\S",
                          "description": "Model id as a client reports it, e.g. claude-sonnet-4-5 or gpt-5."},
                **_BUCKET_PROPS,
                **_SCENARIO_PROPS,
            },
            "required": ["model"],
            "additionalProperties": False,
        },
    },
    "compare_models": {
        "description": (
            "Compare the energy, CO2e and water of the same token usage on several models, smallest CO2e "
            "first: use it to pick the smallest model that fits a task."
        ),
        "schema": {
            "type": "object",
            "properties": {
                "models": {"type": "array", "minItems": 1, "maxItems": 20, "uniqueItems": True,
                           "items": {"type": "string", "minLength": 1, "pattern": r"\S"},
                           "description": "Model ids to compare, e.g. [\"claude-opus-4-1\", \"claude-haiku-4-5\"]."},
                **_BUCKET_PROPS,
                **_SCENARIO_PROPS,
            },
            "required": ["models"],
            "additionalProperties": False,
        },
    },
    "methodology": {
        "description": (
            "The methodology behind every tokenprint figure: the boundary (what is counted and what is not), "
            "the formulas, and each factor with its range and source."
        ),
        "schema": {"type": "object", "properties": {}, "additionalProperties": False},
    },
}


def check_arguments(name: str, arguments: dict[str, Any] | None) -> dict[str, Any]:
    """``arguments`` checked against the tool's schema; a :class:`ToolError` says what
    is wrong, where, and what is allowed."""
    import jsonschema

    args = dict(arguments or {})
    schema = TOOLS[name]["schema"]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(args), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "arguments"
        raise ToolError(f"{name}: invalid {where}: {err.message}")
    return args


# -- the ledger --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """The data folder and ledger the server reads (``--home``/``$TOKENPRINT_HOME``, ``--demo``)."""

    home: Path
    demo: bool = False

    def settings(self) -> dict[str, Any]:
        from ledger.config import ConfigError, load

        try:
            return load(self.home)
        except ConfigError as exc:
            raise ToolError(str(exc)) from None

    def read(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(source)`` on the ledger: the local file through the standard library when
        it can be (``tui.commands.report.local_reader``'s rule), else the store; ledger
        errors become a :class:`ToolError`."""
        import os

        from ledger.fastpath import LedgerCorrupt, check_file
        from ledger.paths import ledger_path
        from ledger.report import SqliteReader
        from ledger.schema import SCHEMA_VERSION
        from tui.commands.report import DATABASE_URL_ENV

        path = ledger_path(self.home, demo=self.demo)
        try:
            if (self.demo or not os.environ.get(DATABASE_URL_ENV, "").strip()) and path.is_file():
                check_file(path)
                reader = SqliteReader(path)
                try:
                    if reader.schema_version() == SCHEMA_VERSION:
                        with reader.snapshot():
                            return fn(reader)
                finally:
                    reader.close()
            from ledger.store import open_store

            store = open_store(self.home, demo=self.demo)
            try:
                return fn(store)
            finally:
                store.dispose()
        except LedgerCorrupt as exc:
            raise ToolError(str(exc)) from None
        except sqlite3.Error as exc:
            raise ToolError(f"the ledger {path} could not be read: {exc} (run `tokenprint doctor`)") from None
        except Exception as exc:
            if type(exc).__module__.startswith(("sqlalchemy", "ledger")) and not isinstance(exc, ToolError):
                from ledger.redact import redact_text

                first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
                raise ToolError(f"the ledger could not be read: {redact_text(first)}") from None
            raise


# -- tools -------------------------------------------------------------------------------


def _change(cur: float, prev: float) -> float | None:
    """Percent change from ``prev`` to ``cur``; None when there is nothing to compare with."""
    if not prev:
        return None
    return round((cur - prev) / prev * 100.0, 2)


def _central(row: dict[str, Any], metric: str) -> float:
    """The central value of an impact range (an empty report's totals have none: 0)."""
    r = row.get(metric)
    return float(r.get("central") or 0.0) if isinstance(r, dict) else 0.0


def _tokens(row: dict[str, Any]) -> int:
    from ledger.vocab import TOKEN_BUCKETS

    return sum(int(row.get(b) or 0) for b in TOKEN_BUCKETS)


def _window_rows(source: Any, q: Any, key: str) -> list[dict[str, Any]]:
    """The rows of ``q``'s whole window, one per (client, model) or per ``q.by``, keyed
    ``key``: the report's own groups, impacts and rollup (``ledger.report``), with every
    day's group keyed by the window, most CO2e first."""
    from ledger.report import attach_impacts, public, query_groups, rollup

    _zone, groups = query_groups(source, q)
    attach_impacts(groups, q.settings)
    for g in groups:
        g["key"] = key
    rows = [public(r) for r in rollup(groups, "daily", q.by)]
    rows.sort(key=lambda r: (-float(r["co2e_g"]["central"]), r["client"], r["model"], r.get("project") or ""))
    return rows


def footprint(ledger: Ledger, args: dict[str, Any], today: date | None = None) -> dict[str, Any]:
    """The footprint of a dashboard period, its previous period, and the change."""
    from ledger.export.insight import equivalents
    from ledger.report import ReportQuery, build_report
    from ledger.timeutil import get_zone, today_in
    from tui.data import period_bounds

    key = str(args.get("period") or "today")
    by = args.get("by")
    try:
        zone_name, zone = get_zone(args.get("tz"))
    except ValueError as exc:
        raise ToolError(f"footprint: invalid tz: {exc}") from None
    day = today or today_in(zone)
    window = period_bounds(key, day)
    settings = ledger.settings()
    q = ReportQuery(period="daily", since=window.since, until=window.until, tz=zone_name, by=by, settings=settings)

    def current(source: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        return build_report(source, q, demo=ledger.demo), _window_rows(source, q, key)

    cur, rows = ledger.read(current)
    tot = dict(cur["totals"], key=key)
    out: dict[str, Any] = {
        "period": key,
        "since": cur["since"],
        "until": cur["until"],
        "tz": cur["tz"],
        "by": by,
        "demo": cur["demo"],
        "methodology": cur["methodology"],
        "totals": tot,
        "rows": rows,
        "equivalents": equivalents(tot, settings) if cur["rows"] else [],
    }
    if window.prev_since is not None and window.prev_until is not None:
        pq = replace(q, since=window.prev_since, until=window.prev_until, by=None)
        prev = ledger.read(lambda source: build_report(source, pq, demo=ledger.demo))
        ptot = prev["totals"]
        change: dict[str, float | None] = {m: _change(_central(tot, m), _central(ptot, m)) for m in CHANGE_METRICS}
        change["tokens"] = _change(_tokens(tot), _tokens(ptot))
        change["requests"] = _change(tot["requests"], ptot["requests"])
        out["previous"] = {"since": prev["since"], "until": prev["until"], "totals": dict(ptot, key="previous")}
        out["change_pct"] = change
    else:
        out["previous"] = None
        out["change_pct"] = None
    out["settings"] = cur["settings"]
    out["warnings"] = cur["warnings"]
    return out


def _scenario(ledger: Ledger, args: dict[str, Any]) -> tuple[dict[str, int], Any, str | None]:
    """The counts, settings and client of an estimate, as ``tokenprint estimate`` builds them."""
    from ledger.config import region_code
    from ledger.impact import Settings

    counts = {f: int(args.get(f, 1 if f == "requests" else 0)) for f in COUNT_FIELDS}
    try:
        settings = Settings.from_config(ledger.settings())
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    region = args.get("region")
    if region is not None:
        try:
            settings = settings.with_region(region_code(str(region)))
        except ValueError as exc:
            raise ToolError(f"invalid region: {exc}") from None
    if args.get("include_training") is not None:
        settings = replace(settings, include_training=bool(args["include_training"]))
    return counts, settings, args.get("client")


def estimate(ledger: Ledger, args: dict[str, Any]) -> dict[str, Any]:
    """``estimate --json`` for the model and counts given."""
    from tui.commands.estimate import estimate_payload

    counts, settings, client = _scenario(ledger, args)
    return estimate_payload(str(args["model"]).strip(), counts, settings, client)


#: What each model of a comparison shows (the rest is in ``estimate``).
_COMPARED = ("model", "model_resolved", "energy_wh", "co2e_g", "water_ml", "cost_usd_estimated", "warnings")


def compare_models(ledger: Ledger, args: dict[str, Any]) -> dict[str, Any]:
    """The same usage on each model, smallest central CO2e first, with its ratio to the smallest."""
    from tui.commands.estimate import estimate_payload

    counts, settings, client = _scenario(ledger, args)
    models = [str(m).strip() for m in args["models"]]
    results = [estimate_payload(m, counts, settings, client) for m in models]
    rows = [{k: p[k] for k in _COMPARED if k in p} for p in results]
    rows.sort(key=lambda r: (r["co2e_g"]["central"], r["model"]))
    least = rows[0]["co2e_g"]["central"]
    for r in rows:
        r["co2e_ratio_to_smallest"] = round(r["co2e_g"]["central"] / least, 3) if least else None
    first = results[0]
    return {
        "usage": counts,
        "client": client,
        "smallest": rows[0]["model"],
        "models": rows,
        "grid": first["grid"],
        "methodology": first["methodology"],
        "settings": first["settings"],
    }


def methodology(ledger: Ledger, args: dict[str, Any]) -> dict[str, Any]:
    """The object ``tokenprint methodology --json`` prints."""
    from ledger.impact import Settings, describe

    try:
        settings = Settings.from_config(ledger.settings())
    except ValueError as exc:
        raise ToolError(str(exc)) from None
    return describe.methodology_data(settings)


HANDLERS: dict[str, Callable[[Ledger, dict[str, Any]], dict[str, Any]]] = {
    "footprint": footprint,
    "estimate": estimate,
    "compare_models": compare_models,
    "methodology": methodology,
}


def call(ledger: Ledger, name: str, arguments: dict[str, Any] | None) -> dict[str, Any]:
    """Run tool ``name``; raises :class:`ToolError` for arguments or data it refuses,
    ``KeyError`` for an unknown tool."""
    handler = HANDLERS[name]
    return handler(ledger, check_arguments(name, arguments))


# -- the server --------------------------------------------------------------------------


def build_server(ledger: Ledger) -> Any:
    """The SDK's low-level ``Server`` with the four tools."""
    import importlib.metadata

    import anyio
    import mcp_types as types
    from mcp.server.lowlevel import Server
    from mcp.shared.exceptions import MCPError

    tools = [types.Tool(name=n, description=t["description"], input_schema=t["schema"]) for n, t in TOOLS.items()]

    async def list_tools(_ctx: Any, _params: Any) -> Any:
        return types.ListToolsResult(tools=tools)

    async def call_tool(_ctx: Any, params: Any) -> Any:
        name = params.name
        if name not in HANDLERS:
            raise MCPError(code=types.INVALID_PARAMS,
                           message=f"unknown tool {name!r}; tools: {', '.join(HANDLERS)}")
        try:
            payload = await anyio.to_thread.run_sync(call, ledger, name, params.arguments)
        except ToolError as exc:
            return types.CallToolResult(content=[types.TextContent(text=str(exc))], is_error=True)
        except Exception as exc:  # noqa: BLE001 - a bug is one failed call, never a dead server
            from ledger.redact import redact_text

            text = redact_text(f"{name} failed: {type(exc).__name__}: {exc} (please report this bug)")
            return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)
        text = json.dumps(payload, indent=1)
        return types.CallToolResult(content=[types.TextContent(text=text)], structured_content=payload)

    try:
        version = importlib.metadata.version("tokenprint")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - a source checkout
        version = "0"
    return Server(
        SERVER_NAME,
        version=version,
        instructions=("tokenprint keeps a local ledger of this user's AI token usage. Ask `footprint` for what "
                      "was used, `estimate` or `compare_models` before choosing a model, `methodology` for "
                      "how the figures are made."),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


def serve(ledger: Ledger) -> None:
    """Serve on stdin/stdout until the client closes stdin."""
    import anyio
    from mcp.server.stdio import stdio_server

    server = build_server(ledger)

    async def main() -> None:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())

    anyio.run(main)
