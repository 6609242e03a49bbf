/**
 * The dashboard page's entry point (bundled by scripts/build.mjs to dist/webview/main.js, with the
 * imported CSS in dist/webview/main.css). It receives figures from the extension, keeps them in one
 * state object saved with setState, and redraws the panels at most once per animation frame. It
 * never polls: the extension pushes updates while the panel is visible, and the page asks for a
 * refresh only when it becomes visible again or the user presses Refresh.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { validateExtensionMessage, type ExportFormat, type ExtensionToWebview } from '../../protocol/webview.js';
import { applyMessage, restoreState, type DashboardState } from './dashboard-state.js';
import { fill, h } from './dom.js';
import { FineTunePanel } from './panels/finetune-panel.js';
import { FlopsPanel } from './panels/flops-panel.js';
import { MemoryPanel } from './panels/memory-panel.js';
import { ModelPanel } from './panels/model-panel.js';
import type { ChartSlot, ExportEventDetail } from './panels/section.js';
import { TimingPanel } from './panels/timing-panel.js';
import { readChartTheme, themeKey, type ChartTheme } from './theme.js';
import { connectHost } from './vscode-api.js';

const host = connectHost();
let state: DashboardState = restoreState(host.getState());
let theme: ChartTheme = readChartTheme();
let exportCounter = 0;

const model = new ModelPanel();
const flops = new FlopsPanel();
const memory = new MemoryPanel();
const timing = new TimingPanel();
const fineTune = new FineTunePanel();
const charts = new Map<string, ChartSlot>(
  [flops.chart, memory.chart, timing.histogram, timing.ops, fineTune.loss].map((c) => [c.id, c]),
);

const updated = h('span', { className: 'updated', 'data-field': 'updated' });
const notice = h('span', { className: 'notice', role: 'status', 'data-field': 'notice' });
const refresh = h('vscode-button', { secondary: true, 'data-action': 'refresh' }, 'Refresh');
const exportJson = h('vscode-button', { secondary: true, 'data-action': 'export-json' }, 'Export JSON');
refresh.addEventListener('click', () => host.post({ type: 'refresh' }));
exportJson.addEventListener('click', () => requestExport('json', 'memoryformer-dashboard.json', JSON.stringify({ exportedAt: new Date().toISOString(), ...state }, null, 2)));

const app = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
fill(app,
  h('header', { className: 'toolbar' }, h('h1', {}, 'MemoryFormer performance'), updated, notice, h('span', { className: 'spacer' }), refresh, exportJson),
  model.root, flops.root, memory.root, timing.root, fineTune.root);

function render(): void {
  model.update(state);
  flops.update(state, theme);
  memory.update(state, theme);
  timing.update(state, theme);
  fineTune.update(state, theme);
  updated.textContent = state.stats ? `updated ${new Date(state.stats.sampledAt).toLocaleTimeString('en-GB')}` : '';
  document.body.dataset.ready = 'true';
}

// Several messages in one frame cost one redraw.
let scheduled = false;
function scheduleRender(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    render();
  });
}

function requestExport(format: ExportFormat, suggestedName: string, content: string): void {
  const requestId = `export-${++exportCounter}`;
  host.post({ type: 'export', requestId, format, suggestedName, content });
  notice.textContent = `Saving ${suggestedName}…`;
}

app.addEventListener('dashboard-export', (e) => {
  const { chartId, format } = (e as CustomEvent<ExportEventDetail>).detail;
  const slot = charts.get(chartId);
  if (!slot) return;
  try {
    const content = format === 'png' ? slot.chart.toPng() : slot.chart.toSvg();
    requestExport(format, `memoryformer-${chartId}.${format}`, content);
  } catch (err) {
    notice.textContent = `Cannot export ${chartId}: ${(err as Error).message}`;
  }
});

function onMessage(m: ExtensionToWebview): void {
  if (m.type === 'exported') {
    notice.textContent = m.ok ? (m.message ?? 'Saved.') : `Not saved: ${m.message ?? 'cancelled'}`;
    return;
  }
  state = applyMessage(state, m);
  host.setState(state);
  if (m.type === 'theme') theme = readChartTheme();
  scheduleRender();
}

window.addEventListener('message', (event: MessageEvent) => {
  const v = validateExtensionMessage(event.data);
  if (!v.ok) {
    // A malformed message is dropped; the page keeps what it had.
    console.warn(`MemoryFormer dashboard: ignored a message: ${v.error}`);
    return;
  }
  onMessage(v.message);
});

// VS Code restyles the page on a theme change by rewriting the CSS variables on <html> and the
// class of <body>; charts draw on canvas, so they must re-read the colours and redraw.
const themeWatch = new MutationObserver(() => {
  const next = readChartTheme();
  if (themeKey(next) === themeKey(theme)) return;
  theme = next;
  scheduleRender();
});
themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') host.post({ type: 'refresh' });
});

render();
host.post({ type: 'ready' });
