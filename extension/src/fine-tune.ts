/**
 * `MemoryFormer: Fine-tune on Workspace`: asks the server to train on the workspace's files
 * (memoryformer/fineTune) and shows its work-done progress, cancellable. Refused in an untrusted
 * workspace: training reads every file there and writes a new model the editor then runs.
 */
import * as vscode from 'vscode';
import type { Device } from './config.js';
import { errorText, type ServerConnection } from './server-connection.js';

export const UNTRUSTED_MESSAGE =
  'MemoryFormer: fine-tuning is turned off in Restricted Mode. It reads every file of the workspace and trains the model on them, ' +
  'so it runs only in a workspace you trust. Completions work either way.';

export async function fineTuneWorkspace(server: ServerConnection, log: vscode.LogOutputChannel, storageUri: vscode.Uri | undefined, device: Device): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    const a = await vscode.window.showWarningMessage(UNTRUSTED_MESSAGE, 'Manage Workspace Trust');
    if (a) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  const folders = vscode.workspace.workspaceFolders?.filter((f) => f.uri.scheme === 'file') ?? [];
  if (!folders.length) {
    void vscode.window.showErrorMessage('MemoryFormer: open a folder to fine-tune on (File > Open Folder); fine-tuning trains on its files.');
    return;
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MemoryFormer: fine-tuning on the workspace', cancellable: true },
    async (progress, token) => {
      const workDoneToken = `memoryformer-fine-tune-${Date.now()}`;
      let finish: () => void = () => {};
      const finished = new Promise<void>((resolve) => (finish = resolve));
      let lastPercent = 0;
      const subs: vscode.Disposable[] = [];
      try {
        subs.push(
          server.onWorkDoneProgress(workDoneToken, (p) => {
            if (p.kind === 'end') {
              if (p.message) log.info(`fine-tuning: ${p.message}`);
              finish();
              return;
            }
            const increment = p.percentage !== undefined ? Math.max(0, p.percentage - lastPercent) : undefined;
            if (p.percentage !== undefined) lastPercent = p.percentage;
            progress.report({ ...(p.message ? { message: p.message } : {}), ...(increment !== undefined ? { increment } : {}) });
          }),
          server.onRunning((up) => {
            if (!up) finish();
          }),
          token.onCancellationRequested(() => {
            server.fineTune({ action: 'cancel' }).then(
              () => finish(),
              (e) => {
                log.error(`cancelling fine-tuning: ${errorText(e)}`);
                finish();
              },
            );
          }),
        );
        const paths = folders.map((f) => f.uri.fsPath);
        log.info(`fine-tuning on ${paths.join(', ')}`);
        const r = await server.fineTune({
          action: 'start',
          paths,
          workDoneToken,
          trusted: vscode.workspace.isTrusted,
          device,
          ...(storageUri?.scheme === 'file' ? { storageDir: storageUri.fsPath } : {}),
        });
        if (r.state !== 'started') {
          void vscode.window.showWarningMessage(`MemoryFormer: fine-tuning did not start (the server answered "${r.state}").`);
          return;
        }
        await finished;
      } catch (e) {
        const text = errorText(e);
        log.error(`fine-tuning: ${text}`);
        const a = await vscode.window.showErrorMessage(`MemoryFormer: fine-tuning failed: ${text}`, 'Show Log');
        if (a) log.show(true);
      } finally {
        for (const s of subs) s.dispose();
      }
    },
  );
}
