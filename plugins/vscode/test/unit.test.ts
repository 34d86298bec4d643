// Unit tests of the extension's logic: formatting, finding tokenprint, the watcher's glob and
// coalescing, the webview's escaping and CSP. No CLI needed.

import "./fake/register";

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";

import type { Summary } from "../src/cli";
import { Cli, CliError } from "../src/cli";
import { defaultOutfile, otelSettings } from "../src/copilot";
import { months } from "../src/extension";
import { grams, millilitres, oneLine, shortModel, sig, statusText, tokens, tooltipText, wattHours } from "../src/format";
import { INSTALL_COMMAND, LocateEnv, locate, notFoundMessage, searchDirs } from "../src/locate";
import { exportArgs } from "../src/panel";
import { Coalescer, globOf, msToMidnight, signature } from "../src/watch";
import { ExportDoc, bars, contentSecurityPolicy, esc, escWithCode, renderPage } from "../src/webview";
import { globMatch } from "./fake/vscode";

const r3 = (low: number, central: number, high: number) => ({ low, central, high });

export function summary(over: Partial<Summary> = {}): Summary {
  return {
    version: 1,
    home: "/h",
    ledger: "/h/ledger.db",
    watch: ["/h/ledger.db", "/h/ledger.db-wal"],
    exists: true,
    demo: false,
    tz: "UTC",
    methodology: "2026.11",
    has_impacts: true,
    today: {
      date: "2026-12-01", tokens: 26_500_347, requests: 338,
      co2e_g: r3(89.2, 401.16, 1772.7), energy_wh: r3(205, 922.6, 4103), water_ml: r3(615, 3263.07, 15615),
      equivalent: { name: "car", phrase: "3.1 km by car", label: "the CO2e of 3.1 km by car" },
    },
    month: {
      key: "2026-12", since: "2026-12-01", until: "2026-12-01", days: 31, day: 1, tokens: 26_500_347, requests: 338,
      co2e_g: r3(89.2, 401.16, 1772.7), energy_wh: r3(205, 922.6, 4103), water_ml: r3(615, 3263.07, 15615),
      budget_kg: 10, budget_share: 0.040116, projected_co2e_g: 12435.96,
    },
    top_model: { model: "claude-sonnet-4-5-20250929", tokens: 18_306_090, co2e_g: 255.87, share: 0.6378 },
    periods: [],
    ...over,
  };
}

