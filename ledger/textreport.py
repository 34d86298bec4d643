"""The report as plain text that fits a width: ``tokenprint report`` and ``/footprint``.

Each period (or session) on a line of its own with its rows below, then a total.
Figures are compact (``1.23 M``) and impacts central (``27.6 Wh``), so no figure
ever wraps; the name column takes the room the figures leave, and a model id that
does not fit loses its release date, then ends in an ellipsis. When the width is
short, the per-bucket token columns give way first (their sum stays, as Tokens);
tokens, energy, CO2e, water and cost stay. Names are made terminal-safe.

Standard library only: the ``/footprint`` hook renders with it from a bare ``python3``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger import units
from ledger.names import ambiguous_shorts, clip, fit_model, short_project, terminal_safe, width
from ledger.vocab import TOKEN_BUCKETS

#: Blank columns between two columns.
GAP = 2
#: Indent of a row under its period line.
INDENT = 2
#: The name column is never narrower than this (columns are hidden first).
MIN_NAME = 14
#: The name column does not grow past this to keep optional columns.
MAX_NAME = 40


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # "\n" for a second header line
    cell: Callable[[dict[str, Any]], str]
    drop: int  # 0: always kept; higher numbers give way first


def tokens(r: dict[str, Any]) -> int:
    return sum(int(r.get(b) or 0) for b in TOKEN_BUCKETS)


def impact(r: dict[str, Any], name: str, unit: str) -> str:
    v = r.get(name)
    return units.qty(float(v["central"]), unit) if isinstance(v, dict) else "–"


def cost(r: dict[str, Any]) -> str:
    """``$1.23`` reported, ``~$1.23`` when a part is estimated from list prices, ``–`` unknown."""
    usd = r.get("cost_usd")
    if usd is None:
        return "–"
    mark = "~" if (r.get("cost_usd_estimated") or 0) > 0 else ""
    return mark + units.money(float(usd))


COLUMNS: tuple[Column, ...] = (
    Column("tokens", "Tokens", lambda r: units.count(tokens(r)), 0),
    Column("input_tokens", "Input", lambda r: units.count(r["input_tokens"]), 5),
    Column("cache_write_tokens", "Cache\nwrite", lambda r: units.count(r["cache_write_tokens"]), 6),
    Column("cache_read_tokens", "Cache\nread", lambda r: units.count(r["cache_read_tokens"]), 4),
    Column("output_tokens", "Output", lambda r: units.count(r["output_tokens"]), 3),
    Column("reasoning_tokens", "Reason", lambda r: units.count(r["reasoning_tokens"]), 7),
    Column("requests", "Reqs", lambda r: units.count(r["requests"]), 2),
    Column("energy_wh", "Energy", lambda r: impact(r, "energy_wh", "Wh"), 0),
    Column("co2e_g", "CO2e", lambda r: impact(r, "co2e_g", "g"), 0),
    Column("water_ml", "Water", lambda r: impact(r, "water_ml", "mL"), 0),
    Column("cost", "Cost", cost, 0),
)
#: Names of the per-bucket columns, for the note saying they were hidden.
BUCKET_LABELS = {"input_tokens": "input", "cache_write_tokens": "cache write", "cache_read_tokens": "cache read",
                 "output_tokens": "output", "reasoning_tokens": "reasoning", "requests": "requests"}


def full_name(r: dict[str, Any], by: str | None) -> str:
    """The whole name of a row, terminal-safe: client and model, or the ``by`` field."""
    if by == "project":
        return terminal_safe(short_project(r.get("project")))
    if by in ("model", "client"):
        return terminal_safe(r[by])
    return f"{terminal_safe(r['client'])} {terminal_safe(r['model'])}"


def row_name(r: dict[str, Any], by: str | None, cols: int, ambiguous: frozenset[str] = frozenset()) -> str:
    """The name of a row in ``cols`` columns; one too long loses the model's release
    date (unless another row would then read the same), else ends in an ellipsis."""
    name = full_name(r, by)
    return fit_model(name, cols, ambiguous) if by in (None, "model") else clip(name, cols)


def title(data: dict[str, Any], label: str | None = None) -> str:
    parts = [label or f"{str(data['period']).capitalize()} report"]
    parts.append(str(data.get("tz") or ""))
    if data.get("methodology"):
        parts.append(f"methodology {data['methodology']}")
    if data.get("demo"):
        parts.append("DEMO DATA, not your usage")
    return " · ".join(p for p in parts if p)


def head_label(data: dict[str, Any]) -> str:
    what = {"project": "project", "model": "model", "client": "client"}.get(data.get("by") or "", "client, model")
    return f"{'Session' if data['period'] == 'session' else 'Period'} / {what}"


def choose_columns(data: dict[str, Any], total_width: int) -> tuple[list[Column], list[int], int]:
    """The columns that fit ``total_width``, their widths and the name column's width."""
    rows = [*data["rows"], data["totals"]]
    has_impacts = "co2e_g" in data["totals"]
    cols = [c for c in COLUMNS if has_impacts or c.key not in ("energy_wh", "co2e_g", "water_ml")]
    widths = {c.key: max(max(width(h) for h in c.header.split("\n")),
                         max(width(c.cell(r)) for r in rows)) for c in cols}
    names = [width(full_name(r, data.get("by"))) + INDENT for r in data["rows"]]
    names.append(width(head_label(data)))
    wanted = min(MAX_NAME, max([*names, MIN_NAME]))

    def name_room(cs: list[Column]) -> int:
        return total_width - sum(widths[c.key] + GAP for c in cs)

    while name_room(cols) < wanted:
        optional = [c for c in cols if c.drop > 0]
        if not optional:
            break
        cols.remove(max(optional, key=lambda c: c.drop))
    while name_room(cols) < MIN_NAME and len(cols) > 1:  # very narrow: the last columns go
        cols.pop()
    return cols, [widths[c.key] for c in cols], max(name_room(cols), 1)


