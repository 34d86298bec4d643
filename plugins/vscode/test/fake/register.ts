// Makes `require("vscode")` return the fake (test/fake/vscode.ts): import this first.

// eslint-disable-next-line @typescript-eslint/no-require-imports
import Module = require("module");
import * as fake from "./vscode";

const mod = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
const original = mod._load;
mod._load = function (request: string, parent: unknown, isMain: boolean): unknown {
  if (request === "vscode") return fake;
  return original.call(this, request, parent, isMain);
};

export { fake };