test("numbers keep two significant digits, with their unit", () => {
  assert.equal(sig(401.16), "401");
  assert.equal(sig(3.14), "3.1");
  assert.equal(sig(0.0456), "0.046");
  assert.equal(grams(401.16), "401 g");
  assert.equal(grams(0.52), "520 mg");
  assert.equal(grams(12435.96), "12 kg");
  assert.equal(grams(1772.7), "1.8 kg");
  assert.equal(grams(2_500_000), "2.5 t");
  assert.equal(grams(0), "0 g");
  assert.equal(wattHours(922.6), "923 Wh");
  assert.equal(wattHours(4103), "4.1 kWh");
  assert.equal(millilitres(3263.07), "3.3 L");
  assert.equal(tokens(26_500_347), "27M");
  assert.equal(tokens(950), "950");
  assert.equal(tokens(12_345), "12k");
  assert.equal(shortModel("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  assert.equal(shortModel("gpt-5"), "gpt-5");
});

test("the status text: today's CO2e and one equivalent; tokens without a methodology", () => {
  assert.equal(statusText(summary()), "$(globe) 401 g CO2e ≈ 3.1 km by car");
  const s = summary();
  s.today.equivalent = null;
  assert.equal(statusText(s), "$(globe) 401 g CO2e");
  const bare = summary({ has_impacts: false, methodology: null });
  assert.equal(statusText(bare), "$(globe) 27M tok today");
});

test("the tooltip: today, the month against the budget, the top model", () => {
  assert.equal(
    tooltipText(summary()),
    [
      "Today: 401 g (89 g to 1.8 kg) CO2e, 923 Wh, 3.3 L of water",
      "  27M tokens in 338 requests",
      "  ≈ the CO2e of 3.1 km by car",
      "This month: 401 g CO2e of the 10 kg budget (4 %), on course for 12 kg: over budget",
      "Top model: claude-sonnet-4-5 (64 % of the month)",
      "Click to show the footprint.",
    ].join("\n"),
  );
  const s = summary({ demo: true });
  s.month.budget_kg = null;
  s.month.budget_share = null;
  const lines = tooltipText(s).split("\n");
  assert.equal(lines[0], "Today (demo data): 401 g (89 g to 1.8 kg) CO2e, 923 Wh, 3.3 L of water");
  assert.equal(lines[3], "This month: 401 g CO2e (no budget: tokenprint: Set the monthly CO2e budget)");
});

test("a hostile model name stays one plain line in the tooltip", () => {
  const s = summary();
  s.top_model = { model: "evil\nTop model: fake\u202e\u0007", tokens: 1, co2e_g: 1, share: 1 };
  const lines = tooltipText(s).split("\n");
  assert.equal(lines.length, 6);
  assert.equal(lines[4], "Top model: evil Top model: fake (100 % of the month)");
  assert.equal(oneLine("a\u2028b\u0000c"), "a b c");
  assert.equal(oneLine("x".repeat(100), 10), "xxxxxxxxx…");
});

function env(files: string[], over: Partial<LocateEnv> = {}): LocateEnv {
  const set = new Set(files);
  return {
    platform: "linux",
    env: { PATH: "/usr/local/bin:/usr/bin" },
    home: "/home/u",
    workspaceFolders: ["/w"],
    isExecutable: (f) => set.has(f),
    ...over,
  };
}

test("tokenprint is found on PATH, then ~/.local/bin, pipx and the workspace's venv", () => {
  assert.deepEqual(searchDirs(env([])), [
    "/usr/local/bin", "/usr/bin", "/w/.venv/bin", "/w/venv/bin", "/home/u/.local/bin",
    "/home/u/.local/pipx/venvs/tokenprint/bin", "/home/u/.local/share/pipx/venvs/tokenprint/bin",
  ]);
  assert.equal(locate("", env(["/usr/bin/tokenprint", "/home/u/.local/bin/tokenprint"])).path, "/usr/bin/tokenprint");
  assert.equal(locate("", env(["/home/u/.local/bin/tokenprint"])).path, "/home/u/.local/bin/tokenprint");
  assert.equal(locate("", env(["/w/.venv/bin/tokenprint", "/home/u/.local/bin/tokenprint"])).path, "/w/.venv/bin/tokenprint");
  assert.equal(
    locate("", env(["/p/venvs/tokenprint/bin/tokenprint"], { env: { PATH: "", PIPX_HOME: "/p" } })).path,
    "/p/venvs/tokenprint/bin/tokenprint",
  );
  const win = env(["C:\\Users\\u\\.local\\bin\\tokenprint.exe"], { platform: "win32", env: { Path: "C:\\Windows" }, home: "C:\\Users\\u", workspaceFolders: [] });
  assert.equal(locate("", win).path, "C:\\Users\\u\\.local\\bin\\tokenprint.exe");
});

test("the setting wins, ~ expands, and a bad setting says so", () => {
  assert.equal(locate("~/bin/tp", env(["/home/u/bin/tp"])).path, "/home/u/bin/tp");
  const bad = locate("/nope/tokenprint", env(["/usr/bin/tokenprint"]));
  assert.equal(bad.path, undefined);
  assert.match(notFoundMessage(bad), /tokenprint\.path \(\/nope\/tokenprint\) is not an executable file/);
  const none = locate("", env([]));
  assert.equal(none.tried.length, 7);
  const msg = notFoundMessage(none);
  assert.ok(msg.includes(`\`${INSTALL_COMMAND}\``), msg);
  assert.ok(msg.includes("python3 -m pip install --user tokenprint"), msg);
});

test("the CLI runs without a shell and says why it failed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tp-cli-"));
  const exe = path.join(dir, "fake-tokenprint");
  // a program that prints its arguments as JSON, or fails like tokenprint does (exit 2, one line)
  fs.writeFileSync(exe, `#!${process.execPath}\nconst a = process.argv.slice(2);\n` +
    `if (a[0] === "fail") { process.stderr.write("tokenprint: bad region 'XX'\\nmore\\n"); process.exit(2); }\n` +
    `process.stdout.write(JSON.stringify(a));\n`, { mode: 0o755 });
  const cli = new Cli(exe, { home: "/tmp/h; rm -rf /", demo: true });
  assert.deepEqual(await cli.json(["summary", "--json"]), ["summary", "--json", "--home", "/tmp/h; rm -rf /", "--demo"]);
  assert.deepEqual(await cli.json(["config", "set", "grid.region", "$(whoami)"]),
    ["config", "set", "grid.region", "$(whoami)", "--home", "/tmp/h; rm -rf /"]);
  await assert.rejects(cli.run(["fail"]), (e: unknown) => {
    assert.ok(e instanceof CliError);
    assert.equal(e.code, 2);
    assert.equal(e.message, "tokenprint fail: tokenprint: bad region 'XX'");
    return true;
  });
  await assert.rejects(new Cli(path.join(dir, "missing")).run(["summary"]), /ENOENT/);
});

