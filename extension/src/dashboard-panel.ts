/**
 * Hosts the performance dashboard (webview/, bundled to dist/webview/main.js) in a webview panel:
 * a strict CSP with a fresh nonce (webview/src/html.ts builds the page), and typed messages both
 * ways (protocol/webview.ts, validated on receipt). While the panel is visible it sends
 * memoryformer/stats every second, with the latencies the client measured since the last update.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionToWebview, ThemeKind, WebviewToExtension } from '../../protocol/webview.js';
import { validateWebviewMessage } from '../../protocol/webview.js';
import { dashboardHtml } from '../../webview/src/html.js';
import { errorText, type ServerConnection } from './server-connection.js';

const VIEW_TYPE = 'memoryformer.dashboard';
const REFRESH_MS = 1000;
/** Latency samples kept for the page between updates (a burst of typing must not grow without end). */
const MAX_SAMPLES = 1000;

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private samples: number[] = [];

  /** Opens the dashboard, or reveals it when it is open. */
  static show(extensionUri: vscode.Uri, server: ServerConnection, log: vscode.LogOutputChannel): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal();
      return DashboardPanel.current;
    }
    const webviewRoot = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'MemoryFormer Performance', vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [webviewRoot],
      retainContextWhenHidden: false,
    });
    DashboardPanel.current = new DashboardPanel(panel, webviewRoot, server, log);
    return DashboardPanel.current;
  }

  /** Records a completion's latency for the page's histogram (whether or not the panel is open). */
  static recordLatency(ms: number): void {
    const p = DashboardPanel.current;
    if (!p) return;
    p.samples.push(ms);
    if (p.samples.length > MAX_SAMPLES) p.samples.splice(0, p.samples.length - MAX_SAMPLES);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    webviewRoot: vscode.Uri,
    private readonly server: ServerConnection,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.webview.html = pageHtml(panel.webview, webviewRoot, log);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => this.schedule()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'theme', kind: themeKind(t.kind) })),
    );
    this.schedule();
  }

  private receive(raw: unknown): void {
    const v = validateWebviewMessage(raw);
    if (!v.ok) {
      this.log.warn(`dashboard: ignored a malformed message: ${v.error}`);
      return;
    }
    const m: WebviewToExtension = v.message;
    switch (m.type) {
      case 'ready':
        this.post({ type: 'theme', kind: themeKind(vscode.window.activeColorTheme.kind) });
        void this.sendStats();
        break;
      case 'refresh':
        void this.sendStats();
        break;
      case 'export':
        void this.export(m);
        break;
    }
  }

  private schedule(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.panel.visible) this.timer = setInterval(() => void this.sendStats(), REFRESH_MS);
  }

  private async sendStats(): Promise<void> {
    if (!this.server.running) return;
    try {
      const stats = await this.server.stats();
      const latencySamplesMs = this.samples;
      this.samples = [];
      this.post({ type: 'stats', stats, latencySamplesMs, sampledAt: Date.now() });
    } catch (e) {
      this.log.debug(`dashboard: memoryformer/stats failed: ${errorText(e)}`);
    }
  }

  private async export(m: Extract<WebviewToExtension, { type: 'export' }>): Promise<void> {
    const reply = (ok: boolean, message?: string) => this.post({ type: 'exported', requestId: m.requestId, ok, ...(message ? { message } : {}) });
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, m.suggestedName) } : {}),
      filters: { [m.format.toUpperCase()]: [m.format] },
    });
    if (!target) return reply(false, 'cancelled');
    try {
      const data = m.format === 'png' ? Buffer.from(m.content.slice('data:image/png;base64,'.length), 'base64') : Buffer.from(m.content, 'utf8');
      if (target.scheme === 'file') await writeFile(target.fsPath, data);
      else await vscode.workspace.fs.writeFile(target, data);
      reply(true, `saved ${target.fsPath}`);
    } catch (e) {
      reply(false, errorText(e));
    }
  }

  private post(m: ExtensionToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    if (this.timer) clearInterval(this.timer);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function themeKind(k: vscode.ColorThemeKind): ThemeKind {
  switch (k) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'high-contrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'high-contrast-light';
    default:
      return 'dark';
  }
}

/**
 * The dashboard page, or (in a build without dist/webview, or if the page cannot be made) a minimal
 * page that says why and shows the raw figures.
 */
function pageHtml(webview: vscode.Webview, root: vscode.Uri, log: vscode.LogOutputChannel): string {
  const nonce = randomBytes(16).toString('base64');
  let why = 'the dashboard page is not in this build (dist/webview/main.js is missing)';
  if (existsSync(join(root.fsPath, 'main.js'))) {
    try {
      return dashboardHtml({
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.css')).toString(),
        cspSource: webview.cspSource,
        nonce,
      });
    } catch (e) {
      why = `the dashboard page could not be made: ${errorText(e)}`;
      log.error(`dashboard: ${why}`);
    }
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'">
<title>MemoryFormer performance</title></head>
<body><main id="app"><h1>MemoryFormer performance</h1>
<p>${escapeHtml(why)}; the raw figures follow.</p><pre id="stats">waiting for figures…</pre></main>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
window.addEventListener('message', (e) => {
  if (e.data && e.data.type === 'stats') document.getElementById('stats').textContent = JSON.stringify(e.data.stats, null, 2);
});
vscode.postMessage({ type: 'ready' });
</script></body></html>`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
