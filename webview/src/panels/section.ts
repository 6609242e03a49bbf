/**
 * The frame every panel shares: a collapsible section (vscode-elements) with a body the panel
 * refills, and chart slots with their own PNG / SVG export buttons. Buttons raise a bubbling
 * 'dashboard-export' event; main.ts turns it into an export message (no inline handlers anywhere).
 */
import { Chart, type ChartSpec } from '../charts.js';
import { h } from '../dom.js';
import type { ChartTheme } from '../theme.js';
import type { ExportFormat } from '../../../protocol/webview.js';

export interface ExportEventDetail {
  chartId: string;
  format: ExportFormat;
}

export function section(id: string, heading: string): { root: HTMLElement; body: HTMLElement } {
  const body = h('div', { className: 'panel-body' });
  const root = h('vscode-collapsible', { id: `panel-${id}`, 'data-panel': id, heading, open: true }, body);
  return { root, body };
}

export function emptyNote(text: string): HTMLElement {
  return h('p', { className: 'empty' }, text);
}

/** A titled chart with export buttons. The chart persists across refills of the panel body. */
export class ChartSlot {
  readonly el: HTMLElement;
  readonly chart: Chart;
  private readonly caption: HTMLElement;

  constructor(readonly id: string, title: string) {
    const host = h('div', { className: 'chart-host' });
    this.caption = h('span', { className: 'chart-title' }, title);
    const button = (format: ExportFormat) => {
      const b = h('vscode-button', { secondary: true, 'data-export': format, title: `Save this chart as ${format.toUpperCase()}` }, format.toUpperCase());
      b.addEventListener('click', () => b.dispatchEvent(new CustomEvent<ExportEventDetail>('dashboard-export', { bubbles: true, detail: { chartId: id, format } })));
      return b;
    };
    this.el = h('figure', { className: 'chart', 'data-chart': id }, h('figcaption', {}, this.caption, h('span', { className: 'chart-actions' }, button('png'), button('svg'))), host);
    this.chart = new Chart(host);
  }

  render(spec: ChartSpec, theme: ChartTheme): void {
    this.caption.textContent = spec.title;
    this.chart.render(spec, theme);
  }
}
