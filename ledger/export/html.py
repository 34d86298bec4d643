"""The HTML summary: one self-contained file (inline CSS, inline SVG chart, no
script, no external fetch), readable on screen and printable to PDF.

Printing: A4 pages; the summary (totals, equivalents, chart) on the first page,
the breakdowns from the second, methodology and data quality from the third;
tables and cards never split across pages. Standard library only.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from ledger.export import fmt
from ledger.export.document import HEADLINE
from ledger.export.md import (
    DEMO_BANNER,
    breakdown_sections,
    bucket_line,
    cost_cell,
    describe_range,
    quality_notes,
)
from ledger.names import terminal_safe

PALETTE = ("#1b7f5f", "#3b78b5", "#d98c2b", "#8b5fb8", "#c4504a", "#4aa3a0", "#a38b2f", "#d16ba5", "#6d7a87")
OTHER_COLOR = "#b8bfc6"

CSS = """
:root { --ink: #1d2327; --muted: #5d6a74; --line: #dfe4e8; --soft: #f4f7f8; --accent: #1b7f5f; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: #eef2f3; color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 900px; margin: 24px auto; background: #fff; padding: 36px 44px;
  border-radius: 10px; box-shadow: 0 1px 4px rgba(0,0,0,.08); }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 20px; }
.kicker { margin: 0; color: var(--accent); font-weight: 600; letter-spacing: .06em;
  text-transform: uppercase; font-size: 12px; }
h1 { margin: 2px 0 4px; font-size: 30px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line);
  break-after: avoid; page-break-after: avoid; }
