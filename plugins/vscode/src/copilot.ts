// Counting GitHub Copilot Chat: with the user's consent (a modal), switch on Copilot Chat's
// OpenTelemetry file exporter, then `tokenprint import copilot` what is new on each refresh
// (footprint.ts, when the file changed). The settings are Copilot Chat's own, from
// microsoft/vscode-copilot-chat docs/monitoring/agent_monitoring.md:
//   github.copilot.chat.otel.enabled (boolean), .exporterType ("otlp-http" | "otlp-grpc" |
//   "console" | "file"), .outfile (the JSON-lines file), .captureContent (prompt and response
//   text: kept false, tokenprint records counts only).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";

import type { Footprint } from "./footprint";

export const OTEL_SECTION = "github.copilot.chat.otel";

/** Where we ask Copilot Chat to write: beside Copilot CLI's own OTel JSONL, in the folder
 * `tokenprint import copilot` reads without being told (hooks/copilot.py
 * default_vscode_outfile: `$COPILOT_HOME/otel`, default ~/.copilot/otel). */
export function defaultOutfile(home: string = os.homedir(), env: NodeJS.ProcessEnv = process.env): string {
  const copilotHome = env.COPILOT_HOME ? env.COPILOT_HOME : path.join(home, ".copilot");
  return path.join(copilotHome, "otel", "vscode-copilot-chat.jsonl");
}

/** The settings written, in order, as [key under OTEL_SECTION, value]. */
export function otelSettings(outfile: string): [string, unknown][] {
  return [
    ["enabled", true],
    ["exporterType", "file"],
    ["outfile", outfile],
    ["captureContent", false],
  ];
}

export async function enableCopilot(fp: Footprint): Promise<boolean> {
  const c = vscode.workspace.getConfiguration(OTEL_SECTION);
  const outfile = c.get<string>("outfile") || defaultOutfile();
  const lines = otelSettings(outfile).map(([k, v]) => `${OTEL_SECTION}.${k} = ${JSON.stringify(v)}`);
  const yes = "Switch it on";
  const answer = await vscode.window.showInformationMessage(
    "Count GitHub Copilot Chat in tokenprint?",
    {
      modal: true,
      detail:
        "This sets Copilot Chat's OpenTelemetry exporter to write a local file, in your user settings:\n" +
        lines.join("\n") +
        "\n\ntokenprint then imports the token counts and models from that file on each refresh " +
        "(never prompt or response text). Undo by setting github.copilot.chat.otel.enabled to false.",
    },
    yes,
  );
  if (answer !== yes) return false;
  fs.mkdirSync(path.dirname(outfile), { recursive: true, mode: 0o700 }); // watched from now on
  for (const [key, value] of otelSettings(outfile)) {
    await c.update(key, value, vscode.ConfigurationTarget.Global);
  }
  await vscode.workspace.getConfiguration("tokenprint").update("copilot", true, vscode.ConfigurationTarget.Global);
  fp.output.appendLine(`Copilot Chat OpenTelemetry: ${lines.join(", ")}`);
  void vscode.window.showInformationMessage(
    `tokenprint: Copilot Chat now writes ${outfile}; reload the window if Copilot Chat was running.`,
  );
  await fp.refreshAndWait();
  return true;
}
