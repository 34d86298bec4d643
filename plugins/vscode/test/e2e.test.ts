// End to end: the extension's own code (activate, its commands) drives the REAL `tokenprint`
// CLI on a demo ledger (`tokenprint demo` in a temp TOKENPRINT_HOME), through the fake vscode
// API. Each figure shown is checked against another command of the CLI (`report --json`,
// `export --format json`, `config get`), never against the extension's own reading.

import { fake } from "./fake/register";

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";

import * as ext from "../src/extension";
import { grams } from "../src/format";
import { FootprintPanel } from "../src/panel";
import type { ExportDoc } from "../src/webview";
import { NO_CLI, TOKENPRINT, cli, isolate, waitFor } from "./helpers";

let dirs: ReturnType<typeof isolate>;
let ctx: ReturnType<typeof fake.context>;
let today = "";

function item(): InstanceType<typeof fake.StatusBarItem> {
  return fake.state.items[0]!;
}

before(async () => {
  if (NO_CLI) return;
  dirs = isolate();
  await cli(["demo", "--days", "40", "--events", "3000", "--seed", "7"]);
  fake.reset();
  fake.state.config.set("tokenprint.path", TOKENPRINT);
  fake.state.config.set("tokenprint.demo", true);
  fake.state.config.set("tokenprint.refreshSeconds", 0.2);
  ctx = fake.context();
  const fp = await ext.activate(ctx as never);
  await fp.refreshAndWait();
  today = fp.summary!.today.date;
});

after(() => {
  if (NO_CLI) return;
  FootprintPanel.current?.dispose();
  ext.deactivate();
  ctx.dispose();
  fake.reset();
  fs.rmSync(dirs.root, { recursive: true, force: true });
});

async function report(args: string[]): Promise<{ totals: Record<string, { central: number } & unknown>; rows: Record<string, unknown>[] }> {
  return JSON.parse(await cli(["report", ...args, "--demo", "--json"]));
}

test("the status item shows today's CO2e of the demo ledger, as report --json has it", { skip: NO_CLI }, async () => {
  const fp = ext.current()!;
  const s = fp.summary!;
  const r = await report(["daily", "--since", today, "--until", today]);
  const central = r.totals.co2e_g!.central;
  assert.ok(Math.abs(s.today.co2e_g!.central - central) <= 1e-9 * central, `${s.today.co2e_g!.central} vs ${central}`);
  assert.ok(s.today.equivalent, "an equivalent for a day with usage");
  assert.equal(item().text, `$(globe) ${grams(central)} CO2e ≈ ${s.today.equivalent!.phrase}`);
  assert.equal(item().visible, true);
  assert.equal(item().command, "tokenprint.showFootprint");
  // the month and the top model, from report --json over the month so far
  const month = await report(["daily", "--since", `${today.slice(0, 8)}01`, "--until", today, "--by", "model"]);
  const lines = String(item().tooltip).split("\n");
  assert.equal(lines[0]!.startsWith("Today (demo data): "), true, lines[0]);
  assert.equal(lines[3], `This month: ${grams(month.totals.co2e_g!.central)} CO2e (no budget: tokenprint: Set the monthly CO2e budget)`);
  const byModel = new Map<string, number>();
  for (const row of month.rows) {
    const m = String(row.model);
    byModel.set(m, (byModel.get(m) ?? 0) + (row.co2e_g as { central: number }).central);
  }
  const top = [...byModel.entries()].sort((a, b) => b[1] - a[1])[0]!;
  assert.equal(s.top_model!.model, top[0]);
  assert.match(lines[4]!, new RegExp(`^Top model: ${top[0].replace(/-\d{8}$/, "").replace(/[.]/g, "\\.")} \\(\\d+ % of the month\\)$`));
  // it watches the demo ledger and its -wal
  const db = path.join(dirs.home, "demo.db");
  assert.equal(fp.watching, [db, `${db}-wal`].sort().join("\n"));
});

