// The extension's state: where `tokenprint` is, the status bar item, the ledger watcher, and
// the refresh (`tokenprint summary --json`, after `tokenprint import copilot` when the user
// opted in and Copilot's file changed). Every read goes through the CLI.

import * as fs from "fs";
import * as vscode from "vscode";

import { Cli, CliError, Summary } from "./cli";
import { statusText, tooltipText } from "./format";
import { defaultEnv, locate, LocateEnv, notFoundMessage } from "./locate";
import { Coalescer, FilesWatcher, msToMidnight, signature } from "./watch";

export const SECTION = "tokenprint";

export interface Settings {
  path: string;
  refreshSeconds: number;
  hideStatusItem: boolean;
  home: string;
  demo: boolean;
  copilot: boolean;
}

export function readSettings(): Settings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const seconds = Number(c.get<number>("refreshSeconds", 2));
  return {
    path: String(c.get<string>("path", "") ?? ""),
    refreshSeconds: Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) : 2,
    hideStatusItem: Boolean(c.get<boolean>("hideStatusItem", false)),
    home: String(c.get<string>("home", "") ?? ""),
    demo: Boolean(c.get<boolean>("demo", false)),
    copilot: Boolean(c.get<boolean>("copilot", false)),
  };
}

export interface FootprintOptions {
  locateEnv?: () => LocateEnv;
  env?: NodeJS.ProcessEnv;
  /** Where Copilot Chat writes its OpenTelemetry file (watched when opted in). */
  copilotFile?: () => string | undefined;
}

export class Footprint implements vscode.Disposable {
  readonly item: vscode.StatusBarItem;
  readonly output: vscode.OutputChannel;
  cli: Cli | undefined;
  summary: Summary | undefined;
  lastError: string | undefined;
  settings: Settings;
  /** How many summaries were read, and watcher events ignored as no write (the tests count them). */
  reads = 0;
  touches = 0;
  /** The watched files' signature when the last summary was read. */
  private readSignature = "";
  private watchedFiles: string[] = [];
  private readonly refresher: Coalescer;
  private readonly watcher: FilesWatcher;
  private midnight: NodeJS.Timeout | undefined;
  private disposables: vscode.Disposable[] = [];
  private copilotSeen = "";
  /** How many times `import copilot` ran (the tests count them). */
  copilotImports = 0;
  private copilotFile: string | undefined;
  private readonly listeners = new Set<(s: Summary | undefined) => void>();

