// Refresh when the ledger changes: a file system watcher on the ledger and its -wal (a hook's
// write lands in the -wal; a checkpoint in the .db), changes coalesced so a burst of writes
// is one read. Nothing runs while the files do not change (no polling), except one refresh
// at local midnight, when "today" turns over.

import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";

/**
 * Runs `task` at most once per `delayMs` after a trigger: the first trigger schedules it,
 * those before it runs join it, one arriving while it runs schedules one more run after.
 */
export class Coalescer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  runs = 0;

  constructor(
    private readonly task: () => Promise<void>,
    public delayMs: number,
  ) {}

  trigger(): void {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.now();
    }, this.delayMs);
  }

  /** Runs the task now (joining a run under way), then once more if triggered meanwhile. */
  async now(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = (async () => {
      try {
        this.runs += 1;
        await this.task();
      } catch {
        // the task reports its own errors
      } finally {
        this.running = undefined;
        if (this.again && !this.disposed) {
          this.again = false;
          this.trigger();
        }
      }
    })();
    return this.running;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** The glob of a set of files in one folder: `{ledger.db,ledger.db-wal}`. */
export function globOf(names: string[]): string {
  const escaped = names.map((n) => n.replace(/[{}[\]*?,]/g, (c) => `[${c}]`));
  return escaped.length === 1 ? escaped[0]! : `{${escaped.join(",")}}`;
}

/** Watches a set of files (grouped by folder) and calls `onChange` for each event. */
export class FilesWatcher implements vscode.Disposable {
  private watchers: vscode.FileSystemWatcher[] = [];
  private key = "";

  constructor(private readonly onChange: (uri: vscode.Uri) => void) {}

  /** Watch exactly `files` (a call with the same files keeps the current watchers). */
  watch(files: string[]): void {
    const key = [...files].sort().join("\n");
    if (key === this.key) return;
    this.clear();
    this.key = key;
    const byDir = new Map<string, string[]>();
    for (const f of files) {
      const dir = path.dirname(f);
      byDir.set(dir, [...(byDir.get(dir) ?? []), path.basename(f)]);
    }
    for (const [dir, names] of byDir) {
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), globOf(names)));
      w.onDidChange(this.onChange);
      w.onDidCreate(this.onChange);
      w.onDidDelete(this.onChange);
      this.watchers.push(w);
    }
  }

  get watching(): string {
    return this.key;
  }

  private clear(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    this.key = "";
  }

  dispose(): void {
    this.clear();
  }
}

/**
 * What a write changes in a set of files: size, modification time and inode of each. A
 * reader of the ledger (our own `summary`) touches only attributes (the -wal's ctime:
 * SQLite opens it, the ledger keeps it 0600), which the watcher reports as a change too,
 * and may create an empty -wal where the last writer had removed it; comparing signatures
 * tells a write from such a touch, so reading never triggers a read. An empty file and a
 * missing one hold the same data (none): both are "0".
 */
export function signature(files: string[]): string {
  return files
    .map((f) => {
      try {
        const st = fs.statSync(f);
        return st.size === 0 ? "0" : `${st.size}:${st.mtimeMs}:${st.ino}`;
      } catch {
        return "0";
      }
    })
    .join("|");
}

/** Milliseconds from `now` to the next local midnight (plus a second, past the turn). */
export function msToMidnight(now: Date = new Date()): number {
  const next = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 0, 0, 1);
  return next.getTime() - now.getTime();
}