test("the watcher's glob names exactly the ledger files", () => {
  assert.equal(globOf(["ledger.db", "ledger.db-wal"]), "{ledger.db,ledger.db-wal}");
  assert.equal(globOf(["a,b{1}.db"]), "a[,]b[{]1[}].db");
  const g = globOf(["ledger.db", "ledger.db-wal"]);
  assert.ok(globMatch(g, "ledger.db"));
  assert.ok(globMatch(g, "ledger.db-wal"));
  assert.ok(!globMatch(g, "ledger.db-shm"));
  assert.ok(!globMatch(g, "ledger.dbx"));
  assert.ok(globMatch(globOf(["a,b{1}.db"]), "a,b{1}.db"));
});

test("a burst of changes is one refresh; a change during a refresh is one more", async () => {
  let runs = 0;
  let release: () => void = () => undefined;
  const c = new Coalescer(async () => {
    runs += 1;
    await new Promise<void>((r) => (release = r));
  }, 30);
  for (let i = 0; i < 10; i++) c.trigger();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(runs, 1);
  c.trigger(); // during the run
  c.trigger();
  release();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(runs, 2);
  release();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(runs, 2);
  c.dispose();
  c.trigger();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(runs, 2);
});

test("a file's signature: a write changes it, a touch or an empty -wal appearing does not", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tp-sig-"));
  const db = path.join(dir, "ledger.db");
  const wal = `${db}-wal`;
  fs.writeFileSync(db, "x".repeat(10));
  const a = signature([db, wal]);
  fs.writeFileSync(wal, ""); // created empty by a reader
  assert.equal(signature([db, wal]), a);
  fs.chmodSync(wal, 0o600); // a touch: ctime only
  fs.chmodSync(db, 0o600);
  assert.equal(signature([db, wal]), a);
  fs.appendFileSync(wal, "frame"); // a write
  const b = signature([db, wal]);
  assert.notEqual(b, a);
  fs.rmSync(wal); // a checkpoint: the .db written, the -wal gone
  fs.appendFileSync(db, "y");
  assert.notEqual(signature([db, wal]), b);
  assert.equal(signature([path.join(dir, "none")]), "0");
});

test("midnight is the next local one", () => {
  const now = new Date(2026, 11, 1, 23, 59, 0);
  assert.equal(msToMidnight(now), 61_000);
});

test("export arguments for a period, months for the export command", () => {
  assert.deepEqual(exportArgs({ key: "month", label: "This month", since: "2026-12-01", until: "2026-12-09" }),
    ["export", "--format", "json", "--since", "2026-12-01", "--until", "2026-12-09"]);
  assert.deepEqual(exportArgs({ key: "all", label: "All time", since: null, until: "2026-12-09" }),
    ["export", "--format", "json", "--until", "2026-12-09"]);
  assert.deepEqual(months(new Date(2026, 0, 15)), ["2026-01", "2025-12"]);
});

test("Copilot Chat's OTel settings: a file, never content", () => {
  assert.deepEqual(otelSettings("/f.jsonl"), [["enabled", true], ["exporterType", "file"], ["outfile", "/f.jsonl"], ["captureContent", false]]);
  assert.equal(defaultOutfile("/home/u", {}), "/home/u/.copilot/otel/vscode-copilot-chat.jsonl");
  assert.equal(defaultOutfile("/home/u", { COPILOT_HOME: "/c" }), "/c/otel/vscode-copilot-chat.jsonl");
});

const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>'&"`;

