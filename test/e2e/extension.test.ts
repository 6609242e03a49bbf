// The MemoryFormer extension end to end, in a real VS Code (code-server) driven by headless
// Chromium: the packaged .vsix installs, the bundled language server starts (with the protocol-test
// model `--model-kind test-echo`, through MEMORYFORMER_SERVER_ARGS), typing shows ghost text that the
// server made, Tab accepts it, the dashboard opens, and a killed server is restarted. Needs
// `bash scripts/setup-code-server.sh` and Debian's chromium; in CI their absence fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editorText, openFile, randomWord, repoRoot, screenshot, sessionProcesses, skipReason, typeText, waitForGhostText, withSession } from './harness.js';
import { buildAndPackage, runCommand, withExtensionLogs, sampleWorkspaceFiles, serverPids, waitForStatus, type PackagedExtension } from './extension-support.js';

let skip: string | false = false;
let prerequisiteError: unknown;
try {
  skip = skipReason() ?? false;
} catch (err) {
  prerequisiteError = err; // CI: fail the tests below rather than skip them
}

let packaged: PackagedExtension | undefined;
before(async () => {
  if (!skip && !prerequisiteError) packaged = await buildAndPackage();
});
after(() => {
  if (packaged) rmSync(packaged.dir, { recursive: true, force: true });
});

/** The protocol-test model; MEMORYFORMER_SERVER_MODULE (another server build) passes through for development. */
const SERVER_ENV: Record<string, string> = {
  MEMORYFORMER_SERVER_ARGS: '--model-kind test-echo',
  ...(process.env.MEMORYFORMER_SERVER_MODULE ? { MEMORYFORMER_SERVER_MODULE: process.env.MEMORYFORMER_SERVER_MODULE } : {}),
};

