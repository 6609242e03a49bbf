/**
 * Hosts the performance dashboard (webview/, bundled to dist/webview/main.js) in a webview panel:
 * a strict CSP with a fresh nonce (webview/src/html.ts builds the page), and typed messages both
 * ways (protocol/webview.ts, validated on receipt). What it sends (docs/DASHBOARD.md):
 * - on `ready`/`refresh`: the FLOPs report of the loaded model (memoryformer/flops), again when the
 *   model changes, and memoryformer/stats with the completion latencies measured since the last
 *   update; then stats every few seconds, only while the panel is visible;
 * - fine-tuning: each training step's progress and the final report, as they come from the server
 *   (and, to a page opened later, the last run's points and report).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { FineTuneFinishedParams, FineTuneProgressParams } from '../../protocol/lsp.js';
import type { ExtensionToWebview, FineTuneProgress, FineTuneReport, ThemeKind, WebviewToExtension } from '../../protocol/webview.js';
import { validateWebviewMessage } from '../../protocol/webview.js';
import { dashboardHtml } from '../../webview/src/html.js';
import { toWebviewProgress, toWebviewReport } from './fine-tune-messages.js';
import type { LatencyLog } from './latency-log.js';
import { errorText, type ServerConnection } from './server-connection.js';

const VIEW_TYPE = 'memoryformer.dashboard';
/** Stats while visible: often enough to watch typing, rarely enough to cost nothing. */
const REFRESH_MS = 2000;
/** Training points of the last run kept for a page opened later (the page caps its curves too). */
const MAX_KEPT_POINTS = 4000;

/**
 * The last fine-tune as the dashboard shows it, kept while the extension runs (whether or not a
 * panel is open), so a panel opened during or after a run shows its curves and report.
 */
export class FineTuneFeed implements vscode.Disposable {
  points: FineTuneProgress[] = [];
  report: FineTuneReport | undefined;
  private readonly emitter = new vscode.EventEmitter<ExtensionToWebview>();
  /** The message to forward to open pages. */
  readonly onMessage = this.emitter.event;
  private readonly subs: vscode.Disposable[];

  constructor(server: ServerConnection) {
    this.subs = [server.onFineTuneProgress((p) => this.progress(p)), server.onFineTuneFinished((f) => this.finished(f)), this.emitter];
  }

  private progress(p: FineTuneProgressParams): void {
    const point = toWebviewProgress(p);
    if (!point) return;
    if (this.points[0] && this.points[0].runId !== point.runId) {
      this.points = [];
      this.report = undefined;
    }
    this.points.push(point);
    if (this.points.length > MAX_KEPT_POINTS) this.points = this.points.filter((_, i) => i % 2 === 1);
    this.emitter.fire({ type: 'fineTuneProgress', progress: point });
  }

  private finished(f: FineTuneFinishedParams): void {
    const report = f.report && toWebviewReport(f.report);
    if (!report) return;
    this.report = report;
    this.emitter.fire({ type: 'fineTuneReport', report });
  }

  /** What a page that has just loaded is sent. */
  replay(): ExtensionToWebview[] {
    const out: ExtensionToWebview[] = this.points.map((progress) => ({ type: 'fineTuneProgress', progress }));
    if (this.report) out.push({ type: 'fineTuneReport', report: this.report });
    return out;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  /** Set by activate(); the panel forwards its messages. */
  static feed: FineTuneFeed | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Where this panel's page is in the latency log. */
  private latencyCursor: number;
  /** The model the page was last sent a FLOPs report for. */
  private flopsFor: string | undefined;
  /** A page that reloads (hidden, then shown) restores its own fine-tune state: replay only once. */
  private replayed = false;

  /** Opens the dashboard, or reveals it when it is open. */
  static show(extensionUri: vscode.Uri, server: ServerConnection, log: vscode.LogOutputChannel, latencies: LatencyLog): DashboardPanel {
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
    DashboardPanel.current = new DashboardPanel(panel, webviewRoot, server, log, latencies);
    return DashboardPanel.current;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    webviewRoot: vscode.Uri,
    private readonly server: ServerConnection,
    private readonly log: vscode.LogOutputChannel,
    private readonly latencies: LatencyLog,
  ) {
    // A new page starts with the recent past: the latencies measured before it was opened.
    this.latencyCursor = latencies.oldestCursor();
    panel.webview.html = pageHtml(panel.webview, webviewRoot, log);
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => this.schedule()),
      panel.webview.onDidReceiveMessage((m: unknown) => this.receive(m)),
      vscode.window.onDidChangeActiveColorTheme((t) => this.post({ type: 'theme', kind: themeKind(t.kind) })),
      server.onStatus((s) => {
        if (s.modelSource && this.flopsFor !== undefined && s.modelSource !== this.flopsFor) void this.sendFlops();
      }),
    );
    if (DashboardPanel.feed) this.disposables.push(DashboardPanel.feed.onMessage((m) => this.post(m)));
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
        if (!this.replayed) for (const msg of DashboardPanel.feed?.replay() ?? []) this.post(msg);
        this.replayed = true;
        void this.sendFlops();
        void this.sendStats();
        break;
      case 'refresh':
        void this.sendFlops();
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

  private async sendFlops(): Promise<void> {
    if (!this.server.running) return;
    const source = this.server.status?.modelSource;
    try {
      const report = await this.server.flops();
      this.flopsFor = source;
      this.post({ type: 'flops', report });
    } catch (e) {
      // No real model (the protocol-test model, or none loaded yet): the page shows no FLOPs.
      this.log.debug(`dashboard: memoryformer/flops failed: ${errorText(e)}`);
    }
  }

  private async sendStats(): Promise<void> {
    if (!this.server.running) return;
    try {
      const stats = await this.server.stats();
      const { samples: latencySamplesMs, cursor } = this.latencies.since(this.latencyCursor);
      this.latencyCursor = cursor;
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
      const data = m.format === 'png' ? Buffer.from(m.content.slice(m.content.indexOf(',') + 1), 'base64') : Buffer.from(m.content, 'utf8');
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
