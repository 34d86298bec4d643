// Renders the "Show footprint" webview's HTML (src/webview.ts, the very page the extension
// shows) to a PNG with headless Chromium, for the docs:
//
//   node out/scripts/screenshot.js [--out ../../docs/vscode-webview.png] [--theme dark|light]
//          [--width 1000] [--height 1400] [--chromium /usr/bin/chromium] [--tokenprint PATH]
//
// The data: `tokenprint demo --seed 1` in a temp TOKENPRINT_HOME, then the export document of
// the last complete month (a whole month of bars). Outside VS Code the --vscode-* theme
// variables are missing, so the script adds those of VS Code's Dark Modern (or Light Modern)
// theme in a style element with the page's own nonce (the CSP stays as it is).

import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { Cli, Summary } from "../src/cli";
import { ExportDoc, nonce, renderPage } from "../src/webview";

export const THEMES: Record<string, Record<string, string>> = {
  dark: {
    "--vscode-font-family": "system-ui, 'Segoe UI', Ubuntu, 'DejaVu Sans', sans-serif",
    "--vscode-font-size": "13px",
    "--vscode-editor-font-family": "'DejaVu Sans Mono', monospace",
    "--vscode-foreground": "#cccccc",
    "--vscode-editor-background": "#1f1f1f",
    "--vscode-descriptionForeground": "#9d9d9d",
    "--vscode-button-background": "#0078d4",
    "--vscode-button-foreground": "#ffffff",
    "--vscode-button-secondaryBackground": "#313131",
    "--vscode-button-secondaryForeground": "#cccccc",
    "--vscode-panel-border": "#2b2b2b",
    "--vscode-focusBorder": "#0078d4",
    "--vscode-textCodeBlock-background": "#2b2b2b",
    "--vscode-inputValidation-warningBackground": "#352a05",
    "--vscode-inputValidation-warningBorder": "#b89500",
    "--vscode-charts-blue": "#3794ff",
    "--vscode-charts-green": "#89d185",
    "--vscode-charts-orange": "#d18616",
    "--vscode-charts-purple": "#b180d7",
    "--vscode-charts-red": "#f14c4c",
    "--vscode-charts-yellow": "#cca700",
  },
  light: {
    "--vscode-font-family": "system-ui, 'Segoe UI', Ubuntu, 'DejaVu Sans', sans-serif",
    "--vscode-font-size": "13px",
    "--vscode-editor-font-family": "'DejaVu Sans Mono', monospace",
    "--vscode-foreground": "#3b3b3b",
    "--vscode-editor-background": "#ffffff",
    "--vscode-descriptionForeground": "#616161",
    "--vscode-button-background": "#005fb8",
    "--vscode-button-foreground": "#ffffff",
    "--vscode-button-secondaryBackground": "#e5e5e5",
    "--vscode-button-secondaryForeground": "#3b3b3b",
    "--vscode-panel-border": "#e5e5e5",
    "--vscode-focusBorder": "#005fb8",
    "--vscode-textCodeBlock-background": "#f0f0f0",
    "--vscode-charts-blue": "#1a85ff",
    "--vscode-charts-green": "#388a34",
    "--vscode-charts-orange": "#d18616",
    "--vscode-charts-purple": "#652d90",
    "--vscode-charts-red": "#e51400",
    "--vscode-charts-yellow": "#bf8803",
  },
};

/** The page with a theme's variables, as VS Code would set them on the webview's root. */
export function themed(html: string, n: string, theme: Record<string, string>): string {
  const vars = Object.entries(theme).map(([k, v]) => `${k}: ${v};`).join(" ");
  return html.replace("</head>", `<style nonce="${n}">:root { ${vars} }</style>\n</head>`);
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

function findChromium(): string {
  for (const c of ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]) if (fs.existsSync(c)) return c;
  throw new Error("no headless Chromium (install it: apt-get install -y chromium), or pass --chromium PATH");
}

async function main(): Promise<void> {
  const plugin = path.resolve(__dirname, "..", "..");
  const out = path.resolve(arg("out", path.join(plugin, "..", "..", "docs", "vscode-webview.png")));
  const width = Number(arg("width", "1000"));
  const height = Number(arg("height", "1400"));
  const theme = THEMES[arg("theme", "dark")];
  if (!theme) throw new Error("--theme takes dark or light");
  const tokenprint = arg("tokenprint", process.env.TOKENPRINT_BIN ?? path.join(plugin, "..", "..", ".venv", "bin", "tokenprint"));
  const chromium = arg("chromium", process.env.CHROMIUM ?? "") || findChromium();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tp-shot-"));
  try {
    const home = path.join(tmp, "home");
    const cli = new Cli(tokenprint, { home, demo: true, env: { ...process.env, TZ: "UTC" } });
    await cli.run(["demo", "--seed", "1", "--days", "75"]);
    const s = await cli.json<Summary>(["summary", "--json"]);
    const first = new Date(`${s.today.date}T00:00:00Z`);
    const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), 0)); // the day before this month
    const month = last.toISOString().slice(0, 7);
    const doc = await cli.json<ExportDoc>(["export", "--format", "json", "--month", month]);
    const n = nonce();
    const html = themed(renderPage(doc, { nonce: n, periods: s.periods, period: "month" }), n, theme);
    const page = path.join(tmp, "page.html");
    fs.writeFileSync(page, html);
    execFileSync(chromium, [
      "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
      "--user-data-dir=" + path.join(tmp, "profile"), `--window-size=${width},${height}`,
      `--screenshot=${out}`, `file://${page}`,
    ], { stdio: "pipe", timeout: 120_000 });
    if (!fs.existsSync(out)) throw new Error(`Chromium wrote no ${out}`);
    process.stdout.write(`${out} (${width}x${height}, ${doc.title}, ${arg("theme", "dark")} theme)\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`screenshot: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
