// Runs electron/suite.ts inside a real VS Code, downloaded by @vscode/test-electron. Not run
// on the CI machine (VS Code cannot be downloaded there): `npm run test:electron` where it can.

import * as path from "path";
import { runTests } from "@vscode/test-electron";

async function main(): Promise<void> {
  const plugin = path.resolve(__dirname, "..", "..");
  await runTests({
    extensionDevelopmentPath: plugin,
    extensionTestsPath: path.join(plugin, "out", "electron", "suite.js"),
    launchArgs: ["--disable-extensions", "--skip-welcome", "--skip-release-notes"],
    extensionTestsEnv: { TOKENPRINT_HOME: process.env.TOKENPRINT_HOME ?? "" },
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
