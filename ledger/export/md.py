"""The Markdown summary: readable as plain text, renders on GitHub and in mail clients.

Standard library only; everything comes from the export document.
"""

from __future__ import annotations

import re
from typing import Any

from ledger.export import fmt
from ledger.export.document import HEADLINE
from ledger.names import terminal_safe

BAR_WIDTH = 40
BLOCKS = " ▏▎▍▌▋▊▉█"


def _clean(name: Any) -> str:
    """``name`` on one line (line breaks folded to spaces), control bytes dropped."""
    return terminal_safe(name, mark="", newline=" ")


def _entities(t: str) -> str:
    return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: What a user-controlled string escapes anywhere in a line: what can open a code
#: span, emphasis, a link or image (``[``; ``(``, ``!`` and ``.`` are inert without
#: it), strikethrough, a table cell, or escape the next character. ``& < >`` become
#: entities (no tag, no autolink). Where a block could start (a heading, a quote, a
#: list, a setext underline), the first character is escaped too: see _block_safe.
_TEXT_SPECIALS = re.compile(r"[\\`*_\[\]~|]")


def _block_safe(out: str) -> str:
    """``out`` unable to start a block where it starts a line or a list item:
    ``#``, ``>``, ``+``, ``=``, ``-`` are escaped, and so is the ``.`` or ``)``
    of a leading number (``2026.`` would start an ordered list)."""
    m = _BLOCK_START.match(out)
    if m is None:
        return out
    if m.group(1):
        end = len(m.group(1))
        return out[:end] + "\\" + out[end:]
    return "\\" + out


def text(name: Any) -> str:
    """A user-controlled string (project, client, session, member label, file name)
    as Markdown text that renders as exactly those characters: on one line, control
    bytes dropped, HTML's ``& < >`` as entities, the inline metacharacters
    (``\\ ` * _ [ ] ~ |``) backslash-escaped, and no block start: so no emphasis,
    heading, list, table cell, tag or link (``[x](javascript:...)``) can come from
    the data, while ``claude-code``, ``(none)`` or ``2026.11`` stay readable as
    they are in the raw file."""
    return _block_safe(_TEXT_SPECIALS.sub(r"\\\g<0>", _entities(_clean(name))))


