// tokenprint for VS Code (and VSCodium, Cursor, Windsurf): today's footprint in the status
// bar, the month in a webview, and the CLI's commands (hooks, export, methodology, config).
// Everything is read and written through the `tokenprint` CLI (execFile, no shell).

import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";

import { Cli } from "./cli";
import { enableCopilot } from "./copilot";
import { Footprint } from "./footprint";
import { INSTALL_ALTERNATIVE, INSTALL_COMMAND } from "./locate";
import { FootprintPanel } from "./panel";

let footprint: Footprint | undefined;

/** The running instance (the tests drive it). */
export function current(): Footprint | undefined {
  return footprint;
}

export async function activate(context: vscode.ExtensionContext): Promise<Footprint> {
  const fp = new Footprint();
  footprint = fp;
  context.subscriptions.push(fp);
  const reg = (name: string, fn: () => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(name, async () => {
      try {
        return await fn();
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        fp.output.appendLine(message);
        void vscode.window.showErrorMessage(message);
        return undefined;
      }
    }));
  reg("tokenprint.refresh", () => fp.refreshAndWait());
  reg("tokenprint.showFootprint", () => showFootprint(fp));
  reg("tokenprint.installHooks", () => installHooks(fp));
  reg("tokenprint.exportMonth", () => exportMonth(fp));
  reg("tokenprint.openMethodology", () => openMethodology(fp));
  reg("tokenprint.setRegion", () => setConfig(fp, "grid.region", "Grid region of the data centres (e.g. auto, FR, US-CAL-CISO)"));
  reg("tokenprint.setBudget", () => setConfig(fp, "budget.monthly_kg", "Monthly CO2e budget in kg ('none' to clear)"));
  reg("tokenprint.enableCopilot", () => enableCopilot(fp));
  void fp.refreshAndWait();
  return fp;
}

export function deactivate(): void {
  footprint?.dispose();
  footprint = undefined;
}

/** The CLI, or a message with the install command (and undefined). */
async function needCli(fp: Footprint): Promise<Cli | undefined> {
  if (fp.cli) return fp.cli;
  const msg = fp.locate();
  if (fp.cli) return fp.cli;
  const copy = "Copy the install command";
  const settings = "Open settings";
  const pick = await vscode.window.showErrorMessage(msg ?? "tokenprint is not installed", copy, settings);
  if (pick === copy) await vscode.env.clipboard.writeText(INSTALL_COMMAND);
  if (pick === settings) await vscode.commands.executeCommand("workbench.action.openSettings", "tokenprint.path");
  return undefined;
}

async function showFootprint(fp: Footprint): Promise<FootprintPanel | undefined> {
  if (!(await needCli(fp))) return undefined;
  if (!fp.summary) await fp.refreshAndWait();
  return FootprintPanel.show(fp);
}

async function installHooks(fp: Footprint): Promise<string | undefined> {
  const cli = await needCli(fp);
  if (!cli) return undefined;
  const { stdout, stderr } = await cli.run(["hooks", "install", "--all"], 120_000);
  const text = (stdout + stderr).trim();
  fp.output.appendLine("$ tokenprint hooks install --all");
  fp.output.appendLine(text);
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  void vscode.window.showInformationMessage(
    lines.length ? `tokenprint hooks: ${lines.slice(0, 3).join("; ")}${lines.length > 3 ? " …" : ""}` : "tokenprint: no client found to hook",
  );
  fp.refresh();
  return text;
}

/** YYYY-MM of `d` and of the month before. */
export function months(d: Date = new Date()): [string, string] {
  const f = (x: Date) => `${x.getFullYear()}-${String(x.getMonth() + 1).padStart(2, "0")}`;
  return [f(d), f(new Date(d.getFullYear(), d.getMonth() - 1, 1))];
}

async function exportMonth(fp: Footprint): Promise<string | undefined> {
  const cli = await needCli(fp);
  if (!cli) return undefined;
  const [thisMonth, lastMonth] = months();
  const month = await vscode.window.showQuickPick(
    [{ label: thisMonth, description: "this month, so far" }, { label: lastMonth, description: "last month" }],
    { placeHolder: "Which month?" },
  );
  if (!month) return undefined;
  const fmt = await vscode.window.showQuickPick(
    [{ label: "md", description: "Markdown" }, { label: "html", description: "HTML, with the chart" }],
    { placeHolder: "Which format?" },
  );
  if (!fmt) return undefined;
  const folder = fp.summary?.home ? path.join(fp.summary.home, "exports") : os.homedir();
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(folder, `tokenprint-${month.label}.${fmt.label}`)),
    filters: fmt.label === "md" ? { Markdown: ["md"] } : { HTML: ["html"] },
  });
  if (!target) return undefined;
  await cli.run(["export", "--month", month.label, "--format", fmt.label, "-o", target.fsPath]);
  if (fmt.label === "md") {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  } else {
    const open = "Open in the browser";
    if ((await vscode.window.showInformationMessage(`tokenprint: wrote ${target.fsPath}`, open)) === open) {
      await vscode.env.openExternal(target);
    }
  }
  return target.fsPath;
}

async function openMethodology(fp: Footprint): Promise<vscode.TextDocument | undefined> {
  const cli = await needCli(fp);
  if (!cli) return undefined;
  const { stdout } = await cli.run(["methodology"]);
  const doc = await vscode.workspace.openTextDocument({ content: stdout, language: "markdown" });
  await vscode.window.showTextDocument(doc, { preview: true });
  return doc;
}

async function setConfig(fp: Footprint, key: string, prompt: string): Promise<string | undefined> {
  const cli = await needCli(fp);
  if (!cli) return undefined;
  let value = "";
  try {
    value = (await cli.run(["config", "get", key])).stdout.trim();
  } catch {
    // shown empty
  }
  const answer = await vscode.window.showInputBox({ prompt, value, title: `tokenprint: ${key}` });
  if (answer === undefined) return undefined;
  // exit 2 with the reason (an unknown region, a negative budget): shown by the command wrapper
  await cli.run(["config", "set", key, answer.trim()]);
  void vscode.window.showInformationMessage(`tokenprint: ${key} = ${answer.trim()}`);
  await fp.refreshAndWait();
  return answer.trim();
}

export { INSTALL_ALTERNATIVE, INSTALL_COMMAND };
