// The status item refreshes within 5 s of a REAL hook run writing the ledger: Claude Code's
// Stop hook (`tokenprint-hook claude-code`, its JSON payload on stdin) reads a transcript in
// Claude Code's format (one assistant line with message.usage, as tests/hooks/corpus.py
// writes) and writes the ledger; the fake API's FileSystemWatcher (real fs.watch) sees the
// -wal change and the extension reads `tokenprint summary --json` again.

import { fake } from "./fake/register";

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";

import * as ext from "../src/extension";
import { grams } from "../src/format";
import { FootprintPanel } from "../src/panel";
import { NO_CLI, TOKENPRINT, TOKENPRINT_HOOK, cli, isolate, run, sleep, waitFor } from "./helpers";

const SESSION = "dddddddd-0000-4000-8000-000000000004";
const MODEL = "claude-sonnet-4-5-20250929";
let dirs: ReturnType<typeof isolate>;
let ctx: ReturnType<typeof fake.context>;
let transcript = "";

function assistant(n: number, u: { input: number; cw: number; cr: number; out: number }): string {
  const ts = new Date(Date.now() - 1000).toISOString();
  return JSON.stringify({
    parentUuid: null, isSidechain: false, userType: "external", cwd: "/p/alpha", sessionId: SESSION,
    version: "1.0.128", gitBranch: "main", type: "assistant", uuid: `uuid-vscode-${n}`, timestamp: ts,
    requestId: `req_vscode_${n}`,
    message: {
      id: `msg_vscode_${n}`, type: "message", role: "assistant", model: MODEL,
      content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null,
      usage: {
        input_tokens: u.input, cache_creation_input_tokens: u.cw, cache_read_input_tokens: u.cr,
        cache_creation: { ephemeral_5m_input_tokens: u.cw, ephemeral_1h_input_tokens: 0 },
        output_tokens: u.out, service_tier: "standard",
      },
    },
  }) + "\n";
}

function payload(): string {
  return JSON.stringify({
    session_id: SESSION, transcript_path: transcript, cwd: "/p/alpha", hook_event_name: "Stop",
    permission_mode: "default", stop_hook_active: false,
  });
}

function item(): InstanceType<typeof fake.StatusBarItem> {
  return fake.state.items[0]!;
}

before(async () => {
  if (NO_CLI || !TOKENPRINT_HOOK) return;
  dirs = isolate();
  const project = path.join(dirs.user, ".claude", "projects", "-p-alpha");
  fs.mkdirSync(project, { recursive: true });
  transcript = path.join(project, `${SESSION}.jsonl`);
  fs.writeFileSync(transcript, "");
  fake.reset();
  fake.state.config.set("tokenprint.path", TOKENPRINT);
  fake.state.config.set("tokenprint.refreshSeconds", 0.5);
  ctx = fake.context();
  const fp = await ext.activate(ctx as never);
  await fp.refreshAndWait();
  // a fresh home: the first summary created the (empty) ledger; let that write settle
  await sleep(1500);
  await fp.refreshAndWait();
});

after(() => {
  if (NO_CLI || !TOKENPRINT_HOOK) return;
  ext.deactivate();
  ctx.dispose();
  fake.reset();
  fs.rmSync(dirs.root, { recursive: true, force: true });
});

async function estimateCo2e(u: { input: number; cw: number; cr: number; out: number }, requests: number): Promise<number> {
  const e = JSON.parse(await cli(["estimate", "--model", MODEL, "--input", String(u.input), "--cache-write", String(u.cw),
    "--cache-read", String(u.cr), "--output", String(u.out), "--requests", String(requests), "--json"]));
  return e.co2e_g.central as number;
}