def _line(name: str, name_w: int, cells: list[str], widths: list[int]) -> str:
    pad = " " * max(name_w - width(name), 0)
    out = name + pad
    for cell, w in zip(cells, widths, strict=True):
        out += " " * (GAP + w - width(cell)) + cell
    return out.rstrip()


def wrap(text: str, total_width: int) -> list[str]:
    return textwrap.wrap(text, total_width, break_long_words=False, break_on_hyphens=False) or [""]


def render_table(data: dict[str, Any], total_width: int = 80, label: str | None = None,
                 notes: bool = True) -> list[str]:
    """The rows and totals of a ``report --json`` object as lines of at most
    ``total_width`` columns (when the data has rows)."""
    by = data.get("by")
    cols, widths, name_w = choose_columns(data, total_width)
    headers = [c.header.split("\n") for c in cols]
    depth = max(len(h) for h in headers)
    heads = [[""] * (depth - len(h)) + h for h in headers]
    out: list[str] = []
    out += wrap(terminal_safe(title(data, label)), total_width)
    out.append("")
    for i in range(depth):
        first = head_label(data) if i == depth - 1 else ""
        out.append(_line(clip(first, name_w), name_w, [h[i] for h in heads], widths))
    rule = "-" * min(total_width, name_w + sum(w + GAP for w in widths))
    out.append(rule)
    periods: dict[str, list[dict[str, Any]]] = {}
    for r in data["rows"]:
        periods.setdefault(str(r["key"]), []).append(r)
    ambiguous = ambiguous_shorts(full_name(r, by) for r in data["rows"])
    for key, group in periods.items():
        out.append(clip(terminal_safe(key), total_width))
        for r in group:
            name = " " * INDENT + row_name(r, by, name_w - INDENT, ambiguous)
            out.append(_line(name, name_w, [c.cell(r) for c in cols], widths))
    out.append(rule)
    tot = data["totals"]
    out.append(_line("Total", name_w, [c.cell(tot) for c in cols], widths))
    if notes:
        out += [""] + [w for n in footnotes(data, cols) for w in wrap(n, total_width)]
    return out


def footnotes(data: dict[str, Any], cols: list[Column] | None = None, json_hint: str = "--json") -> list[str]:
    """What the marks mean, what the cost leaves out, which columns were hidden
    (``cols``: the columns shown; None: say nothing about hidden ones)."""
    tot = data["totals"]
    keys = {c.key for c in cols} if cols is not None else {c.key for c in COLUMNS}
    notes: list[str] = []
    if "co2e_g" in tot:
        notes.append(f"Energy, CO2e and water are central estimates (ranges: {json_hint}; "
                     "sources: tokenprint methodology).")
    if "cost" in keys:
        rows = [*data["rows"], tot]
        if any((r.get("cost_usd_estimated") or 0) > 0 for r in rows):
            notes.append("~ cost estimated from list prices for requests whose client reported none.")
        unknown = int(tot.get("requests_cost_unknown") or 0)
        if unknown:
            notes.append(f"{units.count(unknown)} request{'s' if unknown != 1 else ''} had no reported cost and "
                         "no known price: not in Cost (– when none is known).")
    hidden = [BUCKET_LABELS[c.key] for c in COLUMNS if c.key in BUCKET_LABELS and c.key not in keys]
    if hidden:
        notes.append(f"Not shown at this width: {', '.join(hidden)} (a wider terminal or {json_hint} shows them).")
    if data.get("demo"):
        notes.append("Demo data (demo.db), not your usage.")
    return notes


def no_usage(data: dict[str, Any], filters: dict[str, tuple[str, ...]] | None = None) -> list[str]:
    """What to say when a report has no rows: which filter matched nothing and what
    there is, or that the range is empty, or (nothing at all) how to record usage."""
    unmatched = data.get("unmatched") or []
    demo = " in the demo ledger" if data.get("demo") else ""
    if unmatched:
        out = []
        for u in unmatched:
            known = ", ".join(terminal_safe(k) for k in u["known"])
            noun = u["filter"].lstrip("-") + "s"
            there = f"{noun} there: {known}" if known else f"no {noun} there"
            out.append(f"No usage matches {u['filter']} {terminal_safe(u['value'])}{_span(data)}{demo}; {there}.")
        return out
    given = [f"{opt} {terminal_safe(v)}" for opt, values in (filters or {}).items() for v in values]
    if given:
        return [f"No usage matches {' '.join(given)}{_span(data)}{demo} (each value exists, not together)."]
    if data.get("since") or data.get("until"):
        return [f"No usage recorded{_span(data)}{demo}."]
    if data.get("demo"):
        return ["The demo ledger is empty: write one with tokenprint demo."]
    return ["No usage recorded yet. Record it live with tokenprint hooks install --all, "
            "or backfill with tokenprint import --all."]


def _span(data: dict[str, Any]) -> str:
    since, until = data.get("since"), data.get("until")
    if since and until:
        return f" from {since} to {until}" if since != until else f" on {since}"
    if since:
        return f" since {since}"
    if until:
        return f" until {until}"
    return ""


def render(data: dict[str, Any], total_width: int = 80, filters: dict[str, tuple[str, ...]] | None = None) -> str:
    """The whole text of ``tokenprint report``: the table, or what to do without rows."""
    if not data["rows"]:
        return "\n".join(w for line in no_usage(data, filters) for w in wrap(line, total_width)) + "\n"
    return "\n".join(render_table(data, total_width)) + "\n"
