/**
 * The status bar item: the server's state (memoryformer/statusChanged), whether completions are on
 * for the active editor's language, the last completion's latency and the server's tokens/s.
 * Clicking it opens the status menu.
 */
import * as vscode from 'vscode';
import { languageEnabled, type ExtensionConfig } from './config.js';
import type { ServerConnection } from './server-connection.js';
import { statusView, type StatusInput, type StatusView } from './status-view.js';

/** Tokens/s comes from memoryformer/stats, asked at most this often after completions. */
const STATS_INTERVAL_MS = 2000;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('memoryformer.status', vscode.StatusBarAlignment.Right, 100);
  private lastLatencyMs: number | undefined;
  private tokensPerSecond: number | undefined;
  private statsAskedAt = 0;
  private readonly disposables: vscode.Disposable[] = [];
  view: StatusView | undefined;

  constructor(
    private readonly server: ServerConnection,
    private readonly config: () => ExtensionConfig,
    commandId: string,
  ) {
    this.item.name = 'MemoryFormer';
    this.item.command = commandId;
    this.disposables.push(
      server.onStatus(() => this.render()),
      server.onRunning(() => this.render()),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    );
    this.render();
    this.item.show();
  }

  /** A completion came back after `latencyMs`. */
  recordCompletion(latencyMs: number): void {
    this.lastLatencyMs = latencyMs;
    this.render();
    const now = Date.now();
    if (now - this.statsAskedAt < STATS_INTERVAL_MS || !this.server.running) return;
    this.statsAskedAt = now;
    this.server.stats().then(
      (s) => {
        this.tokensPerSecond = s.tokensPerSecond;
        this.render();
      },
      () => undefined, // figures are optional; the server's log has any error
    );
  }

  render(): void {
    const config = this.config();
    const languageId = vscode.window.activeTextEditor?.document.languageId;
    const s = this.server.status;
    const input: StatusInput = {
      server: s?.state,
      running: this.server.running,
      disabled: !config.enable ? 'global' : languageId && !languageEnabled(config, languageId) ? 'language' : undefined,
      ...(s?.message ? { message: s.message } : {}),
      ...(this.server.failure ? { failed: this.server.failure } : {}),
      ...(languageId ? { languageId } : {}),
      ...(this.lastLatencyMs !== undefined ? { lastLatencyMs: this.lastLatencyMs } : {}),
      ...(this.tokensPerSecond !== undefined ? { tokensPerSecond: this.tokensPerSecond } : {}),
      ...(s?.model ? { modelName: `${s.model.name} (${s.model.provider})` } : {}),
    };
    const v = statusView(input);
    this.view = v;
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.accessibilityInformation = { label: v.ariaLabel, role: 'button' };
    this.item.backgroundColor = v.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