  constructor(private readonly opts: FootprintOptions = {}) {
    this.settings = readSettings();
    this.output = vscode.window.createOutputChannel("tokenprint");
    this.item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
    this.item.name = "tokenprint";
    this.item.command = "tokenprint.showFootprint";
    this.item.text = "$(globe) tokenprint";
    this.refresher = new Coalescer(() => this.refreshNow(), this.settings.refreshSeconds * 1000);
    this.watcher = new FilesWatcher(() => this.onFilesEvent());
    this.disposables.push(
      this.item,
      this.output,
      this.watcher,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(SECTION)) this.reconfigure();
      }),
    );
    this.locate();
    this.applyVisibility();
  }

  /** Finds `tokenprint` again (the setting, or the automatic search); returns the message when missing. */
  locate(): string | undefined {
    const env = this.opts.locateEnv ? this.opts.locateEnv() : defaultEnv(workspaceFolders());
    const found = locate(this.settings.path, env);
    if (found.path === undefined) {
      this.cli = undefined;
      const msg = notFoundMessage(found);
      this.showProblem("$(warning) tokenprint", msg);
      return msg;
    }
    this.cli = new Cli(found.path, { home: this.settings.home || undefined, demo: this.settings.demo, env: this.opts.env });
    return undefined;
  }

  private reconfigure(): void {
    const before = this.settings;
    this.settings = readSettings();
    this.refresher.delayMs = this.settings.refreshSeconds * 1000;
    if (before.path !== this.settings.path || before.home !== this.settings.home || before.demo !== this.settings.demo) {
      this.locate();
    }
    this.applyVisibility();
    void this.refresher.now();
  }

  private applyVisibility(): void {
    if (this.settings.hideStatusItem) this.item.hide();
    else this.item.show();
  }

  private showProblem(text: string, message: string): void {
    this.lastError = message;
    this.item.text = text;
    this.item.tooltip = message;
  }

  onDidRefresh(fn: (s: Summary | undefined) => void): vscode.Disposable {
    this.listeners.add(fn);
    return { dispose: () => this.listeners.delete(fn) };
  }

  /** A refresh soon (coalesced with the others). */
  refresh(): void {
    this.refresher.trigger();
  }

  /** A refresh now; resolves when it is done. */
  refreshAndWait(): Promise<void> {
    return this.refresher.now();
  }

  private async refreshNow(): Promise<void> {
    if (!this.cli) {
      this.locate();
      if (!this.cli) return;
    }
    const cli = this.cli;
    try {
      await this.importCopilot(cli);
      const before = signature(this.watchedFiles);
      const s = await cli.summary();
      this.reads += 1;
      if (s.version !== 1) throw new CliError(`tokenprint summary: unknown JSON version ${s.version} (update the extension)`, null, "");
      this.summary = s;
      this.lastError = undefined;
      this.item.text = statusText(s);
      this.item.tooltip = tooltipText(s);
      const files = this.copilotFile ? [...s.watch, this.copilotFile] : s.watch;
      // taken before the read: a write during the read still differs, and is read next
      this.readSignature = files.join("\n") === this.watchedFiles.join("\n") ? before : signature(files);
      this.watchedFiles = files;
      this.watcher.watch(files);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.output.appendLine(message);
      this.showProblem("$(warning) tokenprint", message);
      this.summary = undefined;
    } finally {
      this.scheduleMidnight();
      for (const fn of this.listeners) fn(this.summary);
    }
  }

  /** `tokenprint import copilot` when opted in and Copilot's file changed since the last import. */
  private async importCopilot(cli: Cli): Promise<void> {
    this.copilotFile = undefined;
    if (!this.settings.copilot) return;
    const file = this.opts.copilotFile ? this.opts.copilotFile() : copilotOutfile();
    if (!file) return;
    this.copilotFile = file; // watched too: a Copilot request is a refresh
    let seen: string;
    try {
      const st = fs.statSync(file);
      seen = `${st.size}:${st.mtimeMs}`;
    } catch {
      return; // nothing written yet
    }
    if (seen === this.copilotSeen) return;
    try {
      await cli.run(["import", "copilot", file], 120_000);
      this.copilotImports += 1;
      this.copilotSeen = seen;
    } catch (e) {
      this.output.appendLine(e instanceof Error ? e.message : String(e));
    }
  }

  /** A watcher event: a refresh when a file was written since the last read (not just touched). */
  private onFilesEvent(): void {
    if (signature(this.watchedFiles) === this.readSignature) {
      this.touches += 1;
      return;
    }
    this.refresher.trigger();
  }

  /** One refresh past local midnight ("today" changes without a write). */
  private scheduleMidnight(): void {
    if (this.midnight) clearTimeout(this.midnight);
    this.midnight = setTimeout(() => this.refresher.trigger(), msToMidnight());
    this.midnight.unref?.();
  }

  /** What the watcher watches (the tests look). */
  get watching(): string {
    return this.watcher.watching;
  }

  dispose(): void {
    this.refresher.dispose();
    if (this.midnight) clearTimeout(this.midnight);
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
  }
}

export function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
}

/** Copilot Chat's OTel file, if it writes one: $COPILOT_OTEL_FILE_EXPORTER_PATH (which overrides
 * the setting), else github.copilot.chat.otel.outfile when the export is enabled (an outfile
 * selects the file exporter by itself: hooks/copilot.py, from Copilot Chat's otelConfig.ts). */
export function copilotOutfile(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const c = vscode.workspace.getConfiguration("github.copilot.chat.otel");
  if (c.get<boolean>("enabled") !== true) return undefined;
  if (env.COPILOT_OTEL_FILE_EXPORTER_PATH) return env.COPILOT_OTEL_FILE_EXPORTER_PATH;
  const f = c.get<string>("outfile");
  return f ? f : undefined;
}
