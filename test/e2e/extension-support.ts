// Helpers for the extension's end-to-end tests: a freshly built and packaged extension, the sample
// workspace as harness files, the command palette, the status bar item, and the server's process.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Page } from 'playwright-core';
import { repoRoot, sessionProcesses } from './harness.js';

export interface PackagedExtension {
  /** The .vsix, as `npm run package` makes it (in a temporary folder). */
  vsix: string;
  /** The same extension unpacked (the staging folder vsce packed). */
  stage: string;
  dir: string;
}

/** Builds the bundles and packages the extension for this machine into a temporary folder. */
export async function buildAndPackage(): Promise<PackagedExtension> {
  const b = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed (exit ${b.status}):\n${b.stdout}\n${b.stderr}`);
  const dir = mkdtempSync(join(tmpdir(), 'memoryformer-vsix-'));
  const mod = (await import(join(repoRoot, 'scripts/package-vsix.mjs'))) as {
    packageVsix(o: { skipBuild: boolean; quiet: boolean; outDir: string }): { vsix: string; stage: string };
  };
  return { ...mod.packageVsix({ skipBuild: true, quiet: true, outDir: dir }), dir };
}

/** The files of test/fixtures/sample-workspace, as the harness's `files` option takes them. */
export function sampleWorkspaceFiles(): Record<string, string> {
  const base = join(repoRoot, 'test/fixtures/sample-workspace');
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(base, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(base);
  return out;
}

/** Runs a command by its title through the command palette (F1). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/** The MemoryFormer status bar item's accessible label ("MemoryFormer: ready, 12 ms, ..."), '' if not shown. */
export async function statusLabel(page: Page): Promise<string> {
  const item = page.locator('.statusbar [aria-label^="MemoryFormer: "]').first();
  if (!(await item.count())) return '';
  return (await item.getAttribute('aria-label')) ?? '';
}

/** Waits until the status bar item's label starts with `MemoryFormer: <state>`; returns the label. */
export async function waitForStatus(page: Page, state: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = await statusLabel(page);
    if (last.startsWith(`MemoryFormer: ${state}`)) return last;
    if (last.startsWith('MemoryFormer: error') && state !== 'error') throw new Error(`waiting for "${state}", the status bar shows "${last}"`);
    if (Date.now() > deadline) throw new Error(`status bar did not show "${state}" within ${timeoutMs} ms; it shows "${last || '(no MemoryFormer item)'}"`);
    await page.waitForTimeout(100);
  }
}

/** Pids of this session's language servers (`node .../dist/server/cli.js serve --stdio ...`). */
export function serverPids(sessionDir: string): number[] {
  return sessionProcesses(sessionDir).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.endsWith('/dist/server/cli.js')) && argv.includes('serve');
    } catch {
      return false;
    }
  });
}

/** The extension's own log (the "MemoryFormer" output channel) and the extension host's log, for failure messages. */
export function extensionLogs(sessionDir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/MemoryFormer.*\.log$|exthost\.log$/.test(name)) out.push(`--- ${relative(sessionDir, p)} ---\n${readFileSync(p, 'utf8').split('\n').slice(-60).join('\n')}`);
    }
  };
  walk(join(sessionDir, 'user-data', 'logs'));
  return out.join('\n') || '(no extension logs found)';
}

/** Runs `body`; if it throws, adds the extension's logs to the error. */
export async function withExtensionLogs<T>(sessionDir: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- extension logs ---\n${extensionLogs(sessionDir)}`;
    throw err;
  }
}