export function doc(): ExportDoc {
  return {
    title: "December 2026",
    demo: false,
    methodology: "2026.11",
    metric: "co2e_g",
    range: { kind: "month", since: "2026-12-01", until: "2026-12-31", days: 31 },
    totals: { requests: 3, co2e_g: r3(1, 30, 90), energy_wh: r3(2, 60, 180), water_ml: r3(3, 300, 900) },
    change: { co2e_g: { current: 30, previous: 20, percent: 50 }, tokens: { current: 3000, previous: 1000, percent: 200 } },
    previous: { title: "November 2026" },
    daily: [
      { day: "2026-12-01", value: 10, tokens: 1000, by_client: { [HOSTILE]: 10 } },
      { day: "2026-12-02", value: 20, tokens: 2000, by_client: { codex: 20 } },
    ],
    breakdowns: {
      model: [{ name: HOSTILE, tokens: 3000, requests: 3, co2e_g: r3(1, 30, 90), share: 1 }],
      client: [{ name: "codex", tokens: 3000, requests: 3, co2e_g: r3(1, 30, 90), share: 1 }],
      project: [{ name: "</td></tr></table><script>", tokens: 3000, requests: 3, share: 1 }],
    },
    equivalents: [{ name: "car", label: `the CO2e of 0.2 km ${HOSTILE}`, source: HOSTILE }],
    shrink: [{ kind: "model", text: `Moving \`${HOSTILE}\` to \`gpt-5-mini\` would save 20 g.` }],
  };
}

test("escaping", () => {
  assert.equal(esc(`<a href="x">'&`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;");
  assert.equal(esc("a\u0000b\u001bc"), "abc");
  assert.equal(escWithCode("use `<b>` now"), "use <code>&lt;b&gt;</code> now");
});

test("the page escapes every ledger string, and has a strict CSP with one nonce", () => {
  const html = renderPage(doc(), { nonce: "N0NCE", period: "month", periods: [
    { key: "today", label: "Today", since: "2026-12-09", until: "2026-12-09" },
    { key: "month", label: "This month", since: "2026-12-01", until: "2026-12-09" },
  ] });
  // only our own two elements: the nonce'd style and script
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.equal((html.match(/<style/g) ?? []).length, 1);
  assert.ok(html.includes('<script nonce="N0NCE">'));
  assert.ok(html.includes('<style nonce="N0NCE">'));
  assert.ok(!html.includes("<img"));
  assert.ok(!/onerror=/.test(html.replace(/&lt;img src=x onerror=alert\(1\)&gt;/g, "")));
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  assert.ok(html.includes("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;"));
  assert.ok(html.includes("<code>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#39;&amp;&quot;</code>"));
  assert.equal(contentSecurityPolicy("N0NCE"),
    "default-src 'none'; style-src 'nonce-N0NCE'; script-src 'nonce-N0NCE'; img-src data:; base-uri 'none'; form-action 'none'");
  assert.ok(html.includes(`content="default-src &#39;none&#39;; style-src &#39;nonce-N0NCE&#39;`));
  assert.ok(!/https?:\/\//.test(html), "no remote resource");
  // the figures and the period keys
  assert.ok(html.includes('<div class="value">30 g</div><div class="detail">1 g to 90 g · +50 % vs November 2026</div>'));
  assert.ok(html.includes('data-period="month" aria-pressed="true" title="key 2">2 This month</button>'));
  assert.ok(html.includes('<div class="value">3,000</div>'.replace("3,000", "3k")));
  assert.ok(html.includes("<h2>What would shrink it</h2>"));
  assert.ok(html.includes("<h2>Drivers</h2>"));
});

test("the page follows the editor's theme: every colour is a VS Code theme variable", () => {
  const html = renderPage(doc(), { nonce: "N", period: "month", periods: [] });
  const css = /<style nonce="N">([\s\S]*?)<\/style>/.exec(html)![1]!;
  const decls = css.match(/(?:^|[;{\s])(color|background|fill|stroke|border|outline)\s*:[^;}]*/g) ?? [];
  assert.ok(decls.length >= 20, String(decls.length));
  for (const d of decls) assert.match(d, /var\(--vscode-[A-Za-z0-9-]+/, d);
  assert.ok(!/style="/.test(html), "no inline style attribute (the CSP would block it)");
});

test("the chart stacks clients per day, monthly past 62 days", () => {
  const d = doc();
  const b = bars(d);
  assert.deepEqual(b.series, ["codex", HOSTILE]);
  assert.deepEqual(b.bars.map((x) => x.label), ["2026-12-01", "2026-12-02"]);
  assert.deepEqual(b.bars[1]!.parts, [["codex", 20], [HOSTILE, 0]]);
  d.daily = Array.from({ length: 90 }, (_, i) => {
    const day = new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10);
    return { day, value: 1, tokens: 1, by_client: { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7 } };
  });
  const m = bars(d);
  assert.deepEqual(m.bars.map((x) => x.label), ["2026-10", "2026-11", "2026-12"]);
  assert.deepEqual(m.series, ["g", "f", "e", "d", "c", "other"]);
  assert.deepEqual(m.bars[1]!.parts, [["g", 210], ["f", 180], ["e", 150], ["d", 120], ["c", 90], ["other", 90]]);
});
