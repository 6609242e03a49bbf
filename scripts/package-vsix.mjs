// `npm run package [-- --target linux-x64] [--skip-build]`: builds, stages the extension for one
// platform (scripts/stage-extension.mjs) and packs it with vsce into memoryformer-<target>-<version>.vsix
// at the repository root. The target defaults to this machine's platform.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { checkTarget, hostTarget, root, stageExtension } from './stage-extension.mjs';

export function vsixPath(target, outDir = root) {
  const { version } = createRequire(import.meta.url)(join(root, 'package.json'));
  return join(outDir, `memoryformer-${target}-${version}.vsix`);
}

/**
 * Builds (unless skipBuild), stages and packs; returns the .vsix path and the staged (unpacked)
 * extension. `outDir` (default: the repository root) receives both the .vsix and, in tests, the stage.
 */
export function packageVsix({ target = hostTarget(), skipBuild = false, quiet = false, outDir } = {}) {
  checkTarget(target);
  const stdio = quiet ? 'pipe' : 'inherit';
  if (!skipBuild) {
    const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`the build failed (exit ${b.status})${quiet ? `:\n${b.stdout}\n${b.stderr}` : ''}`);
  }
  const stage = stageExtension(target, outDir ? join(outDir, 'stage') : undefined);
  const out = vsixPath(target, outDir);
  const vsce = createRequire(import.meta.url).resolve('@vscode/vsce/vsce');
  // No LICENSE or repository yet: say so rather than have vsce stop to ask.
  const r = spawnSync(process.execPath, [vsce, 'package', '--target', target, '--out', out, '--skip-license', '--allow-missing-repository'], {
    cwd: stage,
    stdio,
    encoding: 'utf8',
    env: { ...process.env, npm_config_yes: 'true' },
  });
  if (r.status !== 0) throw new Error(`vsce package failed (exit ${r.status})${quiet ? `:\n${r.stdout}\n${r.stderr}` : ''}`);
  return { vsix: out, stage };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--target');
  try {
    const { vsix: out } = packageVsix({ target: t >= 0 ? args[t + 1] : hostTarget(), skipBuild: args.includes('--skip-build') });
    console.log(`package: ${out} (${(statSync(out).size / 1e6).toFixed(1)} MB)`);
  } catch (e) {
    console.error(`package: ${e.message}`);
    process.exit(1);
  }
}
