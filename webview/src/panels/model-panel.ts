/** Model: what is loaded, where it runs, how big it is, and what the server process holds. */
import type { DashboardState } from '../dashboard-state.js';
import { figure, fill, h } from '../dom.js';
import * as fmt from '../format.js';
import { emptyNote, section } from './section.js';

export class ModelPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;

  constructor() {
    ({ root: this.root, body: this.body } = section('model', 'Model'));
  }

  update(s: DashboardState): void {
    const model = s.stats?.stats.model;
    const report = s.flops;
    if (!model && !report && !s.stats) {
      fill(this.body, emptyNote('Waiting for the language server…'));
      return;
    }
    const rows: [string, HTMLElement][] = [];
    const text = (label: string, field: string, value: string) => rows.push([label, h('dd', { 'data-field': field }, value)]);
    text('Preset', 'preset', model?.preset ?? report?.preset ?? '—');
    text('Architecture', 'arch', model?.arch ?? report?.subject ?? '—');
    text('Provider', 'provider', model?.provider ?? '—');
    if (model) text('Context', 'context', `${fmt.count(model.maxContext)} tokens`);
    if (report) {
      const account = report[report.subject];
      rows.push(['Parameters', figure('dd', fmt.si(account.total.params), account.total.params, 'params')]);
      const mf = report.memoryformer;
      const stored = mf.config.tableDtype === 'float16' ? 'fp16' : mf.config.tableDtype === 'int8' ? 'int8' : 'fp32';
      for (const dtype of ['fp32', 'fp16', 'int8'] as const) {
        const b = mf.blocks.weightBytes[dtype];
        const dd = figure('dd', fmt.bytes(b), b, `tables-${dtype}`);
        if (dtype === stored) dd.append(h('span', { className: 'tag', 'data-field': 'tables-stored' }, 'as stored'));
        rows.push([`Table memory (${dtype})`, dd]);
      }
    }
    if (s.stats) {
      const m = s.stats.stats.memory;
      rows.push(['Process memory (RSS)', figure('dd', fmt.bytes(m.rssBytes), m.rssBytes, 'rss')]);
      rows.push(['JS heap used', figure('dd', fmt.bytes(m.heapUsedBytes), m.heapUsedBytes, 'heap')]);
      text('Server uptime', 'uptime', fmt.duration(s.stats.stats.uptimeMs / 1000));
    }
    const mismatch = model && report?.preset && report.preset !== model.preset
      ? h('p', { className: 'warning', 'data-field': 'preset-mismatch' }, `The FLOPs figures below are for preset ${report.preset}; the loaded model is ${model.preset}.`)
      : null;
    fill(this.body, mismatch, h('dl', { className: 'facts' }, ...rows.flatMap(([label, dd]) => [h('dt', {}, label), dd])), executionTable(s));
  }
}

/** Where each layer runs, per phase, with which weights (the server's execution plan). */
function executionTable(s: DashboardState): HTMLElement | null {
  const plan = s.stats?.stats.profile?.execution;
  if (!plan?.length) return null;
  const cell = (text: string) => h('td', {}, text);
  return h('table', { className: 'execution', 'data-field': 'execution' },
    h('caption', {}, 'Where each layer runs'),
    h('thead', {}, h('tr', {}, ...['Phase', 'Layers', 'Engine', 'Weights'].map((t) => h('th', {}, t)))),
    h('tbody', {}, ...plan.map((r) => h('tr', {}, cell(r.phase), cell(r.layers), cell(r.engine), cell(r.dtype)))));
}
