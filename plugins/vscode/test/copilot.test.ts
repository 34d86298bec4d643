// Copilot Chat opt-in, end to end: the consent modal, Copilot Chat's settings written, then a
// span in Copilot Chat's file format (as hooks/copilot.py documents it, from microsoft/vscode
// extensions/copilot/src/platform/otel/node/fileExporters.ts readableSpanToJson; the same
// shape as tests/hooks/copilot_fixtures/vscode-chat-0.45.0.jsonl) appended to the outfile:
// the watcher sees it, the refresh runs the REAL `tokenprint import copilot`, and the status
// item counts it.

import { fake } from "./fake/register";

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, test } from "node:test";

import * as ext from "../src/extension";
import { NO_CLI, TOKENPRINT, cli, isolate, sleep, waitFor } from "./helpers";

let dirs: ReturnType<typeof isolate>;
let ctx: ReturnType<typeof fake.context>;

function span(n: number): string {
  const now = Math.floor(Date.now() / 1000) - 5;
  const trace = "4a".repeat(16);
  return JSON.stringify({
    traceId: trace, spanId: `00000000000000${String(n).padStart(2, "0")}`, traceFlags: 1,
    parentSpanContext: { traceId: trace, spanId: "c3ff54613027e74a", traceFlags: 1 },
    name: "chat gpt-4o", kind: 2, startTime: [now, 0], endTime: [now + 2, 0], duration: [2, 0], ended: true,
    attributes: {
      "gen_ai.operation.name": "chat", "gen_ai.provider.name": "github", "gen_ai.request.model": "gpt-4o",
      "gen_ai.conversation.id": "vs-conv-vscode", "gen_ai.usage.input_tokens": 2000, "gen_ai.usage.output_tokens": 300,
      "gen_ai.response.model": "gpt-4o-2024-11-20", "gen_ai.response.id": `req-vscode-${n}`,
      "gen_ai.response.finish_reasons": ["stop"], "gen_ai.usage.cache_read.input_tokens": 1500,
      "gen_ai.usage.reasoning_tokens": 100, "gen_ai.usage.reasoning.output_tokens": 100,
    },
    status: { code: 0 }, events: [], links: [],
    resource: { attributes: { "service.name": "copilot-chat", "service.version": "0.45.0", "session.id": "window-vscode" } },
    instrumentationScope: { name: "copilot-chat", version: "0.45.0" },
    droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0,
  }) + "\n";
}

before(async () => {
  if (NO_CLI) return;
  dirs = isolate();
  delete process.env.COPILOT_HOME;
  delete process.env.COPILOT_OTEL_FILE_EXPORTER_PATH;
  fake.reset();
  fake.state.config.set("tokenprint.path", TOKENPRINT);
  fake.state.config.set("tokenprint.refreshSeconds", 0.3);
  ctx = fake.context();
  await (await ext.activate(ctx as never)).refreshAndWait();
});

after(() => {
  if (NO_CLI) return;
  ext.deactivate();
  ctx.dispose();
  fake.reset();
  fs.rmSync(dirs.root, { recursive: true, force: true });
});

test("no consent: nothing is changed", { skip: NO_CLI }, async () => {
  fake.state.answers = [undefined]; // the modal dismissed
  assert.equal(await fake.commands.executeCommand("tokenprint.enableCopilot"), false);
  assert.deepEqual(fake.state.updates, []);
  const modal = fake.state.messages.at(-1)!;
  assert.equal(modal.message, "Count GitHub Copilot Chat in tokenprint?");
  assert.equal((modal.options[0] as { modal: boolean }).modal, true);
  assert.match((modal.options[0] as { detail: string }).detail, /github\.copilot\.chat\.otel\.captureContent = false/);
});

test("consent: Copilot Chat's file exporter on, and what it writes is imported on refresh", { skip: NO_CLI }, async () => {
  const fp = ext.current()!;
  const outfile = path.join(dirs.user, ".copilot", "otel", "vscode-copilot-chat.jsonl");
  fake.state.answers = ["Switch it on"];
  assert.equal(await fake.commands.executeCommand("tokenprint.enableCopilot"), true);
  assert.deepEqual(fake.state.updates, [
    ["github.copilot.chat.otel.enabled", true, fake.ConfigurationTarget.Global],
    ["github.copilot.chat.otel.exporterType", "file", fake.ConfigurationTarget.Global],
    ["github.copilot.chat.otel.outfile", outfile, fake.ConfigurationTarget.Global],
    ["github.copilot.chat.otel.captureContent", false, fake.ConfigurationTarget.Global],
    ["tokenprint.copilot", true, fake.ConfigurationTarget.Global],
  ]);
  assert.equal(fs.statSync(path.dirname(outfile)).mode & 0o777, 0o700);
  await waitFor("the outfile watched", () => fp.watching.includes(outfile));
  assert.equal(fp.summary!.today.requests, 0);
  // Copilot Chat answers a request: one span appended
  fs.appendFileSync(outfile, span(1));
  await waitFor("the Copilot request counted", () => fp.summary?.today.requests === 1, 10_000);
  // 2000 input of which 1500 from the cache, 300 output of which 100 reasoning (hooks/copilot.py)
  assert.equal(fp.summary!.today.tokens, 2300);
  assert.equal(fp.summary!.top_model!.model, "gpt-4o-2024-11-20");
  assert.equal(fp.copilotImports, 1);
  const r = JSON.parse(await cli(["report", "--json"]));
  assert.deepEqual([r.totals.input_tokens, r.totals.cache_read_tokens, r.totals.output_tokens, r.totals.reasoning_tokens],
    [500, 1500, 200, 100]);
  // a refresh with nothing new in the file imports nothing
  await fake.commands.executeCommand("tokenprint.refresh");
  assert.equal(fp.copilotImports, 1);
  fs.appendFileSync(outfile, span(2));
  await waitFor("the second request", () => fp.summary?.today.requests === 2, 10_000);
  assert.equal(fp.copilotImports, 2);
  await sleep(1000);
  assert.equal(fp.copilotImports, 2);
});