test('the bundled server the extension starts speaks LSP on stdout from its first byte', { timeout: 60_000 }, async () => {
  const cli = join(repoRoot, 'dist/server/cli.js');
  if (!packaged) {
    // No package was built (prerequisites missing): check the bundle if one exists.
    if (!existsSync(cli)) return;
  }
  const child = spawn(process.execPath, [cli, 'serve', '--stdio', '--model-kind', 'test-echo'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let out = '';
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.length >= 16) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGKILL');
  assert.ok(out.startsWith('Content-Length:'), `dist/server/cli.js wrote something other than LSP to stdout before answering initialize (any console.log at module load breaks the extension's connection; e.g. a \`require.main === module\` block is true inside an esbuild bundle):\n${out.slice(0, 400)}`);
});

test('the .vsix holds the bundles and this platform\'s onnxruntime only: no TypeScript, tests or source maps', { skip }, () => {
  if (prerequisiteError) throw prerequisiteError;
  const r = spawnSync('unzip', ['-Z1', packaged!.vsix], { encoding: 'utf8' });
  assert.equal(r.status, 0, `unzip -Z1 failed: ${r.stderr}`);
  const files = r.stdout.split('\n').filter(Boolean);
  const inExt = (p: string) => files.includes(`extension/${p}`);
  for (const p of ['package.json', 'readme.md', 'dist/extension/extension.js', 'dist/server/cli.js', 'dist/server/model-worker.js',
    'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', 'node_modules/onnxruntime-common/package.json']) {
    assert.ok(inExt(p) || inExt(p.toUpperCase()) || files.some((f) => f.toLowerCase() === `extension/${p}`), `${p} is in the .vsix`);
  }
  const bad = files.filter((f) =>
    /\.ts$/.test(f) && !/\.d\.ts$/.test(f) || /\.map$/.test(f) || /\.test\./.test(f) || /(^|\/)test\//.test(f) ||
    /napi-v6\/(darwin|win32|linux\/arm64)/.test(f) || /^extension\/(server|extension|webview|protocol|scripts)\//.test(f));
  assert.deepEqual(bad, [], 'no sources, tests, maps or other platforms\' binaries');
  // Manifest: platform-specific, the bundled entry point.
  const manifest = spawnSync('unzip', ['-p', packaged!.vsix, 'extension.vsixmanifest'], { encoding: 'utf8' }).stdout;
  assert.match(manifest, /TargetPlatform="linux-x64"/);
  assert.ok(statSync(packaged!.vsix).size < 40e6, 'the .vsix stays small (one platform)');
});

test('code-server: ghost text from the server, Tab accepts it, the dashboard opens, a killed server restarts', { skip, timeout: 300_000 }, async () => {
  if (prerequisiteError) throw prerequisiteError;
  const marker = randomWord('marker');
  const value = Math.floor(Math.random() * 1e6);
  const files = { ...sampleWorkspaceFiles(), 'src/echo.ts': `const ${marker} = computeValue(${value});\n` };
  let sessionDir = '';
  await withSession('extension', { files, extensions: [packaged!.vsix], env: SERVER_ENV }, (s) => withExtensionLogs(s.dir, async () => {
    sessionDir = s.dir;
    const { page } = s;
    await openFile(page, 'src/echo.ts');
    await waitForStatus(page, 'ready', 60_000);

    // test-echo continues a repeated line with what followed it: the marker cannot come from anywhere else.
    await page.keyboard.press('Control+End');
    await typeText(page, `const ${marker}`);
    const ghost = await waitForGhostText(page);
    assert.ok(ghost.startsWith(` = computeValue(${value});`), `ghost text from the server; got ${JSON.stringify(ghost)}`);
    assert.ok(!(await editorText(page)).includes(`${marker} = computeValue(${value});\nconst ${marker} =`), 'ghost text is not in the document yet');
    await screenshot(page, 'extension-ghost-text');

    await page.keyboard.press('Tab');
    await page.waitForFunction(
      (t) => (document.querySelector('.editor-instance .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ').split(t).length >= 3,
      `${marker} = computeValue(${value});`,
      { timeout: 15_000 },
    );
    const text = await editorText(page);
    assert.equal(text.split(`const ${marker} = computeValue(${value});`).length - 1, 2, `Tab inserted the suggestion; editor shows:\n${text}`);
    assert.match(await waitForStatus(page, 'ready'), /\d+ ms/, 'the status bar shows the last latency');

    await runCommand(page, 'MemoryFormer: Show Performance Dashboard');
    await page.locator('.tab', { hasText: 'MemoryFormer Performance' }).waitFor({ timeout: 15_000 });
    // The page itself (the dashboard, or the fallback page saying why it is missing) inside the webview's frames.
    const app = page.frameLocator('iframe.webview').first().frameLocator('iframe#active-frame').locator('#app');
    await app.waitFor({ state: 'visible', timeout: 20_000 });
    assert.ok(((await app.textContent()) ?? '').trim().length > 0, 'the dashboard page shows something');
    await screenshot(page, 'extension-dashboard');

    const [pid] = serverPids(s.dir);
    assert.ok(pid, `the language server runs in the session; processes: ${sessionProcesses(s.dir).join(', ')}`);
    process.kill(pid, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    while (!serverPids(s.dir).some((p) => p !== pid) && Date.now() < deadline) await page.waitForTimeout(100);
    assert.ok(serverPids(s.dir).some((p) => p !== pid), 'a new server process started');
    await waitForStatus(page, 'ready', 30_000);
  }));
  assert.deepEqual(sessionProcesses(sessionDir), [], 'nothing outlives the session');
});

test('extension-host tests (mocha) pass inside code-server\'s extension host', { skip, timeout: 300_000 }, async () => {
  if (prerequisiteError) throw prerequisiteError;
  const { buildHostTests } = (await import(join(repoRoot, 'extension/test/build-host-tests.mjs'))) as { buildHostTests(): Promise<string> };
  const testsEntry = await buildHostTests();
  const reportPath = join(packaged!.dir, 'host-test-report.json');
  const env = { ...SERVER_ENV, MEMORYFORMER_HOST_TEST_REPORT: reportPath };
  await withSession('extension-host', { files: sampleWorkspaceFiles(), env }, (s) => withExtensionLogs(s.dir, async () => {
    const { page } = s;
    const console: string[] = [];
    page.on('console', (m) => console.push(m.text()));
    let resolveExit: (code: number) => void = () => {};
    const exited = new Promise<number>((r) => (resolveExit = r));
    await page.exposeFunction('codeAutomationExit', (code: number) => resolveExit(code));
    // The unpacked extension as it ships (the staging folder the .vsix was made from) is the one under development.
    const host = new URL(s.url).host;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', `vscode-remote://${host}${packaged!.stage}`],
      ['extensionTestsPath', `vscode-remote://${host}${testsEntry.replace(/\.js$/, '')}`],
    ]);
    await page.goto(`${s.url}/?folder=${encodeURIComponent(s.workspace)}&payload=${encodeURIComponent(payload)}`);
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<number>((r) => (timer = setTimeout(() => r(-1), 240_000)))]);
    clearTimeout(timer);
    const report = existsSync(reportPath) ? (JSON.parse(readFileSync(reportPath, 'utf8')) as { passes: string[]; failures: { title: string; error: string }[] }) : undefined;
    const details = `exit code ${code}; report: ${JSON.stringify(report, null, 2)}\n--- page console (tail) ---\n${console.slice(-40).join('\n')}`;
    assert.ok(report, `the suite wrote its report; ${details}`);
    assert.deepEqual(report.failures, [], details);
    assert.ok(report.passes.length >= 8, `all extension-host tests ran; ${details}`);
    assert.equal(code, 0, details);
  }));
});

