/** FLOPs per layer and per block, MemoryFormer against its dense counterpart at the report's context length. */
import type { DashboardState } from '../dashboard-state.js';
import { figure, fill, h, table } from '../dom.js';
import * as fmt from '../format.js';
import type { ChartTheme } from '../theme.js';
import { layerPairs } from './layer-pairs.js';
import { ChartSlot, emptyNote, section } from './section.js';

const saving = (mf: number, dense: number) => (dense === 0 ? 0 : 100 * (1 - mf / dense));

export class FlopsPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  readonly chart = new ChartSlot('flops-per-layer', 'FLOPs per layer');

  constructor() {
    ({ root: this.root, body: this.body } = section('flops', 'FLOPs: MemoryFormer vs dense'));
  }

  update(s: DashboardState, theme: ChartTheme): void {
    const r = s.flops;
    if (!r) {
      fill(this.body, emptyNote('Waiting for the FLOPs report…'));
      return;
    }
    const mf = r.memoryformer;
    const dn = r.dense;
    const pairs = layerPairs(mf.perBlock.layers, dn.perBlock.layers);
    const modelSaving = saving(mf.total.paperFlops, dn.total.paperFlops);
    const headline = h('p', { className: 'headline' },
      'MemoryFormer needs ', figure('span', fmt.percent(modelSaving), modelSaving, 'saving-model-paper'),
      ` ${modelSaving >= 0 ? 'fewer' : 'more'} FLOPs than the dense model of the same size (whole model with LM head, paper formulas, context `,
      h('span', { 'data-field': 'seq-len' }, fmt.count(r.seqLen)), ' tokens).');

    const layerRows = pairs.map((p) => h('tr', { 'data-layer': p.label },
      h('th', { scope: 'row' }, p.label),
      p.memory ? figure('td', fmt.flops(p.memory.flops), p.memory.flops, 'mf') : h('td', { 'data-field': 'mf' }, '—'),
      p.dense ? figure('td', fmt.flops(p.dense.flops), p.dense.flops, 'dense') : h('td', { 'data-field': 'dense' }, '—'),
      p.memory && p.dense ? figure('td', fmt.percent(saving(p.memory.flops, p.dense.flops)), saving(p.memory.flops, p.dense.flops), 'saving') : h('td', { 'data-field': 'saving' }, '—')));

    const row = (label: string, key: string, a: number, b: number) => h('tr', { 'data-row': key },
      h('th', { scope: 'row' }, label), figure('td', fmt.flops(a), a, 'mf'), figure('td', fmt.flops(b), b, 'dense'),
      figure('td', fmt.percent(saving(a, b)), saving(a, b), 'saving'));
    const n = mf.blocks.count;
    const blockRows = [
      row('Block, paper formulas, without attention', 'block-paper-noattn', mf.perBlock.paper.withoutAttention, dn.perBlock.paper.withoutAttention),
      row('Block, paper formulas', 'block-paper', mf.perBlock.paper.total, dn.perBlock.paper.total),
      row('Block, counted from layer shapes', 'block-detailed', mf.perBlock.detailed.total, dn.perBlock.detailed.total),
      row(`Whole model (${n} blocks + LM head), paper`, 'model-paper', mf.total.paperFlops, dn.total.paperFlops),
      row(`Whole model (${n} blocks + LM head), counted`, 'model-detailed', mf.total.detailedFlops, dn.total.detailedFlops),
    ];
    fill(this.body,
      headline,
      h('h3', {}, 'Per layer (one block, counted from layer shapes)'),
      table(['Layer', 'MemoryFormer', 'Dense', 'Saving'], layerRows, { 'data-table': 'flops-layers' }),
      h('h3', {}, 'Per block and whole model'),
      table(['', 'MemoryFormer', 'Dense', 'Saving'], blockRows, { 'data-table': 'flops-blocks' }),
      this.chart.el);
    this.chart.render({
      kind: 'bars',
      title: `FLOPs per layer at ${fmt.count(r.seqLen)} tokens (one block)`,
      categories: pairs.map((p) => p.label),
      xLabel: 'layer',
      yLabel: 'FLOPs',
      series: [
        { label: 'MemoryFormer', values: pairs.map((p) => p.memory?.flops ?? null) },
        { label: 'Dense', values: pairs.map((p) => p.dense?.flops ?? null) },
      ],
      yFormat: fmt.si,
    }, theme);
  }
}
