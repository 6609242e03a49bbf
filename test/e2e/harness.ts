// End-to-end harness: a real VS Code (code-server, installed by scripts/setup-code-server.sh) driven
// by Debian's Chromium through playwright-core. Every session gets fresh private folders (HOME,
// XDG_*, user data, extensions, browser profile), a port of its own on 127.0.0.1, and is torn down
// completely: processes are found by a marker in their environment, so nothing outlives a test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
/** Where scripts/setup-code-server.sh installs code-server; `.installed` marks a finished install. */
export const codeServerDir = join(repoRoot, '.cache', 'code-server', CODE_SERVER_VERSION);
export const codeServerBin = join(codeServerDir, 'node_modules', '.bin', 'code-server');
export const chromiumPath = '/usr/bin/chromium';
export const artifactsDir = join(repoRoot, '.test-artifacts');

/** Environment variable set in every process a session starts; its value is the session folder. */
const MARKER = 'MEMORYFORMER_E2E_SESSION';

/** What is missing to run e2e tests here, each with what to do about it; empty when all is there. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (!existsSync(join(codeServerDir, '.installed')) || !existsSync(codeServerBin)) {
    missing.push(`code-server ${CODE_SERVER_VERSION} is not installed in ${codeServerDir}: run \`bash scripts/setup-code-server.sh\``);
  }
  if (!existsSync(chromiumPath)) {
    missing.push(`Chromium is not at ${chromiumPath}: run \`apt-get install chromium\` (Debian's package)`);
  }
  return missing;
}

/** CI sets CI=true; a CI=false or empty CI counts as a developer's machine. */
export function inCI(): boolean {
  const v = process.env.CI;
  return !!v && v !== 'false' && v !== '0';
}

/**
 * Outside CI, e2e tests may skip when prerequisites are missing: returns the skip message (or
 * undefined to run). In CI (CI=true) a missing prerequisite throws, so it fails the run instead.
 */
export function skipReason(): string | undefined {
  const missing = missingPrerequisites();
  if (!missing.length) return undefined;
  const text = `e2e prerequisites missing:\n  - ${missing.join('\n  - ')}`;
  if (inCI()) throw new Error(`${text}\n(CI must install them: see .ci/run)`);
  return text;
}

export interface SessionOptions {
  /** Files of the workspace folder, relative path -> content. */
  files?: Record<string, string>;
  /** Extensions to install first: .vsix files, or unpacked folders holding a package.json. */
  extensions?: string[];
  /** User settings merged over the harness's quiet defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment for code-server (and so for extension hosts and language servers). */
  env?: Record<string, string>;
}

export interface Session {
  readonly dir: string;
  readonly workspace: string;
  readonly url: string;
  readonly page: Page;
  readonly context: BrowserContext;
  /** code-server's output so far (stdout and stderr), for failure messages. */
  log(): string;
}

/** Settings that keep a fresh VS Code quiet and make typed text land verbatim. */
const defaultSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'editor.suggestOnTriggerCharacters': false,
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.autoIndent': 'none',
  'editor.formatOnType': false,
  'editor.minimap.enabled': false,
  'files.autoSave': 'off',
};

