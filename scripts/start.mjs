// `npm start`: try the extension in a real VS Code. Builds, stages the extension (unpacked, as it
// ships), and opens a copy of test/fixtures/sample-workspace with it:
//   - in a desktop VS Code when `code` is on PATH (as an extension under development), else
//   - in code-server (scripts/setup-code-server.sh installs it) on 127.0.0.1 with --auth none,
//     private user-data, extensions and HOME folders under .cache/start/; prints the URL.
// Options: --code-server (even if `code` exists), --port N (default 8080; 0 = any free port),
// --test-model (the protocol-test model instead of the shipped one: useful before a model exists).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, stageExtension } from './stage-extension.mjs';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(opt('--port') ?? process.env.PORT ?? 8080);
const env = { ...process.env };
if (args.includes('--test-model')) env.MEMORYFORMER_SERVER_ARGS = '--model-kind test-echo';

function step(what, cmd, cmdArgs) {
  console.log(`start: ${what}`);
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`start: ${what} failed (exit ${r.status})`);
    process.exit(1);
  }
}

step('building', process.execPath, [join(root, 'scripts/build.mjs')]);
const stage = stageExtension();
const base = join(root, '.cache', 'start');
const workspace = join(base, 'workspace');
// A copy, so that trying things out never edits the test fixture.
if (!existsSync(workspace)) cpSync(join(root, 'test/fixtures/sample-workspace'), workspace, { recursive: true });

const hasCode = !args.includes('--code-server') && spawnSync('code', ['--version'], { stdio: 'ignore' }).status === 0;
if (hasCode) {
  console.log(`start: opening ${workspace} in VS Code with the extension from ${stage}`);
  const r = spawnSync('code', ['--new-window', `--extensionDevelopmentPath=${stage}`, workspace], { stdio: 'inherit', env });
  process.exit(r.status ?? 0);
}

step('making sure code-server is installed', 'bash', [join(root, 'scripts/setup-code-server.sh')]);
const codeServer = join(root, '.cache/code-server/4.100.3/node_modules/.bin/code-server');
const dirs = { userData: join(base, 'user-data'), extensions: join(base, 'extensions'), home: join(base, 'home') };
for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
// The extension as built now, replacing any earlier copy.
const manifest = JSON.parse(readFileSync(join(stage, 'package.json'), 'utf8'));
const installed = join(dirs.extensions, `${manifest.publisher}.${manifest.name}-${manifest.version}`);
rmSync(installed, { recursive: true, force: true });
cpSync(stage, installed, { recursive: true });
rmSync(join(dirs.extensions, 'extensions.json'), { force: true });
const settingsFile = join(dirs.userData, 'User', 'settings.json');
if (!existsSync(settingsFile)) {
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(settingsFile, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none' }, null, 2));
}

const child = spawn(
  codeServer,
  ['--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', workspace],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...env, HOME: dirs.home, XDG_CONFIG_HOME: join(dirs.home, '.config'), XDG_DATA_HOME: join(dirs.home, '.local/share'), XDG_CACHE_HOME: join(dirs.home, '.cache') },
  },
);
let shown = false;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(chunk.toString());
  if (m && !shown) {
    shown = true;
    console.log(`\nstart: MemoryFormer in code-server: ${m[1]}/?folder=${encodeURIComponent(workspace)}\nstart: Ctrl+C stops it.\n`);
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));
child.on('exit', (code) => process.exit(code ?? 0));
