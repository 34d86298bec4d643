// Where the `tokenprint` program is: the setting, else PATH, ~/.local/bin (pip --user,
// pipx's default bin folder), pipx's own venv, and the workspace's virtual environments.
// Pure over an explicit environment (no vscode import), so the tests give it their own.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** What a person runs to get `tokenprint` (shown when it is not found). */
export const INSTALL_COMMAND = "pipx install tokenprint";
export const INSTALL_ALTERNATIVE = "python3 -m pip install --user tokenprint";

export interface LocateEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Workspace folders: their .venv/venv bin folders are looked in too. */
  workspaceFolders: string[];
  isExecutable(file: string): boolean;
}

export function defaultEnv(workspaceFolders: string[] = []): LocateEnv {
  return {
    platform: process.platform,
    env: process.env,
    home: os.homedir(),
    workspaceFolders,
    isExecutable,
  };
}

export function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === "win32") return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The folders looked in, in order, without duplicates. */
export function searchDirs(e: LocateEnv): string[] {
  const win = e.platform === "win32";
  const bin = win ? "Scripts" : "bin";
  const join = win ? path.win32.join : path.posix.join;
  const dirs: string[] = [];
  const pathVar = e.env.PATH ?? e.env.Path ?? "";
  dirs.push(...pathVar.split(win ? ";" : ":").filter((d) => d.length > 0));
  if (e.env.VIRTUAL_ENV) dirs.push(join(e.env.VIRTUAL_ENV, bin));
  for (const ws of e.workspaceFolders) {
    dirs.push(join(ws, ".venv", bin), join(ws, "venv", bin));
  }
  if (e.env.PIPX_BIN_DIR) dirs.push(e.env.PIPX_BIN_DIR);
  dirs.push(join(e.home, ".local", "bin"));
  // pipx keeps each app in a venv of its own: $PIPX_HOME/venvs/<app>/bin (default ~/.local/pipx,
  // or ~/.local/share/pipx since pipx 1.3 on Linux)
  const pipxHomes = e.env.PIPX_HOME
    ? [e.env.PIPX_HOME]
    : [join(e.home, ".local", "pipx"), join(e.home, ".local", "share", "pipx")];
  for (const ph of pipxHomes) dirs.push(join(ph, "venvs", "tokenprint", bin));
  if (win && e.env.APPDATA) dirs.push(join(e.env.APPDATA, "Python", "Scripts"));
  return [...new Set(dirs)];
}

export interface Located {
  path: string | undefined;
  /** The files looked at (for the message when none is there). */
  tried: string[];
  /** Set when the configured path is not an executable file. */
  badSetting?: string;
}

/** `tokenprint` from the setting when it is set, else the first executable in searchDirs. */
export function locate(setting: string | undefined, e: LocateEnv, name = "tokenprint"): Located {
  const configured = (setting ?? "").trim();
  if (configured) {
    const expanded = configured.startsWith("~") ? path.join(e.home, configured.slice(1)) : configured;
    return e.isExecutable(expanded)
      ? { path: expanded, tried: [expanded] }
      : { path: undefined, tried: [expanded], badSetting: expanded };
  }
  const win = e.platform === "win32";
  const names = win ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  const join = win ? path.win32.join : path.posix.join;
  const tried: string[] = [];
  for (const dir of searchDirs(e)) {
    for (const n of names) {
      const file = join(dir, n);
      tried.push(file);
      if (e.isExecutable(file)) return { path: file, tried };
    }
  }
  return { path: undefined, tried };
}

/** The message when `tokenprint` is not found: what, where we looked, what to do. */
export function notFoundMessage(found: Located): string {
  if (found.badSetting !== undefined) {
    return (
      `tokenprint: the setting tokenprint.path (${found.badSetting}) is not an executable file. ` +
      `Fix the setting, or clear it to find tokenprint automatically.`
    );
  }
  return (
    `tokenprint is not installed (looked in PATH, ~/.local/bin, pipx and the workspace's .venv). ` +
    `Install it with \`${INSTALL_COMMAND}\` (or \`${INSTALL_ALTERNATIVE}\`), ` +
    `or set tokenprint.path to the program.`
  );
}
