// Runs the extension-host test suite in a desktop VS Code through @vscode/test-electron (which
// downloads VS Code: for machines that can reach update.code.visualstudio.com; this project's CI
// cannot, and runs the same suite inside code-server from test/e2e/extension-host.test.ts).
// Usage: npm run build && node extension/test/run-desktop.mjs
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { buildHostTests } from './build-host-tests.mjs';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const extensionTestsPath = await buildHostTests();
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath,
    launchArgs: [join(root, 'test/fixtures/sample-workspace'), '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { MEMORYFORMER_SERVER_ARGS: '--model-kind test-echo' },
  });
} catch (e) {
  console.error(`extension-host tests failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
