/**
 * `MemoryFormer: Fine-tune on Workspace`: shows what the run would train on (the server's dry run,
 * memoryformer/fineTuneSummary) and asks; then starts memoryformer/fineTune with the workspace
 * storage, trust, excludes and time budget, shows its $/progress in a cancellable notification, and
 * at the end says what came of it (held-out bits per byte and exact match, before and after, and
 * whether completions now use the new model). Refused in an untrusted workspace: training reads
 * every file there and writes a model the editor then runs.
 */
import * as vscode from 'vscode';
import type { FineTuneFinishedParams, FineTuneParams } from '../../protocol/lsp.js';
import type { Device } from './config.js';
import { SECTION } from './config.js';
import { finishedText, summaryText } from './fine-tune-messages.js';
import { FINE_TUNE_SECTION, readFineTuneSettings } from './fine-tune-settings.js';
import { errorText, type ServerConnection } from './server-connection.js';

export const UNTRUSTED_MESSAGE =
  'MemoryFormer: fine-tuning is turned off in Restricted Mode. It reads every file of the workspace and trains the model on them, ' +
  'so it runs only in a workspace you trust. Completions work either way.';
export const START_BUTTON = 'Start Fine-tuning';
export const PROGRESS_TITLE = 'MemoryFormer: fine-tuning on the workspace';

export interface FineTuneDeps {
  server: ServerConnection;
  log: vscode.LogOutputChannel;
  storageUri: vscode.Uri | undefined;
  device: Device;
  /** Commands offered at the end. */
  showDashboard: () => unknown;
  useDefaultModel: () => unknown;
}

/** Runs the command; resolves with how the run ended (undefined when it did not start). */
export async function fineTuneWorkspace(d: FineTuneDeps): Promise<FineTuneFinishedParams | undefined> {
  if (!vscode.workspace.isTrusted) {
    const a = await vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
    if (a) await vscode.commands.executeCommand('workbench.trust.manage');
    return undefined;
  }
  const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
  if (!folders.length) {
    void vscode.window.showErrorMessage('MemoryFormer: open a folder to fine-tune on (File > Open Folder); fine-tuning trains on its files.');
    return undefined;
  }
  const settings = readFineTuneSettings(
    vscode.workspace.getConfiguration(SECTION).get(`${FINE_TUNE_SECTION}.timeBudgetSec`),
    vscode.workspace.getConfiguration(SECTION).get(`${FINE_TUNE_SECTION}.exclude`),
    vscode.workspace.getConfiguration('files').get('exclude'),
  );
  for (const p of settings.problems) {
    d.log.warn(p);
    void vscode.window.showWarningMessage(`MemoryFormer: ${p}`);
  }
  const params: FineTuneParams = {
    action: 'start',
    paths: folders.map((f) => f.uri.fsPath),
    trusted: vscode.workspace.isTrusted,
    exclude: settings.exclude,
    timeBudgetSec: settings.timeBudgetSec,
    device: d.device,
    ...(d.storageUri?.scheme === 'file' ? { storageDir: d.storageUri.fsPath } : {}),
  };
  try {
    if (!(await confirm(d, params))) return undefined;
    return await run(d, params);
  } catch (e) {
    const text = errorText(e);
    d.log.error(`fine-tuning: ${text}`);
    const a = await vscode.window.showErrorMessage(`MemoryFormer: fine-tuning did not start: ${text}`, 'Show Log');
    if (a) d.log.show(true);
    return undefined;
  }
}

/** The dry run, then a modal question; true to go ahead. */
async function confirm(d: FineTuneDeps, params: FineTuneParams): Promise<boolean> {
  // In the status bar: a notification here would linger behind the question that follows.
  const summary = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'MemoryFormer: looking at the workspace files' },
    () => d.server.fineTuneSummary(params),
  );
  d.log.info(`fine-tune dry run: ${JSON.stringify(summary)}`);
  if (summary.files < 2) {
    const skipped = Object.entries(summary.skipped).filter(([, n]) => n > 0).map(([why, n]) => `${why} ${n}`).join(', ');
    void vscode.window.showWarningMessage(
      `MemoryFormer: there is not enough code to fine-tune on: ${summary.files} usable file${summary.files === 1 ? '' : 's'} (at least 2 are needed: one is held out to check the result)` +
        (skipped ? `; left out: ${skipped}` : '') + '.',
    );
    return false;
  }
  const { message, detail } = summaryText(summary);
  return (await vscode.window.showInformationMessage(message, { modal: true, detail }, START_BUTTON)) === START_BUTTON;
}

async function run(d: FineTuneDeps, params: FineTuneParams): Promise<FineTuneFinishedParams | undefined> {
  const { server, log } = d;
  const finished = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: PROGRESS_TITLE, cancellable: true },
    async (progress, token) => {
      const workDoneToken = `memoryformer-fine-tune-${Date.now()}`;
      // Finished notifications are kept by run id: one may come before we know ours.
      const ended = new Map<string, FineTuneFinishedParams>();
      let wake: () => void = () => {};
      let serverDown = false;
      let lastPercent = 0;
      const subs: vscode.Disposable[] = [];
      try {
        subs.push(
          server.onFineTuneFinished((f) => {
            ended.set(f.runId, f);
            wake();
          }),
          server.onWorkDoneProgress(workDoneToken, (p) => {
            if (p.kind === 'end') return;
            const increment = p.percentage !== undefined ? Math.max(0, p.percentage - lastPercent) : undefined;
            if (p.percentage !== undefined) lastPercent = Math.max(lastPercent, p.percentage);
            progress.report({ ...(p.message ? { message: p.message } : {}), ...(increment ? { increment } : {}) });
          }),
          server.onRunning((up) => {
            if (up) return;
            serverDown = true;
            wake();
          }),
          token.onCancellationRequested(() => {
            progress.report({ message: 'cancelling…' });
            server.fineTune({ action: 'cancel' }).catch((e) => log.error(`cancelling fine-tuning: ${errorText(e)}`));
          }),
        );
        log.info(`fine-tuning on ${params.paths?.join(', ')} (budget ${params.timeBudgetSec} s, excluding ${JSON.stringify(params.exclude)})`);
        const r = await server.fineTune({ ...params, workDoneToken });
        if (r.state !== 'started' || !r.runId) throw new Error(`the server answered "${r.state}"`);
        const runId = r.runId;
        while (!ended.has(runId) && !serverDown) await new Promise<void>((res) => (wake = res));
        return ended.get(runId) ?? { runId, outcome: 'failed' as const, message: 'the MemoryFormer server stopped during fine-tuning; the current model stays in use' };
      } finally {
        for (const s of subs) s.dispose();
      }
    },
  );
  // Not awaited: the message stays until the user closes it, the command is done.
  void report(d, finished);
  return finished;
}

async function report(d: FineTuneDeps, f: FineTuneFinishedParams): Promise<void> {
  d.log.info(`fine-tuning ended: ${f.outcome}: ${f.message}`);
  const { severity, text } = finishedText(f);
  if (severity === 'error') {
    const a = await vscode.window.showErrorMessage(text, 'Show Log');
    if (a) d.log.show(true);
    return;
  }
  const actions = f.outcome === 'improved' ? ['Show Dashboard', 'Use Default Model'] : f.report ? ['Show Dashboard'] : [];
  const show = severity === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
  const a = await show(text, ...actions);
  if (a === 'Show Dashboard') await d.showDashboard();
  if (a === 'Use Default Model') await d.useDefaultModel();
}
