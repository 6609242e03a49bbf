// Builds the native Memory Layer kernels (server/native, a Node-API addon) with node-gyp and copies
// the result to dist/native/memory_layer.node, where the bundled server looks for it.
//
// The addon is optional: without it the kernels fall back to TypeScript (slower, same results to
// ~1e-6). So a failed build only prints a warning and exits 0 -- except in CI (CI=true), where the
// addon must build, so the failure exits non-zero.
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const root = new URL('..', import.meta.url).pathname;
const nativeDir = join(root, 'server/native');
const built = join(nativeDir, 'build/Release/memory_layer.node');
const shipped = join(root, 'dist/native/memory_layer.node');
const inCI = process.env.CI === 'true' || process.env.CI === '1';

function fail(why) {
  const msg = `build-native: the native Memory Layer kernels were not built (${why}).`;
  if (inCI) {
    console.error(`${msg}\nCI=true: the addon is required in CI, failing.`);
    process.exit(1);
  }
  console.warn(`WARNING: ${msg}\nThe TypeScript fallback will be used (slower). To build it, install a C compiler ` +
    `(gcc or clang), python3 and make, then run: node scripts/build-native.mjs`);
  process.exit(0);
}

let nodeGyp;
try {
  nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
} catch {
  fail('node-gyp is not installed; run npm install');
}

// node-gyp downloads Node's headers unless told where they are. npm passes npm_config_nodedir; run
// directly, use the headers installed next to this node binary (distro packages, official tarballs).
const args = [nodeGyp, 'rebuild', '--directory', nativeDir];
if (!process.env.npm_config_nodedir) {
  const prefix = dirname(dirname(process.execPath));
  if (existsSync(join(prefix, 'include/node/node_api.h')) && existsSync(join(prefix, 'include/node/common.gypi'))) {
    args.push(`--nodedir=${prefix}`);
  }
}

const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (r.status !== 0 || !existsSync(built)) {
  process.stderr.write((r.stdout ?? '').slice(-4000) + (r.stderr ?? '').slice(-4000));
  fail(r.error ? r.error.message : `node-gyp exited with status ${r.status}`);
}

// Load it once: a binary that builds but cannot load (missing libgomp, say) is a failure too.
try {
  const addon = createRequire(import.meta.url)(built);
  const info = addon.info();
  mkdirSync(dirname(shipped), { recursive: true });
  // A new file renamed over the old one, never a copy onto it: a process that has the addon loaded
  // (a server, a fine-tune) maps that file, and rewriting it in place crashes it (SIGSEGV/SIGBUS).
  // Rename gives the new binary a new inode; running processes keep the old one until they exit.
  const tmp = `${shipped}.tmp-${process.pid}`;
  copyFileSync(built, tmp);
  renameSync(tmp, shipped);
  console.log(`build-native: built ${shipped} (isa ${info.isa}; supported ${info.supported.join(', ')}; ` +
    `openmp ${info.openmp})`);
} catch (e) {
  fail(`it built but does not load: ${e instanceof Error ? e.message : String(e)}`);
}
