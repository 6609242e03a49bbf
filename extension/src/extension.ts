/**
 * The MemoryFormer VS Code extension: a thin entry point. It wires the parts together: settings
 * (config.ts), the supervised language server (server-connection.ts), the completion gate
 * (completion-gate.ts: debounce, cancellation, per-language switch), the status bar and the commands.
 * The extension never imports the engine: it talks to the server through protocol/lsp.ts.
 */
import * as vscode from 'vscode';
import { classifyChange, readConfig, SECTION, type ExtensionConfig } from './config.js';
import { COMMANDS, registerCommands } from './commands.js';
import { CompletionGate } from './completion-gate.js';
import { DashboardPanel, FineTuneFeed } from './dashboard-panel.js';
import { findFineTunedModel } from './fine-tuned-model.js';
import { LatencyLog } from './latency-log.js';
import { errorText, ServerConnection } from './server-connection.js';
import { defaultModelDir } from './server-launch.js';
import { StatusBar } from './status-bar.js';

let server: ServerConnection | undefined;

/** What activate returns: used by the extension-host tests (never by users). */
export interface MemoryFormerApi {
  server: ServerConnection;
  statusBar: StatusBar;
  config: () => ExtensionConfig;
  /** Completion latencies measured around the inline completion request (the dashboard's histogram). */
  latencies: LatencyLog;
  /** The last fine-tune as the dashboard shows it. */
  fineTuneFeed: FineTuneFeed;
}

export async function activate(context: vscode.ExtensionContext): Promise<MemoryFormerApi> {
  const log = vscode.window.createOutputChannel('MemoryFormer', { log: true });
  context.subscriptions.push(log);

  let config = loadConfig(log);
  const current = () => config;
  const gate = new CompletionGate(current);
  // This workspace's fine-tuned model, when a run kept one, is served from the start.
  const storagePath = context.storageUri?.scheme === 'file' ? context.storageUri.fsPath : undefined;
  server = new ServerConnection(context.extensionPath, log, current, gate.middleware, () => findFineTunedModel(storagePath));
  const statusBar = new StatusBar(server, current, COMMANDS.statusMenu);
  const latencies = new LatencyLog();
  const fineTuneFeed = new FineTuneFeed(server);
  DashboardPanel.feed = fineTuneFeed;
  context.subscriptions.push(gate, statusBar, server, fineTuneFeed);
  context.subscriptions.push(
    gate.onAnswered((a) => {
      if (a.items === 0) return;
      statusBar.recordCompletion(a.latencyMs);
      latencies.record(a.latencyMs);
    }),
  );
  context.subscriptions.push(...registerCommands({ context, server, log, config: current, latencies }));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SECTION) || !server) return;
      const before = config;
      config = loadConfig(log);
      statusBar.render();
      const change = classifyChange(before, config);
      try {
        if (change.restart) await server.restart('a setting that needs a new server process changed');
        if (change.notify) await server.sendSettings(config);
        if (change.switchModel) {
          const modelDir = config.modelPath || defaultModelDir(context.extensionPath);
          await server.setModel({ modelDir });
          log.info(`model switched to ${modelDir}`);
        }
      } catch (e) {
        const a = await vscode.window.showErrorMessage(`MemoryFormer: applying the new settings failed: ${errorText(e)}`, 'Show Log');
        if (a) log.show(true);
      }
    }),
  );

  const fineTuned = findFineTunedModel(storagePath);
  if (fineTuned) log.info(`using the model fine-tuned on this workspace: ${fineTuned} ("MemoryFormer: Use Default Model" discards it)`);
  await server.start();
  return { server, statusBar, config: current, latencies, fineTuneFeed };
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}

function loadConfig(log: vscode.LogOutputChannel): ExtensionConfig {
  const section = vscode.workspace.getConfiguration(SECTION);
  const { config, problems } = readConfig((key) => section.get(key));
  for (const p of problems) {
    log.warn(p);
    void vscode.window.showWarningMessage(`MemoryFormer: ${p}`);
  }
  return config;
}
