// Lays out the extension as it ships, in a staging folder (.cache/extension-stage/<target>/): the
// manifest without development fields, the bundles (no TypeScript, no source maps, no tests), the
// model, and the production dependencies with only the target platform's onnxruntime binaries.
// The real node_modules is never touched: everything is copied. The staged folder is an unpacked
// extension (code-server and VS Code can load it as is) and what scripts/package-vsix.mjs zips.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');

/** vsce targets we can ship, with the onnxruntime-node binary folder each one needs. */
export const TARGETS = Object.freeze({
  'linux-x64': 'linux/x64',
  'linux-arm64': 'linux/arm64',
  'darwin-arm64': 'darwin/arm64',
  'win32-x64': 'win32/x64',
  'win32-arm64': 'win32/arm64',
});

export function hostTarget() {
  return `${process.platform}-${process.arch}`;
}

/** Throws a clear error for a target we cannot ship. */
export function checkTarget(target) {
  if (!Object.prototype.hasOwnProperty.call(TARGETS, target)) {
    throw new Error(`unknown target '${target}': onnxruntime-node 1.30 ships binaries for ${Object.keys(TARGETS).join(', ')}`);
  }
}

/** Production dependency folders (relative to the repo), as npm resolves them. */
function productionDependencies() {
  const r = spawnSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm ls failed (exit ${r.status}); run \`npm install\` first:\n${r.stderr}`);
  return r.stdout.split('\n').filter((p) => p && p !== root).map((p) => relative(root, p));
}

/** Files the extension needs from dist/, each checked to exist (a missing bundle is a build problem). */
function distFiles(target) {
  const required = ['dist/extension/extension.js', 'dist/server/cli.js', 'dist/server/model-worker.js', 'dist/server/fine-tune-worker.js'];
  for (const f of required) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
  const files = [...required];
  const webview = join(root, 'dist/webview');
  if (existsSync(webview)) for (const f of readdirSync(webview)) if (!f.endsWith('.map')) files.push(`dist/webview/${f}`);
  // The native Memory Layer kernels are built for this machine; another target uses the TypeScript fallback.
  if (target === hostTarget() && existsSync(join(root, 'dist/native/memory_layer.node'))) files.push('dist/native/memory_layer.node');
  return files;
}

/** Stages the extension for `target` into `stage` (default .cache/extension-stage/<target>); returns the folder. */
export function stageExtension(target = hostTarget(), stage = join(root, '.cache', 'extension-stage', target)) {
  checkTarget(target);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  delete manifest.devDependencies;
  delete manifest.scripts;
  delete manifest.bin;
  writeFileSync(join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The listing's README is the user's guide (extension/README.md), not the developers' one.
  cpSync(join(root, 'extension/README.md'), join(stage, 'README.md'));
  for (const f of ['LICENSE', 'LICENSE.md', 'CHANGELOG.md']) if (existsSync(join(root, f))) cpSync(join(root, f), join(stage, f));
  cpSync(join(root, '.vscodeignore'), join(stage, '.vscodeignore'));

  for (const f of distFiles(target)) {
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    cpSync(join(root, f), join(stage, f));
  }
  if (existsSync(join(root, 'models'))) cpSync(join(root, 'models'), join(stage, 'models'), { recursive: true });

  const keep = TARGETS[target];
  for (const dep of productionDependencies()) {
    cpSync(join(root, dep), join(stage, dep), {
      recursive: true,
      // Only the target's onnxruntime binaries: the others are ~200 MB the target cannot load.
      filter: (src) => {
        const rel = relative(join(root, 'node_modules/onnxruntime-node/bin/napi-v6'), src);
        if (rel.startsWith('..') || rel === '') return true;
        const parts = rel.split('/');
        if (parts.length === 1) return parts[0] === keep.split('/')[0];
        return parts.slice(0, 2).join('/') === keep;
      },
    });
  }
  return stage;
}

/** Total size in bytes of a folder. */
export function folderBytes(dir) {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    n += s.isDirectory() ? folderBytes(p) : s.size;
  }
  return n;
}