test("Show footprint: the month's export in a webview, then the period keys", { skip: NO_CLI }, async () => {
  const panel = (await fake.commands.executeCommand("tokenprint.showFootprint")) as FootprintPanel;
  await waitFor("the page", () => panel.html.includes("<h1>"));
  const fp = ext.current()!;
  const month = fp.summary!.periods.find((p) => p.key === "month")!;
  const doc: ExportDoc = JSON.parse(await cli(["export", "--demo", "--format", "json", "--since", month.since!, "--until", month.until]));
  assert.ok(panel.html.includes(`<h1>${doc.title}</h1>`));
  assert.ok(panel.html.includes(`<div class="label">CO2e</div><div class="value">${grams(doc.totals.co2e_g!.central)}</div>`));
  assert.ok(panel.html.includes("Demo data: this is the demo ledger"));
  assert.ok(panel.html.includes('data-period="month" aria-pressed="true"'));
  const opts = fake.state.panels[0]!.options as { enableScripts: boolean; localResourceRoots: unknown[] };
  assert.equal(opts.enableScripts, true);
  assert.deepEqual(opts.localResourceRoots, []);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(panel.html)![1]!;
  assert.match(csp, /^default-src &#39;none&#39;; style-src &#39;nonce-[A-Za-z0-9]{32}&#39;; script-src &#39;nonce-[A-Za-z0-9]{32}&#39;/);
  // key 1 (the page's script posts it): today
  const day = fp.summary!.periods.find((p) => p.key === "today")!;
  const dayDoc: ExportDoc = JSON.parse(await cli(["export", "--demo", "--format", "json", "--since", day.since!, "--until", day.until]));
  fake.state.panels[0]!.webview.post({ type: "period", key: "today" });
  await waitFor("today's page", () => panel.html.includes('data-period="today" aria-pressed="true"'));
  assert.ok(panel.html.includes(`<div class="value">${grams(dayDoc.totals.co2e_g!.central)}</div>`));
  // a message that is not ours is ignored
  fake.state.panels[0]!.webview.post({ type: "period", key: "<script>" });
  fake.state.panels[0]!.webview.post("nonsense");
  assert.equal(panel.period, "today");
  fake.state.panels[0]!.dispose(); // closed by the user: no more renders
  assert.equal(FootprintPanel.current, undefined);
});

test("Set the budget: config set through the CLI; the tooltip then says the share", { skip: NO_CLI }, async () => {
  fake.state.answers.push("5");
  assert.equal(await fake.commands.executeCommand("tokenprint.setBudget"), "5");
  assert.equal((await cli(["config", "get", "budget.monthly_kg"])).trim(), "5.0");
  const month = await report(["daily", "--since", `${today.slice(0, 8)}01`, "--until", today]);
  const used = month.totals.co2e_g!.central;
  const line = String(item().tooltip).split("\n")[3]!;
  assert.ok(line.startsWith(`This month: ${grams(used)} CO2e of the 5 kg budget (${Math.round(used / 50)} %)`), line);
});

test("Set the grid region: a region the CLI refuses is an error message, the config unchanged", { skip: NO_CLI }, async () => {
  const before = (await cli(["config", "get", "grid.region"])).trim();
  fake.state.messages = [];
  fake.state.answers.push("NOT-A-REGION");
  await fake.commands.executeCommand("tokenprint.setRegion");
  const err = fake.state.messages.find((m) => m.kind === "error");
  assert.ok(err, JSON.stringify(fake.state.messages));
  assert.match(err.message, /^tokenprint config set grid\.region NOT-A-REGION: tokenprint: .*NOT-A-REGION/);
  assert.equal((await cli(["config", "get", "grid.region"])).trim(), before);
  fake.state.answers.push("FR");
  assert.equal(await fake.commands.executeCommand("tokenprint.setRegion"), "FR");
  assert.equal((await cli(["config", "get", "grid.region"])).trim(), "FR");
});

test("Open the methodology: tokenprint methodology as a Markdown document", { skip: NO_CLI }, async () => {
  const doc = (await fake.commands.executeCommand("tokenprint.openMethodology")) as InstanceType<typeof fake.TextDocument>;
  assert.equal(doc.languageId, "markdown");
  assert.equal(doc.getText(), await cli(["methodology"]));
  assert.match(doc.getText(), /^# tokenprint methodology /);
});

test("Export the month: md and html files from tokenprint export", { skip: NO_CLI }, async () => {
  const [thisMonth] = ext.months(new Date(`${today}T12:00:00Z`));
  for (const fmt of ["md", "html"]) {
    const target = path.join(dirs.root, `out.${fmt}`);
    fake.state.answers = [thisMonth, fmt, target];
    if (fmt === "html") fake.state.answers.push(undefined); // "Open in the browser"? no
    assert.equal(await fake.commands.executeCommand("tokenprint.exportMonth"), target);
    const want = await cli(["export", "--demo", "--month", thisMonth, "--format", fmt]);
    const got = fs.readFileSync(target, "utf8");
    // the same document (the generation minute aside)
    const strip = (t: string) => t.replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/g, "");
    assert.equal(strip(got).trim(), strip(want).trim());
  }
  assert.equal(fake.state.shown.at(-1)!.uri!.fsPath, path.join(dirs.root, "out.md"));
  // cancelling at the first question does nothing
  fake.state.answers.push(undefined);
  assert.equal(await fake.commands.executeCommand("tokenprint.exportMonth"), undefined);
});

test("Install the hooks: tokenprint hooks install --all into the clients found", { skip: NO_CLI }, async () => {
  fs.mkdirSync(path.join(dirs.user, ".claude"));
  fake.state.messages = [];
  const out = (await fake.commands.executeCommand("tokenprint.installHooks")) as string;
  assert.match(out, /claude-code/);
  const settings = JSON.parse(fs.readFileSync(path.join(dirs.user, ".claude", "settings.json"), "utf8"));
  assert.match(JSON.stringify(settings.hooks.Stop), /tokenprint-hook/);
  assert.ok(fake.state.messages.some((m) => m.kind === "info" && m.message.startsWith("tokenprint hooks: ")));
});

test("tokenprint not found: the item says so, the command offers the install command", { skip: NO_CLI }, async () => {
  fake.setConfig("tokenprint.path", path.join(dirs.root, "no-such-tokenprint"));
  await waitFor("the warning", () => item().text === "$(warning) tokenprint");
  assert.match(String(item().tooltip), /tokenprint\.path \(.*no-such-tokenprint\) is not an executable file/);
  fake.state.messages = [];
  fake.state.answers = ["Copy the install command"];
  FootprintPanel.current?.dispose();
  assert.equal(await fake.commands.executeCommand("tokenprint.showFootprint"), undefined);
  assert.equal(fake.state.clipboard, "pipx install tokenprint");
  // and back
  fake.setConfig("tokenprint.path", TOKENPRINT);
  await waitFor("the footprint again", () => item().text.includes("CO2e"));
  fake.setConfig("tokenprint.hideStatusItem", true);
  assert.equal(item().visible, false);
});
