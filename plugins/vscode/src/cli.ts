// Runs the `tokenprint` CLI: child_process.execFile (no shell, arguments as a list), and
// reads its JSON. The extension never opens the SQLite ledger itself: the CLI's JSON is
// the one source of truth (summary --json, export --format json, ...).

import { execFile } from "child_process";

export interface Summary {
  version: number;
  home: string;
  ledger: string;
  watch: string[];
  exists: boolean;
  demo: boolean;
  tz: string | null;
  methodology: string | null;
  has_impacts: boolean;
  today: Part & { date: string; equivalent: Equivalent | null };
  month: Part & {
    key: string;
    since: string;
    until: string;
    days: number;
    day: number;
    budget_kg: number | null;
    budget_share: number | null;
    projected_co2e_g: number | null;
  };
  top_model: { model: string; tokens: number; co2e_g: number | null; share: number | null } | null;
  periods: PeriodBounds[];
}

export interface Range3 {
  low: number;
  central: number;
  high: number;
}

export interface Part {
  tokens: number;
  requests: number;
  co2e_g?: Range3;
  energy_wh?: Range3;
  water_ml?: Range3;
}

export interface Equivalent {
  name: string;
  phrase: string;
  label: string;
  source?: string;
}

export interface PeriodBounds {
  key: string;
  label: string;
  since: string | null;
  until: string;
}

/** The CLI failed: its exit code and its one-line reason (stderr). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number | string | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface CliOptions {
  /** `--home DIR` for every command (empty: $TOKENPRINT_HOME or the default). */
  home?: string;
  /** `--demo` for the reading commands. */
  demo?: boolean;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The commands that read the ledger (they take --demo). */
const READING = new Set(["summary", "report", "export", "dashboard"]);

export class Cli {
  constructor(
    readonly exe: string,
    readonly opts: CliOptions = {},
  ) {}

  args(args: string[]): string[] {
    const out = [...args];
    if (this.opts.home) out.push("--home", this.opts.home);
    if (this.opts.demo && READING.has(args[0] ?? "")) out.push("--demo");
    return out;
  }

  /** Runs `tokenprint ARGS` (with --home/--demo), resolves with its stdout. */
  run(args: string[], timeoutMs?: number): Promise<{ stdout: string; stderr: string }> {
    const full = this.args(args);
    return new Promise((resolve, reject) => {
      execFile(
        this.exe,
        full,
        {
          env: this.opts.env ?? process.env,
          timeout: timeoutMs ?? this.opts.timeoutMs ?? 60_000,
          maxBuffer: 64 << 20,
          windowsHide: true,
          encoding: "utf8",
        },
        (err, stdout, stderr) => {
          if (err) {
            const code = (err as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
            const reason = firstLine(stderr) || err.message;
            reject(new CliError(`tokenprint ${args.join(" ")}: ${reason}`, code, stderr));
            return;
          }
          resolve({ stdout, stderr });
        },
      );
    });
  }

  async json<T>(args: string[], timeoutMs?: number): Promise<T> {
    const { stdout } = await this.run(args, timeoutMs);
    try {
      return JSON.parse(stdout) as T;
    } catch (e) {
      throw new CliError(`tokenprint ${args.join(" ")}: not JSON (${(e as Error).message})`, null, "");
    }
  }

  summary(): Promise<Summary> {
    return this.json<Summary>(["summary", "--json"]);
  }
}

export function firstLine(text: string): string {
  return (text ?? "").trim().split(/\r?\n/)[0] ?? "";
}
