// Shared by the tests: an isolated environment (a temp $HOME, $TOKENPRINT_HOME and the
// clients' homes, as tests/clients_env.py does for the Python tests), the real CLI, and waits.

import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The plugin folder (out/test/.. -> plugins/vscode). */
export const PLUGIN = path.resolve(__dirname, "..", "..");
const REPO = path.resolve(PLUGIN, "..", "..");

function bin(name: string, variable: string): string | undefined {
  const env = process.env[variable];
  if (env) return env;
  const venv = path.join(REPO, ".venv", "bin", name);
  return fs.existsSync(venv) ? venv : undefined;
}

/** The real `tokenprint` ($TOKENPRINT_BIN, else the repository's .venv). */
export const TOKENPRINT = bin("tokenprint", "TOKENPRINT_BIN");
export const TOKENPRINT_HOOK = bin("tokenprint-hook", "TOKENPRINT_HOOK_BIN");
export const NO_CLI = TOKENPRINT === undefined ? "no tokenprint (set TOKENPRINT_BIN or make the repository's .venv)" : false;

/** A fresh temp folder holding a user home and a tokenprint home, exported to this process
 * (and so to every CLI it runs). Returns both. */
export function isolate(): { root: string; user: string; home: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "tp-vscode-"));
  const user = path.join(root, "user");
  const home = path.join(root, "tp-home");
  fs.mkdirSync(user);
  fs.mkdirSync(home);
  Object.assign(process.env, {
    HOME: user,
    TOKENPRINT_HOME: home,
    CODEX_HOME: path.join(user, ".codex"),
    GEMINI_CLI_HOME: user,
    XDG_CONFIG_HOME: path.join(user, ".config"),
    XDG_DATA_HOME: path.join(user, ".local", "share"),
    TZ: "UTC",
  });
  delete process.env.CLAUDE_CONFIG_DIR;
  delete process.env.OPENCODE_DB;
  delete process.env.TOKENPRINT_DATABASE_URL;
  return { root, user, home };
}

export function run(exe: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    const child = execFile(exe, args, { encoding: "utf8", maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? Number((err as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0;
      resolve({ stdout, stderr, code });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

export async function cli(args: string[], input?: string): Promise<string> {
  const r = await run(TOKENPRINT!, args, input);
  if (r.code !== 0) throw new Error(`tokenprint ${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 10_000, stepMs = 20): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