test('code-server: the shipped default model (no test model) suggests ghost text and Tab inserts it', { skip, timeout: 300_000 }, async () => {
  if (prerequisiteError) throw prerequisiteError;
  const files = {
    ...sampleWorkspaceFiles(),
    'src/shapes.ts': 'export interface Point {\n  x: number;\n  y: number;\n}\n\nexport function distance(a: Point, b: Point): number {\n  const dx = a.x - b.x;\n',
  };
  const devEnv: Record<string, string> = process.env.MEMORYFORMER_SERVER_MODULE ? { MEMORYFORMER_SERVER_MODULE: process.env.MEMORYFORMER_SERVER_MODULE } : {};
  await withSession('extension-real-model', { files, extensions: [packaged!.vsix], env: devEnv }, (s) => withExtensionLogs(s.dir, async () => {
    const { page } = s;
    await openFile(page, 'src/shapes.ts');
    await waitForStatus(page, 'ready', 90_000);
    await page.keyboard.press('Control+End');
    const before = await editorText(page);
    await typeText(page, '  const dy = a.');
    const ghost = await waitForGhostText(page, 60_000);
    assert.ok(ghost.trim().length > 0, 'the real model suggested something');
    await screenshot(page, 'extension-real-model-ghost-text');
    await page.keyboard.press('Tab');
    await page.waitForFunction((g) => (document.querySelector('.editor-instance .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ').includes(g), ghost.trim().slice(0, 20), { timeout: 15_000 });
    const after = await editorText(page);
    assert.ok(after.length > before.length, 'the suggestion is in the document');
  }));
});

/**
 * The model the fine-tune and dashboard test serves: the shipped default model when the package has
 * one (models/memoryformer-code-mini), else MEMORYFORMER_E2E_MODEL_DIR (development), else a tiny
 * random model written for the test (the flow is the same; its suggestions are noise).
 */
async function e2eModel(dir: string): Promise<{ settings: Record<string, unknown>; configPath: string; shipped: boolean }> {
  const shipped = join(repoRoot, 'models', 'memoryformer-code-mini');
  if (existsSync(join(shipped, 'config.json'))) return { settings: {}, configPath: join(shipped, 'config.json'), shipped: true };
  let modelDir = process.env.MEMORYFORMER_E2E_MODEL_DIR;
  if (!modelDir) {
    modelDir = join(dir, 'tiny-model');
    const { writeTinyModelDir } = await import('../support/tiny-model-dir.js');
    await writeTinyModelDir(modelDir);
  }
  return { settings: { 'memoryformer.modelPath': modelDir }, configPath: join(modelDir, 'config.json'), shipped: false };
}

/** A small workspace of a few related TypeScript files (different enough not to be deduplicated). */
function smallProjectFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  const shapes = ['Circle', 'Square', 'Triangle', 'Hexagon', 'Ellipse'];
  for (const [i, name] of shapes.entries()) {
    const k = 2 + Math.floor(Math.random() * 9);
    files[`src/${name.toLowerCase()}.ts`] = [
      `import type { Point } from './geometry';`,
      ``,
      `export interface ${name} {`,
      `  center: Point;`,
      `  size: number;`,
      `}`,
      ``,
      `export function area${name}(s: ${name}): number {`,
      `  return s.size * s.size * ${(k * 0.25 + i).toFixed(2)};`,
      `}`,
      ``,
      `export function scale${name}(s: ${name}, factor: number): ${name} {`,
      `  return { center: s.center, size: s.size * factor };`,
      `}`,
      ``,
      `export function move${name}(s: ${name}, dx: number, dy: number): ${name} {`,
      `  return { center: { x: s.center.x + dx, y: s.center.y + dy }, size: s.size };`,
      `}`,
      ``,
    ].join('\n');
  }
  return files;
}

