// The "tokenprint: Show footprint" page, as one HTML string from `tokenprint export --format json`
// (the export document: totals, change, daily series, breakdowns, equivalents, shrink). Pure:
// no vscode import, so the tests and the screenshot script render the very same HTML.
//
// Safety: every string that comes from the ledger or the CLI goes through `esc` (model, client
// and project names are whatever a client wrote); the page has a strict Content-Security-Policy
// (default-src 'none'; one nonce for its style and its script; no remote resource, the chart
// is inline SVG). Colours are VS Code's theme variables (--vscode-*), so the page follows the
// editor's light, dark and high-contrast themes.

import { grams, millilitres, percent, shortModel, tokens, wattHours } from "./format";
import type { PeriodBounds, Range3 } from "./cli";

export interface Entry {
  name: string;
  tokens: number;
  requests: number;
  co2e_g?: Range3;
  share: number;
}

export interface ExportDoc {
  title: string;
  demo: boolean;
  methodology: string | null;
  metric: string;
  range: { kind: string; since: string; until: string; days: number };
  totals: { requests: number; co2e_g?: Range3; energy_wh?: Range3; water_ml?: Range3 } & Record<string, unknown>;
  change?: Record<string, { current: number; previous: number; percent: number | null }>;
  previous?: { title: string } | null;
  daily: { day: string; value: number; tokens: number; by_client: Record<string, number> }[];
  breakdowns: Record<string, Entry[]>;
  equivalents: { name: string; label: string; source?: string }[];
  shrink: { kind: string; text: string; saving_co2e_g?: number; saving_share?: number }[];
  generated_at?: string;
}

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** HTML-escapes text for element content and quoted attributes; control characters dropped. */
export function esc(value: unknown): string {
  // eslint-disable-next-line no-control-regex
  return String(value ?? "").replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "").replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** Escaped text with `code` spans for the export's backticks (the shrink sentences). */
export function escWithCode(text: string): string {
  return esc(text).replace(/`([^`]*)`/g, (_m, inner: string) => `<code>${inner}</code>`);
}

export function nonce(): string {
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < 32; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

export function contentSecurityPolicy(n: string): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${n}'`,
    `script-src 'nonce-${n}'`,
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

/** Theme chart colours: VS Code's chart palette, in order. */
const SERIES_VARS = ["--vscode-charts-blue", "--vscode-charts-green", "--vscode-charts-orange",
  "--vscode-charts-purple", "--vscode-charts-red", "--vscode-charts-yellow"];

interface Bar {
  label: string;
  parts: [string, number][];
}

/** Daily bars, or monthly ones past 62 days; stacked by client (top 5 + other). */
export function bars(doc: ExportDoc): { bars: Bar[]; series: string[] } {
  const totalsBy = new Map<string, number>();
  for (const d of doc.daily) for (const [c, v] of Object.entries(d.by_client)) totalsBy.set(c, (totalsBy.get(c) ?? 0) + v);
  const ranked = [...totalsBy.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([c]) => c);
  const keep = ranked.length <= 6 ? ranked : ranked.slice(0, 5);
  const series = ranked.length > keep.length ? [...keep, "other"] : keep;
  const monthly = doc.daily.length > 62;
  const order: string[] = [];
  const byKey = new Map<string, Map<string, number>>();
  for (const d of doc.daily) {
    const key = monthly ? d.day.slice(0, 7) : d.day;
    if (!byKey.has(key)) {
      byKey.set(key, new Map());
      order.push(key);
    }
    const acc = byKey.get(key)!;
    for (const [c, v] of Object.entries(d.by_client)) {
      const s = keep.includes(c) ? c : "other";
      acc.set(s, (acc.get(s) ?? 0) + v);
    }
  }
  return {
    series,
    bars: order.map((k) => ({ label: k, parts: series.map((s) => [s, byKey.get(k)!.get(s) ?? 0] as [string, number]) })),
  };
}

/** The chart as inline SVG (no script, no remote font): one stacked bar per day or month. */
export function chartSvg(doc: ExportDoc): string {
  const { bars: data, series } = bars(doc);
  const W = 720;
  const H = 180;
  const pad = 28;
  const max = Math.max(0, ...data.map((b) => b.parts.reduce((a, [, v]) => a + v, 0)));
  const unit = doc.metric === "co2e_g" ? grams : (v: number) => tokens(v);
  const bw = data.length ? (W - pad) / data.length : 0;
  const rects: string[] = [];
  data.forEach((b, i) => {
    let y = H - pad;
    b.parts.forEach(([s, v], si) => {
      if (v <= 0 || max <= 0) return;
      const h = (v / max) * (H - pad * 2);
      y -= h;
      rects.push(
        `<rect x="${(pad + i * bw + bw * 0.1).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(bw * 0.8, 1).toFixed(1)}" ` +
          `height="${h.toFixed(1)}" class="s${si % SERIES_VARS.length}"><title>${esc(b.label)} · ${esc(s)}: ${esc(unit(v))}</title></rect>`,
      );
    });
  });
  const first = data[0]?.label ?? "";
  const last = data[data.length - 1]?.label ?? "";
  const legend = series
    .map((s, i) => `<span class="key"><span class="swatch s${i % SERIES_VARS.length}"></span>${esc(s)}</span>`)
    .join(" ");
  return (
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(doc.title)}: ${esc(unit(max))} at most per bar">` +
    `<line x1="${pad}" y1="${H - pad}" x2="${W}" y2="${H - pad}" class="axis"/>` +
    `<text x="${pad}" y="14" class="tick">${esc(unit(max))}</text>` +
    rects.join("") +
    `<text x="${pad}" y="${H - 8}" class="tick">${esc(first)}</text>` +
    `<text x="${W}" y="${H - 8}" class="tick" text-anchor="end">${esc(last)}</text>` +
    `</svg><div class="legend">${legend}</div>`
  );
}

function card(label: string, value: string, detail = ""): string {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>` +
    (detail ? `<div class="detail">${esc(detail)}</div>` : "") + `</div>`;
}

function drivers(doc: ExportDoc, dim: string, title: string): string {
  const rows = (doc.breakdowns[dim] ?? []).slice(0, 6);
  if (!rows.length) return "";
  const body = rows
    .map((r) => {
      const name = dim === "model" ? shortModel(r.name) : r.name;
      const value = r.co2e_g ? grams(r.co2e_g.central) : `${tokens(r.tokens)} tok`;
      const w = Math.max(0, Math.min(100, r.share * 100)).toFixed(1);
      return `<tr><td class="name" title="${esc(r.name)}">${esc(name)}</td>` +
        `<td class="bar"><svg viewBox="0 0 100 8" preserveAspectRatio="none"><rect width="${w}" height="8" class="s0"/></svg></td>` +
        `<td class="num">${esc(percent(r.share))}</td><td class="num">${esc(value)}</td></tr>`;
    })
    .join("");
  return `<section class="driver"><h3>${esc(title)}</h3><table>${body}</table></section>`;
}

export interface PageOptions {
  nonce: string;
  /** The period keys of the dashboard (1..5) and the one shown. */
  periods: PeriodBounds[];
  period: string;
}

/** The whole page. */
export function renderPage(doc: ExportDoc, o: PageOptions): string {
  const n = esc(o.nonce);
  const t = doc.totals;
  const cards: string[] = [];
  if (t.co2e_g && t.energy_wh && t.water_ml) {
    const ch = doc.change?.co2e_g?.percent;
    const vs = ch !== undefined && ch !== null && doc.previous ? `${ch >= 0 ? "+" : ""}${Math.round(ch)} % vs ${doc.previous.title}` : "";
    cards.push(card("CO2e", grams(t.co2e_g.central), `${grams(t.co2e_g.low)} to ${grams(t.co2e_g.high)}${vs ? " · " + vs : ""}`));
    cards.push(card("Energy", wattHours(t.energy_wh.central), `${wattHours(t.energy_wh.low)} to ${wattHours(t.energy_wh.high)}`));
    cards.push(card("Water", millilitres(t.water_ml.central), `${millilitres(t.water_ml.low)} to ${millilitres(t.water_ml.high)}`));
  }
  const totalTokens = typeof doc.change?.tokens?.current === "number" ? doc.change.tokens.current : undefined;
  cards.push(card("Tokens", totalTokens !== undefined ? tokens(totalTokens) : "", `${t.requests.toLocaleString("en-US")} requests`));
  const keys = o.periods
    .map((p, i) => `<button class="period${p.key === o.period ? " on" : ""}" data-period="${esc(p.key)}" ` +
      `aria-pressed="${p.key === o.period}" title="key ${i + 1}">${i + 1} ${esc(p.label)}</button>`)
    .join("");
  const eqs = doc.equivalents.slice(0, 4).map((e) => `<li title="${esc(e.source ?? "")}">${esc(e.label)}</li>`).join("");
  const shrink = doc.shrink.length
    ? doc.shrink.map((s) => `<li>${escWithCode(s.text)}</li>`).join("")
    : "<li>Nothing obvious: the usage is already on small models or a clean grid.</li>";
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tokenprint: ${esc(doc.title)}</title>
<style nonce="${n}">
body { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px);
  color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); padding: 0 20px 24px; }
h1 { font-size: 1.5em; margin: 16px 0 4px; } h2 { font-size: 1.15em; margin: 20px 0 8px; } h3 { font-size: 1em; margin: 8px 0; }
.sub { color: var(--vscode-descriptionForeground, #666); }
.banner { background: var(--vscode-inputValidation-warningBackground, #fff3cd); border: 1px solid var(--vscode-inputValidation-warningBorder, #e0b000); padding: 4px 8px; margin: 8px 0; }
.periods { display: flex; gap: 6px; flex-wrap: wrap; margin: 10px 0; }
button.period { font: inherit; color: var(--vscode-button-secondaryForeground, #222); background: var(--vscode-button-secondaryBackground, #ddd);
  border: 1px solid var(--vscode-contrastBorder, transparent); padding: 3px 10px; cursor: pointer; border-radius: 2px; }
button.period.on { color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #007acc); }
button.period:focus { outline: 1px solid var(--vscode-focusBorder, #007acc); }
.cards { display: flex; gap: 10px; flex-wrap: wrap; }
.card { border: 1px solid var(--vscode-panel-border, #ccc); padding: 8px 12px; min-width: 140px; }
.card .label { color: var(--vscode-descriptionForeground, #666); } .card .value { font-size: 1.6em; font-weight: 600; }
.card .detail { color: var(--vscode-descriptionForeground, #666); font-size: 0.9em; }
svg.chart { width: 100%; max-width: 760px; height: auto; }
.axis { stroke: var(--vscode-panel-border, #ccc); } .tick { fill: var(--vscode-descriptionForeground, #666); font-size: 11px; }
.s0 { fill: var(--vscode-charts-blue, #3794ff); background: var(--vscode-charts-blue, #3794ff); }
.s1 { fill: var(--vscode-charts-green, #89d185); background: var(--vscode-charts-green, #89d185); }
.s2 { fill: var(--vscode-charts-orange, #d18616); background: var(--vscode-charts-orange, #d18616); }
.s3 { fill: var(--vscode-charts-purple, #b180d7); background: var(--vscode-charts-purple, #b180d7); }
.s4 { fill: var(--vscode-charts-red, #f14c4c); background: var(--vscode-charts-red, #f14c4c); }
.s5 { fill: var(--vscode-charts-yellow, #cca700); background: var(--vscode-charts-yellow, #cca700); }
.legend { display: flex; gap: 12px; flex-wrap: wrap; margin-top: 4px; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.drivers { display: flex; gap: 24px; flex-wrap: wrap; } .driver table { border-collapse: collapse; }
.driver td { padding: 2px 6px; } .driver td.name { max-width: 220px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.driver td.bar svg { width: 90px; height: 8px; } .num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: var(--vscode-editor-font-family, monospace); background: var(--vscode-textCodeBlock-background, #eee); padding: 0 3px; }
li { margin: 3px 0; }
</style></head>
<body>
<h1>${esc(doc.title)}</h1>
<div class="sub">${esc(doc.range.since)} to ${esc(doc.range.until)} · methodology ${esc(doc.methodology ?? "none")}${doc.generated_at ? ` · ${esc(doc.generated_at)}` : ""}</div>
${doc.demo ? '<div class="banner">Demo data: this is the demo ledger, not yours.</div>' : ""}
<nav class="periods" aria-label="Period">${keys}</nav>
<section class="cards">${cards.join("")}</section>
<h2>Over time</h2>
${chartSvg(doc)}
<h2>Drivers</h2>
<div class="drivers">${drivers(doc, "model", "By model")}${drivers(doc, "client", "By client")}${drivers(doc, "project", "By project")}</div>
<h2>Equivalents</h2>
<ul>${eqs || "<li>No usage in this period.</li>"}</ul>
<h2>What would shrink it</h2>
<ul>${shrink}</ul>
<script nonce="${n}">
(function () {
  const vscode = typeof acquireVsCodeApi === "function" ? acquireVsCodeApi() : null;
  const keys = Array.from(document.querySelectorAll("button.period"));
  function pick(key) { if (vscode) vscode.postMessage({ type: "period", key: key }); }
  keys.forEach(function (b) { b.addEventListener("click", function () { pick(b.getAttribute("data-period")); }); });
  window.addEventListener("keydown", function (e) {
    const i = "12345".indexOf(e.key);
    if (i >= 0 && keys[i] && !e.ctrlKey && !e.metaKey && !e.altKey) pick(keys[i].getAttribute("data-period"));
  });
})();
</script>
</body></html>
`;
}

/** The page when there is nothing to show (an error, tokenprint missing): the message, escaped. */
export function renderMessage(message: string, nonceValue: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(contentSecurityPolicy(nonceValue))}">
<style nonce="${esc(nonceValue)}">body { font-family: var(--vscode-font-family, sans-serif); color: var(--vscode-foreground, #222); padding: 20px; }</style>
</head><body><p>${esc(message)}</p></body></html>`;
}