test("a real hook write refreshes the status item within 5 s", { skip: NO_CLI || (!TOKENPRINT_HOOK && "no tokenprint-hook") }, async () => {
  const fp = ext.current()!;
  assert.equal(item().text, "$(globe) 0 g CO2e");
  assert.equal(fp.watching, [path.join(dirs.home, "ledger.db"), path.join(dirs.home, "ledger.db-wal")].join("\n"));
  const u1 = { input: 1200, cw: 3000, cr: 20000, out: 800 };
  fs.appendFileSync(transcript, assistant(1, u1));
  const readsBefore = fp.reads;
  const hook = await run(TOKENPRINT_HOOK!, ["claude-code"], payload());
  assert.equal(hook.code, 0, hook.stderr);
  const wrote = Date.now();
  await waitFor("the refresh after the hook", () => item().text !== "$(globe) 0 g CO2e", 5000);
  const latency = Date.now() - wrote;
  assert.ok(latency < 5000, `${latency} ms`);
  const want = await estimateCo2e(u1, 1);
  assert.ok(Math.abs(fp.summary!.today.co2e_g!.central - want) <= 1e-9 * want, `${fp.summary!.today.co2e_g!.central} vs ${want}`);
  assert.equal(fp.summary!.today.tokens, 25_000); // 1200 + 3000 + 20000 + 800
  assert.equal(fp.summary!.today.requests, 1);
  assert.ok(item().text.startsWith(`$(globe) ${grams(want)} CO2e`), item().text);
  assert.equal(String(item().tooltip).split("\n")[1], "  25k tokens in 1 request");
  assert.equal(fp.summary!.top_model!.model, MODEL);
  process.stdout.write(`# refresh latency after the hook: ${latency} ms (debounce 500 ms)\n`);

  // a second turn: the same again, now 2 requests
  const u2 = { input: 100, cw: 0, cr: 24000, out: 400 };
  fs.appendFileSync(transcript, assistant(2, u2));
  assert.equal((await run(TOKENPRINT_HOOK!, ["claude-code"], payload())).code, 0);
  await waitFor("the second refresh", () => fp.summary!.today.requests === 2, 5000);
  assert.equal(fp.summary!.today.tokens, 49_500);
  const both = (await estimateCo2e(u1, 1)) + (await estimateCo2e(u2, 1));
  assert.ok(Math.abs(fp.summary!.today.co2e_g!.central - both) <= 1e-9 * both);
  assert.ok(fp.reads > readsBefore);

  // reading is not writing: once the ledger is still (the hooks' last writes read), a read
  // of our own makes the watcher report the -wal (its ctime), and no read follows
  let last = fp.reads;
  let since = Date.now();
  await waitFor("the ledger still", () => {
    if (fp.reads !== last) [last, since] = [fp.reads, Date.now()];
    return Date.now() - since > 2500;
  }, 30_000, 100);
  await fp.refreshAndWait();
  const settled = fp.reads;
  await sleep(2500);
  assert.equal(fp.reads, settled, "a summary must not make the watcher fire again");
  assert.ok(fp.touches >= 1, "the reads touched the -wal (its ctime), and the touches were told from writes");
});

test("hostile names from the real ledger are escaped in the webview and kept on one line in the tooltip", { skip: NO_CLI || (!TOKENPRINT_HOOK && "no tokenprint-hook") }, async () => {
  const fp = ext.current()!;
  const evil = `<img src=x onerror=alert(1)>"'&\nTop model: x`;
  await cli(["log", "--json", "-"], JSON.stringify([{ client: "manual", model: evil, project: "</td><script>alert(2)</script>",
    input_tokens: 5_000_000, output_tokens: 1_000_000, id: "hostile-1" }]));
  // the ledger stores names with controls replaced by "?" (ledger/events.py neutralise); the rest is ours to escape
  await waitFor("the hostile event read", () => fp.summary?.top_model?.model === evil.replace("\n", "?"), 10_000);
  const lines = String(item().tooltip).split("\n");
  assert.equal(lines.length, 6);
  assert.ok(lines[4]!.startsWith(`Top model: <img src=x onerror=alert(1)>"'&?Top model: x (`), lines[4]);
  const panel = (await fake.commands.executeCommand("tokenprint.showFootprint")) as FootprintPanel;
  await waitFor("the page", () => panel.html.includes("<h1>"), 10_000);
  assert.ok(panel.html.includes("&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;"), "the model name, escaped");
  assert.ok(panel.html.includes("&lt;/td&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), "the project, escaped");
  assert.ok(!panel.html.includes("<img"));
  assert.equal((panel.html.match(/<script/g) ?? []).length, 1);
  fake.state.panels.at(-1)!.dispose();
  assert.equal(FootprintPanel.current, undefined);
});
