/**
 * The extension's commands (package.json contributes.commands), registered in one place. Accepting a
 * suggestion is VS Code's own: Tab (editor.action.inlineSuggest.commit), Ctrl+Right / Cmd+Right
 * (editor.action.inlineSuggest.acceptNextWord) and editor.action.inlineSuggest.acceptNextLine.
 */
import * as vscode from 'vscode';
import { SECTION, type ExtensionConfig } from './config.js';
import { DashboardPanel } from './dashboard-panel.js';
import { fineTuneWorkspace } from './fine-tune.js';
import { discardFineTunedModel, findFineTunedModel } from './fine-tuned-model.js';
import { errorText, type ServerConnection } from './server-connection.js';
import type { LatencyLog } from './latency-log.js';
import { defaultModelDir } from './server-launch.js';

export const COMMANDS = Object.freeze({
  fineTune: 'memoryformer.fineTune',
  showDashboard: 'memoryformer.showDashboard',
  toggleCompletions: 'memoryformer.toggleCompletions',
  toggleLanguage: 'memoryformer.toggleLanguage',
  useDefaultModel: 'memoryformer.useDefaultModel',
  showLog: 'memoryformer.showLog',
  restartServer: 'memoryformer.restartServer',
  statusMenu: 'memoryformer.statusMenu',
});

export interface CommandDeps {
  context: vscode.ExtensionContext;
  server: ServerConnection;
  log: vscode.LogOutputChannel;
  config: () => ExtensionConfig;
  /** The completion latencies the dashboard shows (measured around the inline completion request). */
  latencies: LatencyLog;
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const reg = (id: string, fn: () => unknown) => vscode.commands.registerCommand(id, fn);
  return [
    reg(COMMANDS.fineTune, () =>
      fineTuneWorkspace({
        server: d.server,
        log: d.log,
        storageUri: d.context.storageUri,
        device: d.config().device,
        showDashboard: () => vscode.commands.executeCommand(COMMANDS.showDashboard),
        useDefaultModel: () => vscode.commands.executeCommand(COMMANDS.useDefaultModel),
      }),
    ),
    reg(COMMANDS.showDashboard, () => DashboardPanel.show(d.context.extensionUri, d.server, d.log, d.latencies)),
    reg(COMMANDS.toggleCompletions, () => setEnabled(!d.config().enable)),
    reg(COMMANDS.toggleLanguage, () => toggleLanguage(d.config())),
    reg(COMMANDS.useDefaultModel, () => useDefaultModel(d)),
    reg(COMMANDS.showLog, () => d.log.show(true)),
    reg(COMMANDS.restartServer, () => d.server.restart('the user asked')),
    reg(COMMANDS.statusMenu, () => statusMenu(d)),
  ];
}

async function setEnabled(on: boolean): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('enable', on, vscode.ConfigurationTarget.Global);
  vscode.window.setStatusBarMessage(`MemoryFormer completions ${on ? 'enabled' : 'disabled'}`, 3000);
}

async function toggleLanguage(config: ExtensionConfig, languageId = vscode.window.activeTextEditor?.document.languageId): Promise<void> {
  if (!languageId) {
    void vscode.window.showInformationMessage('MemoryFormer: open a file first; completions are switched per language of the active editor.');
    return;
  }
  const wasOn = config.languages[languageId] ?? config.languages['*'] ?? true;
  const languages = { ...config.languages, [languageId]: !wasOn };
  await vscode.workspace.getConfiguration(SECTION).update('languages', languages, vscode.ConfigurationTarget.Global);
  vscode.window.setStatusBarMessage(`MemoryFormer completions ${wasOn ? 'disabled' : 'enabled'} for ${languageId}`, 3000);
}

export const DISCARD_BUTTON = 'Discard Fine-tuned Model';

/**
 * Back to the shipped model: discards this workspace's fine-tuned model (after asking), and clears
 * memoryformer.modelPath wherever it is set (the settings listener then switches the model).
 * Resolves true when it switched, false when the user said no.
 */
async function useDefaultModel(d: CommandDeps): Promise<boolean> {
  const storage = d.context.storageUri?.scheme === 'file' ? d.context.storageUri.fsPath : undefined;
  if (findFineTunedModel(storage)) {
    const a = await vscode.window.showWarningMessage(
      'MemoryFormer: discard the model fine-tuned on this workspace and use the default model?',
      { modal: true, detail: 'The fine-tuned model is deleted; fine-tune again to get one back.' },
      DISCARD_BUTTON,
    );
    if (a !== DISCARD_BUTTON) return false;
    // The server holds the weights in memory: deleting the files first is safe, and a restart now finds none.
    await discardFineTunedModel(storage!);
    d.log.info('discarded the fine-tuned model of this workspace');
  }
  const cfg = vscode.workspace.getConfiguration(SECTION);
  const where = cfg.inspect<string>('modelPath');
  if (!where?.globalValue && !where?.workspaceValue && !where?.workspaceFolderValue) {
    // Already the default: load it again (e.g. after a fine-tune replaced it in memory).
    try {
      await d.server.setModel({ modelDir: defaultModelDir(d.context.extensionPath) });
      vscode.window.setStatusBarMessage('MemoryFormer: using the default model', 3000);
    } catch (e) {
      const a = await vscode.window.showErrorMessage(`MemoryFormer: could not load the default model: ${errorText(e)}`, 'Show Log');
      if (a) d.log.show(true);
      return false;
    }
    return true;
  }
  if (where.globalValue) await cfg.update('modelPath', undefined, vscode.ConfigurationTarget.Global);
  if (where.workspaceValue) await cfg.update('modelPath', undefined, vscode.ConfigurationTarget.Workspace);
  if (where.workspaceFolderValue) await cfg.update('modelPath', undefined, vscode.ConfigurationTarget.WorkspaceFolder);
  return true;
}

/** The status bar item's menu: switch completions, and every command. */
async function statusMenu(d: CommandDeps): Promise<void> {
  const config = d.config();
  const languageId = vscode.window.activeTextEditor?.document.languageId;
  const langOn = languageId ? (config.languages[languageId] ?? config.languages['*'] ?? true) : undefined;
  type Item = vscode.QuickPickItem & { run: () => unknown };
  const items: Item[] = [
    { label: config.enable ? '$(circle-slash) Disable completions' : '$(check) Enable completions', run: () => setEnabled(!config.enable) },
  ];
  if (languageId) {
    items.push({
      label: langOn ? `$(circle-slash) Disable completions for ${languageId}` : `$(check) Enable completions for ${languageId}`,
      run: () => toggleLanguage(config, languageId),
    });
  }
  items.push(
    { label: '', kind: vscode.QuickPickItemKind.Separator, run: () => undefined },
    { label: '$(graph) Show Performance Dashboard', run: () => vscode.commands.executeCommand(COMMANDS.showDashboard) },
    { label: '$(mortar-board) Fine-tune on Workspace', run: () => vscode.commands.executeCommand(COMMANDS.fineTune) },
    { label: '$(package) Use Default Model', run: () => vscode.commands.executeCommand(COMMANDS.useDefaultModel) },
    { label: '$(debug-restart) Restart Server', run: () => vscode.commands.executeCommand(COMMANDS.restartServer) },
    { label: '$(output) Show Log', run: () => vscode.commands.executeCommand(COMMANDS.showLog) },
    { label: '$(gear) Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', `@ext:${d.context.extension.id}`) },
  );
  const picked = await vscode.window.showQuickPick(items, { title: 'MemoryFormer', placeHolder: d.server.failure ?? d.server.status?.message ?? '' });
  await picked?.run();
}
