// The checks inside a real VS Code (run by electron/run.ts): the extension activates, its
// commands are registered, and a refresh and the footprint webview work against the CLI
// (`tokenprint` on PATH or tokenprint.path; `tokenprint demo` first for data).

import * as assert from "assert";
import * as vscode from "vscode";

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension("tokenprint.tokenprint");
  assert.ok(ext, "the extension is installed in the test instance");
  await ext.activate();
  const all = await vscode.commands.getCommands(true);
  for (const c of ["tokenprint.showFootprint", "tokenprint.refresh", "tokenprint.installHooks", "tokenprint.exportMonth",
    "tokenprint.openMethodology", "tokenprint.setRegion", "tokenprint.setBudget", "tokenprint.enableCopilot"]) {
    assert.ok(all.includes(c), `command ${c} registered`);
  }
  await vscode.workspace.getConfiguration("tokenprint").update("demo", true, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand("tokenprint.refresh");
  await vscode.commands.executeCommand("tokenprint.showFootprint");
  const methodology = (await vscode.commands.executeCommand("tokenprint.openMethodology")) as vscode.TextDocument | undefined;
  assert.ok(methodology && methodology.getText().startsWith("# tokenprint methodology"), "the methodology opens");
}
