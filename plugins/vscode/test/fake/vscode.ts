// A small stand-in for the `vscode` module, enough for the extension: status bar items,
// commands, configuration, messages (answered from a queue the test fills), webview panels,
// text documents, and a FileSystemWatcher built on the real fs.watch. `register.ts` makes
// `require("vscode")` return it.

import * as fs from "fs";
import * as path from "path";

type Listener<T> = (e: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => undefined) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (fn: Listener<T>): Disposable => {
    this.listeners.add(fn);
    return new Disposable(() => this.listeners.delete(fn));
  };
  fire(e: T): void {
    for (const fn of [...this.listeners]) fn(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  static file(p: string): Uri {
    return new Uri("file", path.resolve(p));
  }
  static parse(s: string): Uri {
    return s.startsWith("file://") ? Uri.file(decodeURIComponent(s.slice(7))) : new Uri(s.split(":")[0] ?? "", s);
  }
  get path(): string {
    return this.fsPath;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

export class RelativePattern {
  readonly baseUri: Uri;
  constructor(
    base: Uri | string,
    readonly pattern: string,
  ) {
    this.baseUri = typeof base === "string" ? Uri.file(base) : base;
  }
}

export enum StatusBarAlignment {
  Left = 1,
  Right = 2,
}
export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}
export enum ViewColumn {
  Active = -1,
  Beside = -2,
  One = 1,
}

export class StatusBarItem {
  text = "";
  tooltip: string | undefined;
  command: string | undefined;
  name: string | undefined;
  visible = false;
  disposed = false;
  /** Each text set, in order (the tests wait on it). */
  history: string[] = [];
  private readonly changed = new EventEmitter<string>();
  onDidChangeText = this.changed.event;
  constructor(
    readonly alignment: StatusBarAlignment,
    readonly priority: number,
  ) {
    return new Proxy(this, {
      set: (target, prop, value) => {
        (target as unknown as Record<string | symbol, unknown>)[prop] = value;
        if (prop === "text") {
          target.history.push(String(value));
          target.changed.fire(String(value));
        }
        return true;
      },
    });
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  dispose(): void {
    this.disposed = true;
    this.visible = false;
  }
}

/** A glob of one folder's file names: literals, `[x]` escapes, `*`, `?` and one `{a,b}` list. */
export function globMatch(glob: string, name: string): boolean {
  const alts = /^\{(.*)\}$/.exec(glob);
  const options = alts ? alts[1]!.split(",") : [glob];
  return options.some((o) => {
    let re = "";
    for (let i = 0; i < o.length; i++) {
      const c = o[i]!;
      if (c === "[") {
        const end = o.indexOf("]", i);
        re += `[${o.slice(i + 1, end).replace(/[\\\]^]/g, "\\$&")}]`;
        i = end;
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.*+?^${}()|\\]/g, "\\$&");
    }
    return new RegExp(`^${re}$`).test(name);
  });
}

/** A FileSystemWatcher on the real fs.watch of the pattern's folder (not recursive). */
export class FileSystemWatcher {
  private readonly created = new EventEmitter<Uri>();
  private readonly changed = new EventEmitter<Uri>();
  private readonly deleted = new EventEmitter<Uri>();
  onDidCreate = this.created.event;
  onDidChange = this.changed.event;
  onDidDelete = this.deleted.event;
  private watcher: fs.FSWatcher | undefined;
  private known = new Set<string>();
  events = 0;

  constructor(readonly pattern: RelativePattern) {
    const dir = pattern.baseUri.fsPath;
    for (const n of safeList(dir)) if (globMatch(pattern.pattern, n)) this.known.add(n);
    try {
      this.watcher = fs.watch(dir, { persistent: false }, (_event, filename) => {
        const name = filename?.toString();
        if (!name || !globMatch(pattern.pattern, name)) return;
        this.events += 1;
        const uri = Uri.file(path.join(dir, name));
        const exists = fs.existsSync(uri.fsPath);
        if (exists && !this.known.has(name)) {
          this.known.add(name);
          this.created.fire(uri);
        } else if (!exists) {
          this.known.delete(name);
          this.deleted.fire(uri);
        } else {
          this.changed.fire(uri);
        }
      });
    } catch {
      this.watcher = undefined; // a folder that does not exist (yet): VS Code's watcher is silent too
    }
    state.watchers.add(this);
  }
  dispose(): void {
    this.watcher?.close();
    state.watchers.delete(this);
  }
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

export class OutputChannel {
  lines: string[] = [];
  constructor(readonly name: string) {}
  appendLine(s: string): void {
    this.lines.push(s);
  }
  append(s: string): void {
    this.lines.push(s);
  }
  show(): void {}
  clear(): void {
    this.lines = [];
  }
  dispose(): void {}
}

export class Webview {
  html = "";
  options: unknown;
  cspSource = "vscode-webview://fake";
  private readonly received = new EventEmitter<unknown>();
  onDidReceiveMessage = this.received.event;
  /** What the page's script would post (the test plays the user). */
  post(m: unknown): void {
    this.received.fire(m);
  }
  postMessage(): Promise<boolean> {
    return Promise.resolve(true);
  }
}

export class WebviewPanel {
  readonly webview = new Webview();
  visible = true;
  private readonly disposed = new EventEmitter<void>();
  onDidDispose = this.disposed.event;
  constructor(
    readonly viewType: string,
    public title: string,
    readonly column: unknown,
    readonly options: Record<string, unknown>,
  ) {
    this.webview.options = options;
  }
  reveal(): void {
    this.visible = true;
  }
  dispose(): void {
    this.disposed.fire();
  }
}

export interface Message {
  kind: "info" | "warning" | "error";
  message: string;
  options: unknown[];
}

export class TextDocument {
  constructor(
    readonly uri: Uri | undefined,
    readonly text: string,
    readonly languageId: string,
  ) {}
  getText(): string {
    return this.text;
  }
}

/** Everything the fake keeps, reset between tests by `reset()`. */
export const state = {
  config: new Map<string, unknown>(),
  updates: [] as [string, unknown, unknown][],
  commands: new Map<string, (...a: unknown[]) => unknown>(),
  executed: [] as [string, unknown[]][],
  messages: [] as Message[],
  /** Answers for the next showQuickPick/showInputBox/showSaveDialog/show*Message, in order. */
  answers: [] as unknown[],
  items: [] as StatusBarItem[],
  panels: [] as WebviewPanel[],
  documents: [] as TextDocument[],
  shown: [] as TextDocument[],
  clipboard: "",
  opened: [] as Uri[],
  watchers: new Set<FileSystemWatcher>(),
  workspaceFolders: [] as { uri: Uri; name: string; index: number }[],
  configChanged: new EventEmitter<{ affectsConfiguration(s: string): boolean }>(),
};

export function reset(): void {
  state.config.clear();
  state.updates = [];
  state.commands.clear();
  state.executed = [];
  state.messages = [];
  state.answers = [];
  state.items = [];
  state.panels = [];
  state.documents = [];
  state.shown = [];
  state.clipboard = "";
  state.opened = [];
  for (const w of [...state.watchers]) w.dispose();
  state.workspaceFolders = [];
}

/** Sets `section.key` (as a user's settings.json would) and tells the listeners. */
export function setConfig(key: string, value: unknown): void {
  state.config.set(key, value);
  state.configChanged.fire({ affectsConfiguration: (s: string) => key === s || key.startsWith(`${s}.`) });
}

function answer(): unknown {
  return state.answers.shift();
}

function message(kind: Message["kind"]) {
  return (msg: string, ...rest: unknown[]): Promise<unknown> => {
    state.messages.push({ kind, message: msg, options: rest });
    return Promise.resolve(answer());
  };
}

export const window = {
  createStatusBarItem(alignment: StatusBarAlignment = StatusBarAlignment.Left, priority = 0): StatusBarItem {
    const item = new StatusBarItem(alignment, priority);
    state.items.push(item);
    return item;
  },
  createOutputChannel(name: string): OutputChannel {
    return new OutputChannel(name);
  },
  showInformationMessage: message("info"),
  showWarningMessage: message("warning"),
  showErrorMessage: message("error"),
  showQuickPick(items: { label: string }[] | string[]): Promise<unknown> {
    const a = answer();
    if (typeof a === "string") return Promise.resolve((items as { label: string }[]).find((i) => (typeof i === "string" ? i : i.label) === a));
    return Promise.resolve(a);
  },
  showInputBox(): Promise<unknown> {
    return Promise.resolve(answer());
  },
  showSaveDialog(): Promise<unknown> {
    const a = answer();
    return Promise.resolve(typeof a === "string" ? Uri.file(a) : a);
  },
  createWebviewPanel(viewType: string, title: string, column: unknown, options: Record<string, unknown>): WebviewPanel {
    const p = new WebviewPanel(viewType, title, column, options);
    state.panels.push(p);
    return p;
  },
  showTextDocument(doc: TextDocument): Promise<unknown> {
    state.shown.push(doc);
    return Promise.resolve({ document: doc });
  },
};

export const commands = {
  registerCommand(name: string, fn: (...a: unknown[]) => unknown): Disposable {
    if (state.commands.has(name)) throw new Error(`command ${name} already exists`);
    state.commands.set(name, fn);
    return new Disposable(() => state.commands.delete(name));
  },
  executeCommand(name: string, ...args: unknown[]): Promise<unknown> {
    state.executed.push([name, args]);
    const fn = state.commands.get(name);
    return Promise.resolve(fn ? fn(...args) : undefined);
  },
};

export const workspace = {
  get workspaceFolders() {
    return state.workspaceFolders.length ? state.workspaceFolders : undefined;
  },
  getConfiguration(section: string) {
    const full = (key: string) => (section ? `${section}.${key}` : key);
    return {
      get<T>(key: string, dflt?: T): T | undefined {
        return state.config.has(full(key)) ? (state.config.get(full(key)) as T) : dflt;
      },
      has(key: string): boolean {
        return state.config.has(full(key));
      },
      update(key: string, value: unknown, target?: unknown): Promise<void> {
        state.updates.push([full(key), value, target]);
        setConfig(full(key), value);
        return Promise.resolve();
      },
    };
  },
  onDidChangeConfiguration: state.configChanged.event,
  createFileSystemWatcher(pattern: RelativePattern): FileSystemWatcher {
    return new FileSystemWatcher(pattern);
  },
  openTextDocument(arg: Uri | { content?: string; language?: string }): Promise<TextDocument> {
    const doc =
      arg instanceof Uri
        ? new TextDocument(arg, fs.readFileSync(arg.fsPath, "utf8"), path.extname(arg.fsPath).slice(1))
        : new TextDocument(undefined, arg.content ?? "", arg.language ?? "plaintext");
    state.documents.push(doc);
    return Promise.resolve(doc);
  },
};

export const env = {
  clipboard: {
    writeText(s: string): Promise<void> {
      state.clipboard = s;
      return Promise.resolve();
    },
    readText(): Promise<string> {
      return Promise.resolve(state.clipboard);
    },
  },
  openExternal(uri: Uri): Promise<boolean> {
    state.opened.push(uri);
    return Promise.resolve(true);
  },
};

/** An ExtensionContext with what activate uses. */
export function context(): { subscriptions: { dispose(): unknown }[]; dispose(): void } {
  const subs: { dispose(): unknown }[] = [];
  return {
    subscriptions: subs,
    dispose() {
      for (const d of subs.splice(0)) d.dispose();
    },
  };
}
