/** Fine-tuning: live loss curves, speed and ETA while a run goes; the before/after report when it ends. */
import type { DashboardState } from '../dashboard-state.js';
import { figure, fill, h, table } from '../dom.js';
import * as fmt from '../format.js';
import type { ChartTheme } from '../theme.js';
import { ChartSlot, emptyNote, section } from './section.js';
import type { FineTuneEval } from '../../../protocol/webview.js';

export class FineTunePanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  readonly loss = new ChartSlot('loss-curves', 'Loss');

  constructor() {
    ({ root: this.root, body: this.body } = section('finetune', 'Fine-tuning'));
  }

  update(s: DashboardState, theme: ChartTheme): void {
    const ft = s.fineTune;
    const report = s.fineTuneReport;
    if (!ft && !report) {
      fill(this.body, emptyNote('No fine-tuning run yet. Run "MemoryFormer: Fine-tune on Workspace" to start one.'));
      return;
    }
    const parts: (HTMLElement | null)[] = [];
    if (ft) {
      const p = ft.last;
      const bar = h('vscode-progress-bar', { max: p.totalSteps, value: p.step, 'aria-label': 'fine-tuning progress' });
      const lastValid = [...ft.points].reverse().find((x) => x.valid !== undefined)?.valid;
      parts.push(
        bar,
        h('dl', { className: 'facts' },
          h('dt', {}, 'Step'), h('dd', { 'data-field': 'step' }, `${fmt.count(p.step)} / ${fmt.count(p.totalSteps)}`),
          h('dt', {}, 'Train loss'), figure('dd', p.trainLoss.toFixed(4), p.trainLoss, 'train-loss'),
          h('dt', {}, 'Validation loss'), lastValid === undefined ? h('dd', { 'data-field': 'valid-loss' }, '—') : figure('dd', lastValid.toFixed(4), lastValid, 'valid-loss'),
          h('dt', {}, 'Tokens/s'), figure('dd', fmt.rate(p.tokensPerSecond), p.tokensPerSecond, 'ft-tokens-per-second'),
          h('dt', {}, 'Elapsed'), h('dd', { 'data-field': 'elapsed' }, fmt.duration(p.elapsedMs / 1000)),
          h('dt', {}, 'ETA'), h('dd', { 'data-field': 'eta' }, p.etaSeconds === undefined ? '—' : fmt.duration(p.etaSeconds))),
        this.loss.el);
    }
    if (report) parts.push(h('h3', {}, 'Before / after'), reportTable(report.before, report.after),
      h('p', { className: 'note', 'data-field': 'report-summary' },
        `${fmt.count(report.steps)} steps, ${fmt.count(report.trainedTokens)} tokens, ${fmt.duration(report.durationMs / 1000)}.`));
    fill(this.body, ...parts);
    if (ft) {
      this.loss.render({
        kind: 'lines',
        title: `Loss, run ${ft.runId}`,
        x: ft.points.map((p) => p.step),
        xLabel: 'step',
        yLabel: 'loss',
        series: [
          { label: 'train', values: ft.points.map((p) => p.train) },
          { label: 'validation', values: ft.points.map((p) => p.valid ?? null) },
        ],
        yFormat: (v) => v.toFixed(2),
      }, theme);
    }
  }
}

function reportTable(before: FineTuneEval, after: FineTuneEval): HTMLElement {
  const rows: HTMLElement[] = [];
  const row = (label: string, key: string, b: number | undefined, a: number | undefined, show: (v: number) => string) => {
    if (b === undefined || a === undefined) return;
    rows.push(h('tr', { 'data-row': key }, h('th', { scope: 'row' }, label), figure('td', show(b), b, 'before'), figure('td', show(a), a, 'after'),
      figure('td', `${a - b >= 0 ? '+' : ''}${show(a - b)}`, a - b, 'change')));
  };
  row('Validation loss', 'valid-loss', before.validLoss, after.validLoss, (v) => v.toFixed(4));
  row('Perplexity', 'perplexity', before.perplexity, after.perplexity, (v) => v.toFixed(2));
  row('Exact match', 'exact-match', before.exactMatch, after.exactMatch, (v) => fmt.fractionPercent(v));
  row('Edit similarity', 'edit-similarity', before.editSimilarity, after.editSimilarity, (v) => fmt.fractionPercent(v));
  return table(['', 'Before', 'After', 'Change'], rows, { 'data-table': 'fine-tune-report' });
}
