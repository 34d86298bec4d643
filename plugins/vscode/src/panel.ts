// The "tokenprint: Show footprint" webview panel: the export document of a period (the
// dashboard's period keys, 1..5) rendered by webview.ts; scripts on, nothing local or remote
// to load (localResourceRoots empty), re-rendered when the ledger changes.

import * as vscode from "vscode";

import type { PeriodBounds } from "./cli";
import type { Footprint } from "./footprint";
import { ExportDoc, nonce, renderMessage, renderPage } from "./webview";

/** `tokenprint export` arguments for a period's window (all time: from the first day with data). */
export function exportArgs(p: PeriodBounds): string[] {
  const args = ["export", "--format", "json"];
  if (p.since) args.push("--since", p.since);
  args.push("--until", p.until);
  return args;
}

export class FootprintPanel implements vscode.Disposable {
  static current: FootprintPanel | undefined;
  readonly panel: vscode.WebviewPanel;
  period = "month";
  private disposables: vscode.Disposable[] = [];
  /** The HTML last set (the tests read it). */
  html = "";

  static show(fp: Footprint): FootprintPanel {
    if (FootprintPanel.current) {
      FootprintPanel.current.panel.reveal();
      void FootprintPanel.current.render();
      return FootprintPanel.current;
    }
    FootprintPanel.current = new FootprintPanel(fp);
    return FootprintPanel.current;
  }

  private constructor(private readonly fp: Footprint) {
    this.panel = vscode.window.createWebviewPanel("tokenprint.footprint", "tokenprint: footprint", vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [],
      retainContextWhenHidden: false,
    });
    this.disposables.push(
      this.panel.onDidDispose(() => this.dispose()),
      this.panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      fp.onDidRefresh(() => void this.render()),
    );
    void this.render();
  }

  private onMessage(m: unknown): void {
    if (typeof m !== "object" || m === null) return;
    const msg = m as { type?: unknown; key?: unknown };
    if (msg.type === "period" && typeof msg.key === "string" && this.periods().some((p) => p.key === msg.key)) {
      this.period = msg.key;
      void this.render();
    }
  }

  private periods(): PeriodBounds[] {
    return this.fp.summary?.periods ?? [];
  }

  async render(): Promise<void> {
    const n = nonce();
    const cli = this.fp.cli;
    const p = this.periods().find((x) => x.key === this.period);
    if (!cli || !p) {
      this.set(renderMessage(this.fp.lastError ?? "tokenprint: reading the ledger…", n));
      return;
    }
    try {
      const doc = await cli.json<ExportDoc>(exportArgs(p));
      this.set(renderPage(doc, { nonce: n, periods: this.periods(), period: this.period }));
    } catch (e) {
      this.set(renderMessage(e instanceof Error ? e.message : String(e), n));
    }
  }

  private set(html: string): void {
    this.html = html;
    this.panel.webview.html = html;
  }

  dispose(): void {
    if (FootprintPanel.current === this) FootprintPanel.current = undefined;
    for (const d of this.disposables) d.dispose();
    this.disposables = [];
  }
}
