// Bundles the extension-host test suite (extension/test/suite) into .cache/extension-host-tests/index.js.
// It lives inside the repository so that `require('mocha')` and `require('vscode')` resolve the way
// they do for the extension (mocha from node_modules; vscode from the extension host).
import { build } from 'esbuild';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const hostTestsDir = join(root, '.cache', 'extension-host-tests');
export const hostTestsEntry = join(hostTestsDir, 'index.js');

export async function buildHostTests() {
  await build({
    entryPoints: [join(root, 'extension/test/suite/index.ts')],
    outfile: hostTestsEntry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return hostTestsEntry;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await buildHostTests());
