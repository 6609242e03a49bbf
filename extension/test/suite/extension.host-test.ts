/**
 * Runs inside a real VS Code extension host (code-server here, desktop VS Code elsewhere), with the
 * server on the protocol-test model (MEMORYFORMER_SERVER_ARGS="--model-kind test-echo").
 */
import assert from 'node:assert/strict';
import { describe, it, before, afterEach } from 'mocha';
import * as vscode from 'vscode';
import { ErrorCodes } from '../../../protocol/lsp.js';
import { validateExtensionMessage } from '../../../protocol/webview.js';
import type { MemoryFormerApi } from '../../src/extension.js';

const EXTENSION_ID = 'memoryformer.memoryformer-vscode';

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const settings = () => vscode.workspace.getConfiguration('memoryformer');

describe('MemoryFormer extension', () => {
  let api: MemoryFormerApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<MemoryFormerApi>(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is installed`);
    api = await ext.activate();
    await until('the server to be ready', () => api.server.status?.state === 'ready');
    const [file] = await vscode.workspace.findFiles('**/*.ts', undefined, 1);
    assert.ok(file, 'the workspace has a .ts file');
    await vscode.window.showTextDocument(file);
  });

  afterEach(async () => {
    for (const key of ['enable', 'languages', 'maxTokens', 'logLevel']) await settings().update(key, undefined, vscode.ConfigurationTarget.Global);
    // Resetting logLevel restarts the server: the next test starts from a ready one.
    await new Promise((r) => setTimeout(r, 200));
    await until('ready after resetting the settings', () => api.server.running && api.server.status?.state === 'ready');
  });

  it('starts the bundled server, which loads its model and reports ready; the status bar says so', () => {
    assert.equal(api.server.status?.model?.name, 'test-echo');
    assert.equal(api.statusBar.view?.state, 'ready');
    assert.ok(api.statusBar.view?.text.includes('MemoryFormer'));
  });

  it('registers every command the manifest contributes', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const contributed = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.ok(contributed.length >= 7);
    for (const c of contributed) assert.ok(registered.has(c), `${c} is registered`);
  });

  it('switching completions off globally or for the language shows "disabled"; on again shows "ready"', async () => {
    await vscode.commands.executeCommand('memoryformer.toggleCompletions');
    assert.equal(settings().get('enable'), false);
    await until('disabled', () => api.statusBar.view?.state === 'disabled');
    await vscode.commands.executeCommand('memoryformer.toggleCompletions');
    await until('ready', () => api.statusBar.view?.state === 'ready');

    await vscode.commands.executeCommand('memoryformer.toggleLanguage');
    assert.equal(settings().get<Record<string, boolean>>('languages')?.typescript, false);
    await until('disabled for typescript', () => api.statusBar.view?.state === 'disabled' && api.statusBar.view.tooltip.includes('typescript'));
    await vscode.commands.executeCommand('memoryformer.toggleLanguage');
    await until('ready', () => api.statusBar.view?.state === 'ready');
  });

  it('a completion setting reaches the running server; a log-level change restarts it', async () => {
    let downs = 0;
    const sub = api.server.onRunning((up) => {
      if (!up) downs++;
    });
    try {
      await settings().update('maxTokens', 1 + Math.floor(Math.random() * 100), vscode.ConfigurationTarget.Global);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(downs, 0, 'maxTokens does not restart the server');
      assert.equal(api.server.running, true);

      await settings().update('logLevel', 'debug', vscode.ConfigurationTarget.Global);
      await until('a restart', () => downs > 0);
      await until('ready after the restart', () => api.server.running && api.server.status?.state === 'ready');
    } finally {
      sub.dispose();
    }
  });

  it('memoryformer/stats answers figures the dashboard accepts', async () => {
    const stats = await api.server.stats();
    const v = validateExtensionMessage({ type: 'stats', stats, sampledAt: Date.now() });
    assert.ok(v.ok, v.ok ? '' : v.error);
  });

  it('fine-tuning needs a real model: the protocol-test model is refused with a reason', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    await assert.rejects(api.server.fineTune({ action: 'start', paths: [folder], trusted: true }), (e: { code?: number; message?: string }) => {
      assert.equal(e.code, ErrorCodes.FineTuneRefused);
      assert.match(e.message ?? '', /real model/);
      return true;
    });
  });

  it('the fine-tune dry run counts the workspace files and uses the time budget asked for', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const budget = 30 + Math.floor(Math.random() * 900);
    const s = await api.server.fineTuneSummary({ action: 'start', paths: [folder], trusted: true, timeBudgetSec: budget });
    const ts = await vscode.workspace.findFiles('**/*.ts');
    assert.ok(s.files >= 1 && s.files <= ts.length + 50, JSON.stringify(s));
    assert.ok(s.bytes > 0);
    assert.equal(s.timeBudgetSec, budget);
    await assert.rejects(api.server.fineTuneSummary({ action: 'start', paths: [folder], trusted: false }), (e: { code?: number }) => e.code === ErrorCodes.FineTuneRefused);
  });

  it('the FLOPs report needs a real model (NoModel with the protocol-test model); completion latencies are kept', async () => {
    await assert.rejects(api.server.flops(), (e: { code?: number }) => e.code === ErrorCodes.NoModel);
    const ms = Math.random() * 100;
    const cursor = api.latencies.oldestCursor();
    api.latencies.record(ms);
    assert.deepEqual(api.latencies.since(cursor).samples.slice(-1), [ms]);
  });

  it('the dashboard command opens a webview panel', async () => {
    await vscode.commands.executeCommand('memoryformer.showDashboard');
    await until('the dashboard tab', () =>
      vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.label === 'MemoryFormer Performance')),
    );
  });

  it('Restart Server gives a new, ready server', async () => {
    let downs = 0;
    const sub = api.server.onRunning((up) => {
      if (!up) downs++;
    });
    try {
      await vscode.commands.executeCommand('memoryformer.restartServer');
      assert.ok(downs > 0, 'the old server stopped');
      await until('ready', () => api.server.running && api.server.status?.state === 'ready');
    } finally {
      sub.dispose();
    }
  });
});