def code(name: Any) -> str:
    """A name as a Markdown code span, where nothing is syntax: on one line, control
    bytes dropped, fenced by one backtick more than the longest run inside it
    (CommonMark), padded when it starts or ends with one. Inside a table, ``|`` is
    escaped by :func:`_table` (GitHub reads ``\\|`` in a code span as ``|``).

    A name holding ``<``, ``>`` or ``&`` is :func:`text` instead: a code span is inert
    in CommonMark, but not every renderer (mail clients, HTML-in-Markdown pipelines)
    honours that for tags, so no raw tag ever appears in the file."""
    t = _clean(name)
    if any(c in t for c in "<>&"):
        return text(t)
    if not t:
        return "` `"
    longest = max((len(r) for r in re.findall("`+", t)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if t.startswith(("`", " ")) or t.endswith(("`", " ")) else ""
    return f"{fence}{pad}{t}{pad}{fence}"


def _plain(sentence: Any) -> str:
    """A sentence we did not write (an impact warning quoting a model id) for the
    notes: one line, no control byte, no backtick (so no `code` span)."""
    return _clean(sentence).replace("`", "'")


#: What our own sentences (notes, sources, suggestions) escape outside their `code`
#: spans: they are prose we wrote, with user-controlled names only inside the spans,
#: so a lighter escape keeps them readable as plain text while no link, tag or
#: emphasis can form.
_PROSE_SPECIALS = re.compile(r"[\\*_\[\]~|]")
_BLOCK_START = re.compile(r"^(?:[#>+=\-]|(\d+)[.)](?:\s|$))")


def prose(sentence: Any) -> str:
    """One of our sentences with `code` spans (the convention the export document's
    texts follow) as Markdown: each span through :func:`code`, the text between
    escaped (entities, ``\\ * _ [ ] ~ |``); never starts a block (heading, quote,
    list)."""
    parts = _clean(sentence).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: no span at all
        parts = ["'".join(parts)]
    out = "".join(code(p) if i % 2 else _PROSE_SPECIALS.sub(r"\\\g<0>", _entities(p))
                  for i, p in enumerate(parts))
    return _block_safe(out)


def _table(head: list[str], rows: list[list[str]], align: str) -> list[str]:
    """A GitHub table; ``align`` has one letter per column (l or r). A ``|`` not
    already escaped by :func:`text` is escaped here (in code spans too)."""
    sep = ["---:" if a == "r" else "---" for a in align]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(_pipes(c) for c in r) + " |" for r in rows]
    return out


def _pipes(cell: str) -> str:
    """``cell`` with every ``|`` escaped once (one already after an odd run of
    backslashes is left as it is)."""
    return re.sub(r"(\\*)\|", lambda m: m.group(0) if len(m.group(1)) % 2 else m.group(1) + "\\|", cell)


def _bar(value: float, top: float) -> str:
    if top <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / top * BAR_WIDTH * 8))
    return "█" * (eighths // 8) + (BLOCKS[eighths % 8] if eighths % 8 else "")


def headline_rows(doc: dict[str, Any]) -> list[list[str]]:
    """``[label, central, range, change]`` for each headline quantity."""
    tot = doc["totals"]
    change = doc["change"]
    rows: list[list[str]] = []
    for name, _unit in HEADLINE:
        ch = change.get(name)
        if ch is None:
            continue
        delta = fmt.pct(ch["percent"])
        if name in fmt.IMPACT_LABELS:
            label, base = fmt.IMPACT_LABELS[name]
            rows.append([label, fmt.central(tot.get(name), base), fmt.rng(tot.get(name), base), delta])
        elif name == "tokens":
            rows.append(["Tokens", fmt.count(ch["current"] or 0), "", delta])
        elif name == "requests":
            rows.append(["Requests", fmt.qty(ch["current"], "requests"), "", delta])
        else:
            value, note, known = cost_cell(doc)
            rows.append(["Cost", value, note, delta if known else ""])
    return rows


def cost_cell(doc: dict[str, Any]) -> tuple[str, str, bool]:
    """``(value, note, known)`` for the cost: what the clients reported plus the
    list-price estimate of the requests that reported none (``~`` when a part is
    estimated); ``known`` is False when no part of it is known."""
    cost = doc["cost"]
    usd, est = cost.get("usd"), cost.get("usd_estimated") or 0.0
    unknown = int(cost.get("requests_cost_unknown") or 0)
    total = cost["requests_with_cost"] + cost["requests_without_cost"]
    if usd is None:
        return "not known", "no client reported a cost and the model table has no price", False
    notes = []
    if cost["requests_with_cost"] == 0:
        notes.append("estimated from list prices; no client reported a cost" if est else "")
    elif not cost["requests_without_cost"]:
        notes.append("reported by the clients")
    else:
        notes.append(f"reported for {fmt.share(cost['requests_with_cost'] / max(total, 1))} of requests"
                     + (f", {fmt.money(est)} estimated from list prices" if est else ""))
    if unknown:
        notes.append(f"{unknown:,} request{'s' if unknown != 1 else ''} without a price not counted")
    return ("~" if est else "") + fmt.money(usd), "; ".join(n for n in notes if n), True


def breakdown_rows(entries: list[dict[str, Any]], impacts: bool) -> tuple[list[str], list[list[str]], str]:
    head = ["Share"]
    align = "r"
    if impacts:
        head += ["CO2e", "Energy", "Water"]
        align += "rrr"
    head += ["Tokens", "Requests"]
    align += "rr"
    rows = []
    for e in entries:
        r = [fmt.share(e["share"])]
        if impacts:
            r += [fmt.central(e.get("co2e_g"), "g"), fmt.central(e.get("energy_wh"), "Wh"),
                  fmt.central(e.get("water_ml"), "mL")]
        r += [fmt.count(e["tokens"]), f"{e['requests']:,}"]
        rows.append(r)
    return head, rows, align


def _unit_of_metric(doc: dict[str, Any]) -> str:
    return "g" if doc["metric"] == "co2e_g" else "tokens"


def breakdown_sections(doc: dict[str, Any]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """``(title, column name, entries)`` for each breakdown to show."""
    out = []
    if len(doc["ledgers"]) > 1:
        out.append(("By person", "Person", doc["ledgers"]))
    out += [
        ("By client", "Client", doc["breakdowns"]["client"]),
        ("By model", "Model", doc["breakdowns"]["model"]),
        ("By project", "Project", doc["breakdowns"]["project"]),
    ]
    return out


def describe_range(doc: dict[str, Any]) -> str:
    r = doc["range"]
    span = r["since"] if r["since"] == r["until"] else f"{r['since']} to {r['until']}"
    return f"{span} ({r['days']} day{'s' if r['days'] != 1 else ''}, {doc['tz']})"


def quality_notes(doc: dict[str, Any]) -> list[str]:
    """Plain-text data-quality notes (shared with the HTML summary)."""
    q = doc["data_quality"]
    notes = []
    for u in q["unknown_models"]:
        notes.append(
            f"Model {fmt.span(u['model'])} is not in the model table ({u['requests']:,} requests): "
            + _plain(u["note"])
        )
    listed = [u["model"] for u in q["unknown_models"]]
    for w in doc.get("warnings") or []:
        if isinstance(w, str) and not any(repr(m) in w or f"`{m}`" in w for m in listed):
            w = _plain(w)  # a warning may quote a name: never a code span, no control byte
            notes.append(w if w.endswith(".") else w + ".")
    for e in q["estimated_tokens"]:
        notes.append(
            f"{fmt.span(e['client'])}: tokens of {e['requests']:,} requests ({fmt.count(e['tokens'])} tokens) were "
            f"estimated with {fmt.span(e['method'])}, not reported by the client."
        )
    for s in q["skipped_sources"]:
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(s["reasons"].items()))
        who = f" ({fmt.span(s['ledger'])})" if len(doc["ledgers"]) > 1 else ""
        notes.append(
            f"{fmt.span(s['client'])}{who}: {s['skipped_lines']:,} unreadable lines skipped in {fmt.span(s['path'])}"
            + (f" ({_plain(reasons)})" if reasons else "")
            + "."
        )
    if q["duplicates_counted_once"]:
        n = q["duplicates_counted_once"]
        notes.append(
            f"{n:,} event{'s' if n != 1 else ''} appeared in more than one ledger and "
            f"{'were' if n != 1 else 'was'} counted once."
        )
    cost = doc["cost"]
    if cost["requests_without_cost"] and cost["requests_with_cost"]:
        notes.append(
            f"Cost is the clients' own figure for {cost['requests_with_cost']:,} of "
            f"{cost['requests_with_cost'] + cost['requests_without_cost']:,} requests; the rest is "
            "estimated from list prices (the model table)."
        )
    if not notes:
        notes.append("No unknown models, estimated token counts or skipped lines.")
    return notes


def bucket_line(tot: dict[str, Any]) -> str:
    """``input 512 k, cache write 83.0 k, ...``: the tokens of each bucket."""
    return ", ".join(
        f"{label} {fmt.count(tot[field])}"
        for label, field in (("input", "input_tokens"), ("cache write", "cache_write_tokens"),
                             ("cache read", "cache_read_tokens"), ("output", "output_tokens"),
                             ("reasoning", "reasoning_tokens"))
    )


def _bullets(heading: str, items: list[str]) -> list[str]:
    """A heading and a bulleted list, or nothing when there is no item."""
    if not items:
        return []
    return [heading, "", *(f"- {prose(item)}" for item in items), ""]


DEMO_BANNER = ("**Demo data**: this summary is of the demo ledger written by `tokenprint demo`, "
               "not of anyone's real usage.")


def render(doc: dict[str, Any]) -> str:
    impacts = doc["metric"] == "co2e_g"
    tot = doc["totals"]
    mark = " (demo data)" if doc.get("demo") else ""
    out: list[str] = [f"# AI footprint: {prose(doc['title'])}{mark}", ""]
    if doc.get("demo"):
        out += [f"> {DEMO_BANNER}", ""]
    meta = [f"**Period:** {prose(describe_range(doc))}"]
    if doc.get("methodology"):
        meta.append(f"**Methodology:** {text(doc['methodology'])}")
    if len(doc["ledgers"]) > 1:
        meta.append("**Ledgers:** " + ", ".join(text(e["name"]) for e in doc["ledgers"]))
    out += ["  \n".join(meta), ""]

    if not doc["rows"]:
        out += ["No usage was recorded in this period.", ""]

    out += ["## Totals", ""]
    prev_title = doc["previous"]["title"]
    out += _table(["", "Central", "Range (low – high)", f"vs {prev_title}"], headline_rows(doc), "lrlr")
    out.append("")
    if not impacts:
        out += ["_Impacts are not available: tokens only._", ""]
    out += [f"Tokens by bucket: {bucket_line(tot)}.", ""]
    out += _bullets("## In everyday terms",
                    [f"{e['label']} ({fmt.short_source(e['source'])}, {e['year']})" for e in doc["equivalents"]])

    out += ["## Daily", ""]
    unit = _unit_of_metric(doc)
    top = max((d["value"] for d in doc["daily"]), default=0.0)
    out.append("```text")
    for d in doc["daily"]:
        out.append(f"{d['day'][5:]} {_bar(d['value'], top):<{BAR_WIDTH}} {fmt.qty(d['value'], unit)}")
    out += ["```", ""]

    for title, column, entries in breakdown_sections(doc):
        if not entries:
            continue
        head, rows, align = breakdown_rows(entries, impacts)
        out += [f"## {title}", ""]
        out += _table([column, *head], [[code(e["name"]) if column == "Model" else text(e["name"]), *r]
                                        for e, r in zip(entries, rows, strict=True)], "l" + align)
        out.append("")

    out += _bullets("## What would shrink it", [s["text"] for s in doc["shrink"]])

    out += ["## Methodology", ""]
    if doc.get("methodology"):
        out += [f"Methodology version {text(doc['methodology'])}.", ""]
    boundary = doc.get("boundary") or {}
    if boundary.get("text"):
        out += [f"Boundary: {prose(boundary['text'])}", ""]
    out += _table(["Setting", "Value"], [[code(k), text(fmt.setting(v))] for k, v in doc["settings"].items()], "ll")
    out.append("")
    out += _bullets("### Sources", [s["text"] for s in doc["sources"]])
    out += _bullets("## Data quality", quality_notes(doc))
    if doc.get("demo"):
        out += [f"> {DEMO_BANNER}", ""]
    out.append(f"_Generated by tokenprint on {prose(doc['generated_at'])}._")
    return "\n".join(out) + "\n"