function makeSessionDirs() {
  const dir = mkdtempSync(join(tmpdir(), 'memoryformer-e2e-'));
  const sub = (name: string) => {
    const p = join(dir, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  return {
    dir,
    home: sub('home'),
    userData: sub('user-data'),
    extensions: sub('extensions'),
    workspace: sub('workspace'),
    browserProfile: sub('browser-profile'),
  };
}

/** Environment for code-server: private HOME and XDG folders, no VS Code variables inherited. */
function privateEnv(dir: string, home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // A parent VS Code's IPC hooks would make code-server talk to it instead.
    if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') continue;
    env[k] = v;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    [MARKER]: dir,
    ...extra,
  };
}

/**
 * Installs an extension into a fresh extensions folder: an unpacked folder is copied as
 * `publisher.name-version`; a .vsix goes through code-server's own `--install-extension`.
 */
export function installExtension(source: string, extensionsDir: string, userDataDir: string, env: NodeJS.ProcessEnv): void {
  if (source.endsWith('.vsix')) {
    const r = spawnSync(codeServerBin, ['--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--install-extension', source], {
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`installing ${source} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
    return;
  }
  const manifestPath = join(source, 'package.json');
  if (!existsSync(manifestPath)) throw new Error(`${source} is neither a .vsix nor a folder with a package.json`);
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { publisher?: string; name?: string; version?: string };
  if (!m.publisher || !m.name || !m.version) {
    throw new Error(`${manifestPath} needs "publisher", "name" and "version" to be installed as an extension`);
  }
  cpSync(source, join(extensionsDir, `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
}

/** Starts code-server on 127.0.0.1 with a port the OS picks; resolves once /healthz answers. */
async function startCodeServer(args: string[], env: NodeJS.ProcessEnv, logs: string[]): Promise<{ proc: ChildProcess; url: string }> {
  // Its own process group, so that stopping reaches the whole tree.
  const proc = spawn(codeServerBin, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`code-server did not start within 60 s:\n${logs.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      logs.push(chunk.toString());
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs.join(''));
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`code-server exited (code ${code}) before listening:\n${logs.join('')}`));
    });
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/healthz did not answer within 30 s:\n${logs.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url };
}

/** Pids of live processes carrying this session's marker in their environment. */
export function sessionProcesses(dir: string): number[] {
  const needle = Buffer.from(`\0${MARKER}=${dir}\0`);
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`)]);
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue; // a zombie is already dead
      if (env.includes(needle)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals) {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** Ends every process of the session: TERM, a grace period, then KILL for what is left. */
async function killSession(dir: string, groupLeader: number | undefined): Promise<void> {
  if (groupLeader) signal(-groupLeader, 'SIGTERM');
  for (const pid of sessionProcesses(dir)) signal(pid, 'SIGTERM');
  const deadline = Date.now() + 5_000;
  while (sessionProcesses(dir).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of sessionProcesses(dir)) signal(pid, 'SIGKILL');
  const hard = Date.now() + 5_000;
  while (sessionProcesses(dir).length && Date.now() < hard) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Runs `body` against a fresh code-server with the workspace open in headless Chromium, then stops
 * everything and removes the session folder. On failure a screenshot `<name>-failure.png` is saved
 * and code-server's log is added to the error.
 */
export async function withSession<T>(name: string, options: SessionOptions, body: (s: Session) => Promise<T>): Promise<T> {
  const d = makeSessionDirs();
  const env = privateEnv(d.dir, d.home, options.env);
  const logs: string[] = [];
  let proc: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  try {
    for (const [rel, content] of Object.entries(options.files ?? {})) {
      const p = join(d.workspace, rel);
      mkdirSync(resolve(p, '..'), { recursive: true });
      writeFileSync(p, content);
    }
    mkdirSync(join(d.userData, 'User'), { recursive: true });
    writeFileSync(join(d.userData, 'User', 'settings.json'), JSON.stringify({ ...defaultSettings, ...options.settings }, null, 2));
    for (const ext of options.extensions ?? []) installExtension(ext, d.extensions, d.userData, env);

    const started = await startCodeServer(
      [
        '--bind-addr', '127.0.0.1:0',
        '--auth', 'none',
        '--user-data-dir', d.userData,
        '--extensions-dir', d.extensions,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        d.workspace,
      ],
      env,
      logs,
    );
    proc = started.proc;

    context = await chromium.launchPersistentContext(d.browserProfile, {
      executablePath: chromiumPath,
      headless: true,
      // Chromium's own background connections would be refused by a closed network, many at a time.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      env: { ...env, HOME: d.home } as Record<string, string>,
      viewport: { width: 1280, height: 800 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${started.url}/?folder=${encodeURIComponent(d.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    const session: Session = { dir: d.dir, workspace: d.workspace, url: started.url, page, context, log: () => logs.join('') };
    try {
      return await body(session);
    } catch (err) {
      await screenshot(page, `${name}-failure`).catch(() => undefined);
      const tail = logs.join('').split('\n').slice(-40).join('\n');
      if (err instanceof Error) err.message += `\n--- code-server log (tail) ---\n${tail}`;
      throw err;
    }
  } finally {
    await context?.close().catch(() => undefined);
    await killSession(d.dir, proc?.pid);
    const left = sessionProcesses(d.dir);
    rmSync(d.dir, { recursive: true, force: true });
    // eslint-disable-next-line no-unsafe-finally
    if (left.length) throw new Error(`processes of e2e session ${name} survived SIGKILL: ${left.join(', ')}`);
  }
}

/** Opens a workspace file in the editor through Quick Open, and waits until its tab is active. */
export async function openFile(page: Page, relPath: string): Promise<void> {
  await page.locator('.monaco-workbench').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(relPath);
  // Wait for the file to be listed before accepting, or Enter may pick nothing.
  await page.locator('.quick-input-list .monaco-list-row', { hasText: basename(relPath) }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator('.tab.active', { hasText: basename(relPath) }).waitFor({ timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ timeout: 15_000 });
  await page.locator('.editor-instance .monaco-editor textarea, .editor-instance .monaco-editor .native-edit-context').first().focus();
}

/** Types into the focused editor, key by key, as a user would. */
export async function typeText(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text, { delay: 10 });
}

/**
 * Visible text of the active editor, without ghost text (rendered lines, top to bottom; Monaco
 * renders spaces as U+00A0).
 */
export async function editorText(page: Page): Promise<string> {
  const lines = await page.locator('.editor-instance .monaco-editor .view-lines .view-line').evaluateAll((els) =>
    els
      .map((e) => {
        const copy = e.cloneNode(true) as HTMLElement;
        for (const g of Array.from(copy.querySelectorAll('.ghost-text-decoration, .ghost-text-decoration-preview'))) g.remove();
        return { top: parseFloat((e as HTMLElement).style.top) || 0, text: copy.textContent ?? '' };
      })
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text),
  );
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

/**
 * Ghost text (inline completion) shown in the active editor, '' when none: the inline part on the
 * cursor line, then any further lines VS Code shows below it.
 */
export async function readGhostText(page: Page): Promise<string> {
  // No named functions inside: tsx's transform would wrap them in a helper the page lacks.
  return page.evaluate(() => {
    const inline = Array.from(document.querySelectorAll('.editor-instance .monaco-editor .ghost-text-decoration'))
      .map((e) => e.textContent ?? '')
      .join('');
    const extra = Array.from(document.querySelectorAll('.editor-instance .monaco-editor .ghost-text .view-line')).map((e) => e.textContent ?? '');
    return [inline, ...extra].join('\n').replace(/\u00a0/g, ' ').replace(/\n+$/, '');
  });
}

/** Waits until ghost text is shown and returns it (throws with what was on screen after timeoutMs). */
export async function waitForGhostText(page: Page, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ghost = await readGhostText(page);
    if (ghost) return ghost;
    if (Date.now() > deadline) throw new Error(`no ghost text within ${timeoutMs} ms; editor shows:\n${await editorText(page)}`);
    await page.waitForTimeout(100);
  }
}

/** Saves a PNG of the page into .test-artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path });
  return path;
}

/** A random identifier-like word, so that tests look for text that cannot be there by chance. */
export function randomWord(prefix = 'w'): string {
  return `${prefix}${randomBytes(6).toString('hex')}`;
}