h3 { font-size: 15px; margin: 18px 0 6px; break-after: avoid; page-break-after: avoid; }
.meta { margin: 0; color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
.card { background: var(--soft); border-radius: 8px; padding: 12px 14px; break-inside: avoid; }
.card .label { color: var(--muted); font-size: 12.5px; font-weight: 600; letter-spacing: .02em; }
.card .value { font-size: 24px; font-weight: 650; margin-top: 2px; }
.card .range, .card .delta { font-size: 12.5px; color: var(--muted); }
.card.major .value { color: var(--accent); }
.up { color: #b4432f !important; } .down { color: #1b7f5f !important; }
.notice { background: #fff6e0; border-left: 4px solid #d98c2b; padding: 8px 12px; font-size: 14px; }
.notice.demo { background: #fde8e4; border-left-color: #c4504a; font-weight: 600; }
ul.equiv { list-style: none; padding: 0; margin: 0; display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; }
ul.equiv li { border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; break-inside: avoid; }
ul.equiv .big { display: block; font-size: 17px; font-weight: 600; }
ul.equiv .src { display: block; color: var(--muted); font-size: 12px; margin-top: 4px; }
figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: var(--muted); font-size: 12.5px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #5d6a74; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12.5px; margin: 6px 0 2px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
table { width: 100%; border-collapse: collapse; font-size: 13.5px; margin: 4px 0 8px;
  break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td code { font-size: 12.5px; }
.bar { display: inline-block; height: 8px; background: var(--accent); border-radius: 2px;
  vertical-align: middle; margin-right: 6px; }
ul.notes li, ul.shrink li, ul.sources li { margin: 3px 0; break-inside: avoid; page-break-inside: avoid; }
ul.sources { font-size: 12px; color: #38434b; padding-left: 18px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4; margin: 14mm 13mm; }
@media print {
  body { background: #fff; font-size: 10.5pt; }
  main { max-width: none; margin: 0; padding: 0; box-shadow: none; border-radius: 0; }
  .page { break-before: page; page-break-before: always; }
  .page > h2:first-child { margin-top: 0; }
  h2 { margin-top: 18px; }
  ul.sources { font-size: 8.5pt; }
  a { color: inherit; text-decoration: none; }
}
@media (max-width: 640px) {
  main { padding: 20px 16px; margin: 0; border-radius: 0; }
  .cards, ul.equiv { grid-template-columns: 1fr 1fr; }
}
"""


def _e(text: Any) -> str:
    """Text for HTML, in an element or an attribute: control bytes dropped, line
    breaks folded to spaces, then ``html.escape`` with ``quote=True`` (``& < > " '``),
    so no element or attribute can come from the data."""
    return escape(terminal_safe(text, mark="", newline=" "), quote=True)


def _delta(p: float | None, prev_title: str) -> str:
    if p is None:
        return f'<div class="delta">no data for {_e(prev_title)}</div>'
    cls = "up" if p > 0.5 else ("down" if p < -0.5 else "")
    return f'<div class="delta {cls}">{_e(fmt.pct(p))} vs {_e(prev_title)}</div>'


def cards(doc: dict[str, Any]) -> str:
    tot, change, prev_title = doc["totals"], doc["change"], doc["previous"]["title"]
    out = []
    for name, _unit in HEADLINE:
        ch = change.get(name)
        if ch is None:
            continue
        if name in fmt.IMPACT_LABELS:
            label, base = fmt.IMPACT_LABELS[name]
            value, sub, major = fmt.central(tot.get(name), base), f"range {fmt.rng(tot.get(name), base)}", True
        elif name == "tokens":
            label, value, major = "Tokens", fmt.count(ch["current"] or 0), False
            sub = f"{fmt.count(tot['cache_read_tokens'])} read from cache"
        elif name == "requests":
            label, value, sub, major = "Requests", fmt.qty(ch["current"], "requests"), "API calls", False
        else:
            label, major = "Cost", False
            value, sub, known = cost_cell(doc)
            if not known:
                value = "–"
                out.append(
                    f'<div class="card"><div class="label">{label}</div><div class="value">{_e(value)}</div>'
                    f'<div class="range">{_e(sub)}</div></div>'
                )
                continue
        out.append(
            f'<div class="card{" major" if major else ""}"><div class="label">{_e(label)}</div>'
            f'<div class="value">{_e(value)}</div><div class="range">{_e(sub)}</div>'
            f'{_delta(ch["percent"], prev_title)}</div>'
        )
    return '<div class="cards">' + "".join(out) + "</div>"


def _nice(top: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``top``."""
    if top <= 0:
        return 1.0
    exp = math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**exp >= top * (1 - 1e-9):
            return float(m * 10**exp)
    return float(10 ** (exp + 1))


def chart(doc: dict[str, Any], colors: dict[str, str]) -> str:
    """Daily bars stacked by client, as an inline SVG."""
    days = doc["daily"]
    unit = "g" if doc["metric"] == "co2e_g" else "tokens"
    width, height, left, right, top_pad, bottom = 760, 230, 62, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _nice(max((d["value"] for d in days), default=0.0))
    n = max(len(days), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.72, 0.6)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_e("Daily " + ("CO2e" if unit == "g" else "tokens") + " by client")}" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for i in range(5):
        v = top * i / 4
        y = top_pad + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e8eb" stroke-width="1"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_e(fmt.qty(v, unit))}</text>')
    step = 1 if n <= 31 else (7 if n <= 120 else 30)
    for i, d in enumerate(days):
        x = left + i * slot + (slot - bar_w) / 2
        y = top_pad + plot_h
        for client, value in sorted(d["by_client"].items(), key=lambda kv: list(colors).index(kv[0]) if kv[0] in colors else 99):
            if value <= 0:
                continue
            h = plot_h * value / top
            y -= h
            parts.append(
                f'<rect x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{colors.get(client, OTHER_COLOR)}"><title>{_e(d["day"])} {_e(client)}: '
                f'{_e(fmt.qty(value, unit))}</title></rect>'
            )
        if i % step == 0 or n <= 31:
            label = d["day"][8:] if n <= 62 else d["day"][5:]
            if n <= 31 or i % step == 0:
                parts.append(
                    f'<text x="{left + i * slot + slot / 2:.1f}" y="{height - 8}" text-anchor="middle">{_e(label)}</text>'
                )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{top_pad + plot_h}" y2="{top_pad + plot_h}" stroke="#9aa5ad"/>'
    )
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{c}"></i>{_e(name)}</span>' for name, c in colors.items())
    caption = (
        f"Daily {'CO2e (central estimate)' if unit == 'g' else 'tokens'} by client, "
        f"{_e(describe_range(doc))}."
    )
    return (f'<figure>{"".join(parts)}<div class="legend">{legend}</div>'
            f"<figcaption>{caption}</figcaption></figure>")


def client_colors(doc: dict[str, Any]) -> dict[str, str]:
    names = [e["name"] for e in doc["breakdowns"]["client"]]
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def breakdown_table(column: str, entries: list[dict[str, Any]], impacts: bool) -> str:
    head = [f"<th>{_e(column)}</th>", '<th class="n">Share</th>']
    if impacts:
        head += ['<th class="n">CO2e</th>', '<th class="n">Energy</th>', '<th class="n">Water</th>']
    head += ['<th class="n">Tokens</th>', '<th class="n">Requests</th>']
    rows = []
    for e in entries:
        name = f"<code>{_e(e['name'])}</code>" if column == "Model" else _e(e["name"])
        bar = f'<span class="bar" style="width:{max(e["share"] * 60, 1):.0f}px"></span>' if e["share"] > 0 else ""
        cells = [f"<td>{name}</td>", f'<td class="n">{bar}{_e(fmt.share(e["share"]))}</td>']
        if impacts:
            cells += [
                f'<td class="n" title="{_e(fmt.rng(e.get("co2e_g"), "g"))}">{_e(fmt.central(e.get("co2e_g"), "g"))}</td>',
                f'<td class="n">{_e(fmt.central(e.get("energy_wh"), "Wh"))}</td>',
                f'<td class="n">{_e(fmt.central(e.get("water_ml"), "mL"))}</td>',
            ]
        cells += [f'<td class="n">{_e(fmt.count(e["tokens"]))}</td>', f'<td class="n">{e["requests"]:,}</td>']
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _inline_md(text: str) -> str:
    """Escape, turning **bold** and `code` of a fixed sentence into HTML."""
    parts = text.split("**")
    return "".join(f"<strong>{_inline_code(p)}</strong>" if i % 2 else _inline_code(p) for i, p in enumerate(parts))


def _inline_code(text: str) -> str:
    """Escape, turning Markdown-style `code` spans into <code>."""
    parts = text.split("`")
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def render(doc: dict[str, Any]) -> str:
    impacts = doc["metric"] == "co2e_g"
    tot = doc["totals"]
    meta = [_e(describe_range(doc))]
    if doc.get("methodology"):
        meta.append(f"methodology {_e(doc['methodology'])}")
    if len(doc["ledgers"]) > 1:
        meta.append("ledgers: " + _e(", ".join(e["name"] for e in doc["ledgers"])))
    demo = bool(doc.get("demo"))
    mark = " (demo data)" if demo else ""
    banner = f'<p class="notice demo">{_inline_md(DEMO_BANNER)}</p>'
    body: list[str] = [
        "<header>",
        f'<p class="kicker">tokenprint · AI footprint{" · demo data" if demo else ""}</p>',
        f"<h1>{_e(doc['title'])}{_e(mark)}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
        "</header>",
        *([banner] if demo else []),
        '<section class="summary">',
    ]
    if not doc["rows"]:
        body.append('<p class="notice">No usage was recorded in this period.</p>')
    elif not impacts:
        body.append('<p class="notice">Impacts are not available: this summary shows tokens only.</p>')
    body.append(cards(doc))
    body.append(f'<p class="meta" style="margin-top:8px">Tokens by bucket: {_e(bucket_line(tot))}.</p>')
    if doc["equivalents"]:
        body.append("<h2>In everyday terms</h2><ul class=\"equiv\">")
        for e in doc["equivalents"]:
            body.append(
                f'<li><span class="big">{_e(e["label"])}</span>'
                f'<span class="src" title="{_e(e["source"])}">{_e(fmt.short_source(e["source"]))}, '
                f'{_e(e["year"])}</span></li>'
            )
        body.append("</ul>")
    body.append("<h2>Day by day</h2>")
    body.append(chart(doc, client_colors(doc)))
    body.append("</section>")

    body.append('<section class="page breakdowns">')
    for i, (title, column, entries) in enumerate(breakdown_sections(doc)):
        if not entries:
            continue
        body.append(f"<h2>{_e(title)}</h2>" if i else f'<h2 style="margin-top:0">{_e(title)}</h2>')
        body.append(breakdown_table(column, entries, impacts))
    if doc["shrink"]:
        body.append('<h2>What would shrink it</h2><ul class="shrink">')
        body += [f"<li>{_inline_code(s['text'])}</li>" for s in doc["shrink"]]
        body.append("</ul>")
    body.append("</section>")

    body.append('<section class="page method">')
    body.append('<h2 style="margin-top:0">Methodology</h2>')
    if doc.get("methodology"):
        body.append(f"<p>Methodology version <strong>{_e(doc['methodology'])}</strong>.</p>")
    boundary = doc.get("boundary") or {}
    if boundary.get("text"):
        body.append(f"<p>Boundary: {_inline_code(boundary['text'])}</p>")
    rows = "".join(
        f"<tr><td><code>{_e(k)}</code></td><td>{_e(fmt.setting(v))}</td></tr>" for k, v in doc["settings"].items()
    )
    body.append(f"<h3>Settings</h3><table><thead><tr><th>Setting</th><th>Value</th></tr></thead><tbody>{rows}</tbody></table>")
    if doc["sources"]:
        body.append('<h3>Sources</h3><ul class="sources">')
        body += [f"<li>{_inline_code(s['text'])}</li>" for s in doc["sources"]]
        body.append("</ul>")
    body.append('<h2>Data quality</h2><ul class="notes">')
    body += [f"<li>{_inline_code(n)}</li>" for n in quality_notes(doc)]
    body.append("</ul>")
    body.append("</section>")
    if demo:
        body.append(banner)
    body.append(f"<footer>Generated by tokenprint on {_e(doc['generated_at'])}{_e(mark)}.</footer>")

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>AI footprint: {_e(doc['title'])}{_e(mark)}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )
