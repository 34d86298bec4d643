// The status bar item's text and tooltip from `tokenprint summary --json`. Pure functions:
// the numbers are the CLI's, only their display is decided here.

import type { Range3, Summary } from "./cli";

/** Two significant digits at most, like the terminal's status line (ledger/units.py qty). */
export function sig(value: number): string {
  if (!Number.isFinite(value)) return "?";
  const a = Math.abs(value);
  if (a >= 100) return Math.round(value).toLocaleString("en-US");
  if (a >= 10) return String(Math.round(value));
  if (a === 0) return "0";
  const r = Number(value.toPrecision(2));
  return String(r);
}

/** Grams as mg, g, kg or t. */
export function grams(g: number): string {
  const a = Math.abs(g);
  if (a === 0) return "0 g";
  if (a < 1) return `${sig(g * 1000)} mg`;
  if (a < 1000) return `${sig(g)} g`;
  if (a < 1e6) return `${sig(g / 1000)} kg`;
  return `${sig(g / 1e6)} t`;
}

export function wattHours(wh: number): string {
  const a = Math.abs(wh);
  if (a === 0) return "0 Wh";
  if (a < 1000) return `${sig(wh)} Wh`;
  if (a < 1e6) return `${sig(wh / 1000)} kWh`;
  return `${sig(wh / 1e6)} MWh`;
}

export function millilitres(ml: number): string {
  const a = Math.abs(ml);
  if (a === 0) return "0 mL";
  if (a < 1000) return `${sig(ml)} mL`;
  return `${sig(ml / 1000)} L`;
}

/** Token counts: 950, 12k, 3.4M, 1.2B. */
export function tokens(n: number): string {
  const a = Math.abs(n);
  if (a < 1000) return String(n);
  if (a < 1e6) return `${sig(n / 1000)}k`;
  if (a < 1e9) return `${sig(n / 1e6)}M`;
  return `${sig(n / 1e9)}B`;
}

export function range(r: Range3, unit: (v: number) => string): string {
  return `${unit(r.central)} (${unit(r.low)} to ${unit(r.high)})`;
}

export function percent(share: number): string {
  return `${Math.round(share * 100)} %`;
}

/** A model id as the table shows it: without a trailing date (claude-sonnet-4-5-20250929). */
export function shortModel(model: string): string {
  return model.replace(/-(\d{8}|\d{4}-\d{2}-\d{2})$/, "");
}

/** One line of text: no control characters or newlines (a hostile model name stays on its line). */
export function oneLine(text: string, limit = 80): string {
  // control characters and line breaks become a space; bidirectional overrides (which can
  // make a name read as another) are dropped
  const clean = String(text)
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ")
    .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "")
    .replace(/ +$/, "");
  return clean.length > limit ? `${clean.slice(0, limit - 1)}…` : clean;
}

/** The status bar text: today's CO2e and one everyday equivalent (tokens without a methodology). */
export function statusText(s: Summary): string {
  const day = s.today;
  if (!s.has_impacts || !day.co2e_g) return `$(globe) ${tokens(day.tokens)} tok today`;
  const eq = day.equivalent ? ` ≈ ${oneLine(day.equivalent.phrase, 40)}` : "";
  return `$(globe) ${grams(day.co2e_g.central)} CO2e${eq}`;
}

/** The tooltip: today, this month against the budget, the top model (plain text, never Markdown). */
export function tooltipText(s: Summary): string {
  const lines: string[] = [];
  const demo = s.demo ? " (demo data)" : "";
  const day = s.today;
  const month = s.month;
  if (s.has_impacts && day.co2e_g && day.energy_wh && day.water_ml) {
    lines.push(
      `Today${demo}: ${range(day.co2e_g, grams)} CO2e, ${wattHours(day.energy_wh.central)}, ` +
        `${millilitres(day.water_ml.central)} of water`,
    );
  } else {
    lines.push(`Today${demo}: no impact figures (no methodology)`);
  }
  lines.push(`  ${tokens(day.tokens)} tokens in ${day.requests.toLocaleString("en-US")} request${day.requests === 1 ? "" : "s"}`);
  if (day.equivalent) lines.push(`  ≈ ${oneLine(day.equivalent.label, 100)}`);
  if (s.has_impacts && month.co2e_g) {
    let line = `This month: ${grams(month.co2e_g.central)} CO2e`;
    if (month.budget_kg !== null && month.budget_share !== null) {
      line += ` of the ${month.budget_kg.toLocaleString("en-US")} kg budget (${percent(month.budget_share)})`;
      if (month.projected_co2e_g !== null) {
        const over = month.projected_co2e_g > month.budget_kg * 1000;
        line += `, on course for ${grams(month.projected_co2e_g)}${over ? ": over budget" : ""}`;
      }
    } else {
      line += " (no budget: tokenprint: Set the monthly CO2e budget)";
    }
    lines.push(line);
  } else {
    lines.push(`This month: ${tokens(month.tokens)} tokens`);
  }
  if (s.top_model) {
    const share = s.top_model.share !== null ? ` (${percent(s.top_model.share)} of the month)` : "";
    lines.push(`Top model: ${oneLine(shortModel(s.top_model.model), 60)}${share}`);
  }
  lines.push("Click to show the footprint.");
  return lines.join("\n");
}
