// Builds what runs: esbuild bundles for the server/CLI (and, as they are added, the extension and
// the webview), plus the native Memory Layer kernels. Run by `npm install` (prepare) and `npm run build`.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

/** Bundles that exist so far; each entry is built only if its source exists. */
const bundles = [
  { entry: 'server/src/cli/main.ts', out: 'dist/server/cli.js', platform: 'node' },
  // The language server's model runs in a worker thread, loaded from next to cli.js.
  { entry: 'server/src/lsp/model-worker.ts', out: 'dist/server/model-worker.js', platform: 'node' },
  // Fine-tuning runs in its own worker thread so completions keep being answered.
  { entry: 'server/src/finetune/fine-tune-worker.ts', out: 'dist/server/fine-tune-worker.js', platform: 'node' },
  { entry: 'extension/src/extension.ts', out: 'dist/extension/extension.js', platform: 'node', external: ['vscode'] },
  { entry: 'webview/src/main.ts', out: 'dist/webview/main.js', platform: 'browser', format: 'iife' },
];

for (const b of bundles) {
  if (!existsSync(b.entry)) continue;
  await build({
    entryPoints: [b.entry],
    outfile: b.out,
    bundle: true,
    platform: b.platform,
    format: b.format ?? 'cjs',
    target: b.platform === 'node' ? 'node20' : 'es2022',
    sourcemap: true,
    // onnxruntime-node is a native package: it is loaded from node_modules, never bundled.
    external: ['onnxruntime-node', ...(b.external ?? [])],
    logLevel: 'warning',
  });
}

if (existsSync('scripts/build-native.mjs')) {
  const r = spawnSync(process.execPath, ['scripts/build-native.mjs'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