test('code-server: completions show their latency and the FLOPs saving on the dashboard; Fine-tune on Workspace asks, shows progress and the report', { skip, timeout: 420_000 }, async () => {
  if (prerequisiteError) throw prerequisiteError;
  const modelBase = mkdtempSync(join(tmpdir(), 'mf-e2e-model-'));
  try {
    const model = await e2eModel(modelBase);
    const files = {
      ...sampleWorkspaceFiles(),
      ...smallProjectFiles(),
      'src/shapes.ts': 'export interface Point {\n  x: number;\n  y: number;\n}\n\nexport function distance(a: Point, b: Point): number {\n  const dx = a.x - b.x;\n',
    };
    const devEnv: Record<string, string> = process.env.MEMORYFORMER_SERVER_MODULE ? { MEMORYFORMER_SERVER_MODULE: process.env.MEMORYFORMER_SERVER_MODULE } : {};
    const settings = { ...model.settings, 'memoryformer.device': 'cpu', 'memoryformer.fineTune.timeBudgetSec': 60 };
    await withSession('extension-fine-tune-dashboard', { files, extensions: [packaged!.vsix], env: devEnv, settings }, (s) => withExtensionLogs(s.dir, async () => {
      const { page } = s;
      await openFile(page, 'src/shapes.ts');
      await waitForStatus(page, 'ready', 90_000);

      // A few completions, each measured by the extension around its request.
      await page.keyboard.press('Control+End');
      let shown = 0;
      for (const line of ['  const dy = a.', 'return Math.', 'const mid = ']) {
        await typeText(page, line);
        const ghost = await waitForGhostText(page, 60_000).catch(() => '');
        if (ghost) shown++;
        await page.keyboard.press('Escape');
        await page.keyboard.press('End');
        await page.keyboard.press('Enter');
      }
      if (model.shipped) assert.ok(shown >= 1, 'the shipped model suggested something');

      await runCommand(page, 'MemoryFormer: Show Performance Dashboard');
      const app = page.frameLocator('iframe.webview').first().frameLocator('iframe#active-frame').locator('#app');
      await app.waitFor({ state: 'visible', timeout: 20_000 });
      const field = (name: string) => app.locator(`[data-field="${name}"]`).first();
      await field('saving-model-paper').waitFor({ timeout: 30_000 });
      const seqLen = Number(((await field('seq-len').textContent()) ?? '').replace(/[^\d]/g, ''));
      const saving = Number(await field('saving-model-paper').getAttribute('data-value'));
      const { flopsReport } = await import('../../server/src/model/flops.js');
      const { parseConfigJson } = await import('../../server/src/model/model-dir.js');
      const { config } = parseConfigJson(readFileSync(model.configPath, 'utf8'), model.configPath);
      const want = flopsReport(config, seqLen);
      const wantSaving = 100 * (1 - want.memoryformer.total.paperFlops / want.dense.total.paperFlops);
      assert.ok(seqLen > 0 && Math.abs(saving - wantSaving) < 1e-6, `FLOPs saving on the page ${saving}% at ${seqLen} tokens; the loaded model's config gives ${wantSaving}%`);
      if (shown) {
        await field('p50').waitFor({ timeout: 20_000 });
        const p50 = Number(await field('p50').getAttribute('data-value'));
        assert.ok(p50 > 0, `the measured p50 latency is on the page (${p50} ms)`);
        const binned = Number(((await field('histogram-count').textContent()) ?? '0').replace(/[^\d]/g, ''));
        assert.ok(binned >= 1, `the completions the extension timed are in the histogram (${binned})`);
      }
      await screenshot(page, 'extension-dashboard-real-model');

      // Fine-tune: the dry run is shown and confirmed, progress appears, the report ends it.
      await runCommand(page, 'MemoryFormer: Fine-tune on Workspace');
      const dialog = page.locator('.monaco-dialog-box');
      await dialog.waitFor({ state: 'visible', timeout: 60_000 });
      const question = (await dialog.textContent()) ?? '';
      assert.match(question, /Fine-tune MemoryFormer on \d+ files/);
      assert.match(question, /typescript/);
      await screenshot(page, 'extension-fine-tune-confirm');
      await dialog.locator('.monaco-button', { hasText: 'Start Fine-tuning' }).click();
      const toast = (text: string | RegExp) => page.locator('.notification-toast', { hasText: text }).first();
      await toast('MemoryFormer: fine-tuning on the workspace').waitFor({ timeout: 30_000 });
      await waitForStatus(page, 'fine-tuning', 30_000).catch(() => undefined);
      await screenshot(page, 'extension-fine-tune-progress');
      const done = toast(/fine-tuned model (is|was not) better|fine-tuning failed|fine-tuning was cancelled/);
      await done.waitFor({ timeout: 240_000 });
      const result = (await done.textContent()) ?? '';
      await screenshot(page, 'extension-fine-tune-report');
      assert.match(result, /bits per byte \d+\.\d{3} → \d+\.\d{3}, exact match \d+\.\d% → \d+\.\d%/, `the report gives the before/after figures: ${result}`);
      const storage = findFile(join(s.dir, 'user-data', 'User', 'workspaceStorage'), 'last-fine-tune.json');
      assert.ok(storage, 'the run report is in the extension\'s workspace storage');
      const improved = /is better/.test(result);
      assert.equal(existsSync(join(storage, '..', 'finetuned', 'config.json')), improved, 'the fine-tuned model is kept exactly when it was better');
      await field('report-summary').waitFor({ timeout: 20_000 });
      await waitForStatus(page, 'ready', 60_000);
    }));
  } finally {
    rmSync(modelBase, { recursive: true, force: true });
  }
});

/** The first file named `name` under `dir`, or undefined. */
function findFile(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      const f = findFile(p, name);
      if (f) return f;
    } else if (e.name === name) return p;
  }
  return undefined;
}
