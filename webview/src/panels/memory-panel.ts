/** Table memory per layer: the hash tables of Q/K/V, ML1 and ML2 against the dense weights they replace. */
import type { DashboardState } from '../dashboard-state.js';
import { figure, fill, h, table } from '../dom.js';
import * as fmt from '../format.js';
import type { ChartTheme } from '../theme.js';
import { layerPairs } from './layer-pairs.js';
import { ChartSlot, emptyNote, section } from './section.js';

export class MemoryPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  readonly chart = new ChartSlot('table-memory', 'Table memory per layer');

  constructor() {
    ({ root: this.root, body: this.body } = section('memory', 'Table memory'));
  }

  update(s: DashboardState, theme: ChartTheme): void {
    const r = s.flops;
    if (!r) {
      fill(this.body, emptyNote('Waiting for the FLOPs report…'));
      return;
    }
    // Compare in the precision the tables are stored in; dense weights in the same precision.
    const dtype = r.memoryformer.config.tableDtype === 'float16' ? 'fp16' : 'fp32';
    const pairs = layerPairs(r.memoryformer.perBlock.layers, r.dense.perBlock.layers);
    const rows = pairs.map((p) => {
      const t = p.memory?.bytes[dtype];
      const d = p.dense?.bytes[dtype];
      return h('tr', { 'data-layer': p.label },
        h('th', { scope: 'row' }, p.label),
        t === undefined ? h('td', { 'data-field': 'table' }, '—') : figure('td', fmt.bytes(t), t, 'table'),
        d === undefined ? h('td', { 'data-field': 'dense' }, '—') : figure('td', fmt.bytes(d), d, 'dense'),
        t !== undefined && d ? figure('td', fmt.ratio(t / d), t / d, 'ratio') : h('td', { 'data-field': 'ratio' }, '—'));
    });
    const tb = r.memoryformer.perBlock.weightBytes[dtype];
    const db = r.dense.perBlock.weightBytes[dtype];
    rows.push(h('tr', { 'data-row': 'block' }, h('th', { scope: 'row' }, 'Block'),
      figure('td', fmt.bytes(tb), tb, 'table'), figure('td', fmt.bytes(db), db, 'dense'), figure('td', fmt.ratio(tb / db), tb / db, 'ratio')));
    const n = r.memoryformer.blocks.count;
    const tm = r.memoryformer.blocks.weightBytes[dtype];
    const dm = r.dense.blocks.weightBytes[dtype];
    rows.push(h('tr', { 'data-row': 'all-blocks' }, h('th', { scope: 'row' }, `All ${n} blocks`),
      figure('td', fmt.bytes(tm), tm, 'table'), figure('td', fmt.bytes(dm), dm, 'dense'), figure('td', fmt.ratio(tm / dm), tm / dm, 'ratio')));
    fill(this.body,
      h('p', {}, 'Tables stored as ', h('span', { 'data-field': 'dtype' }, dtype), '; dense weights counted in the same precision. ' +
        'A table holds 2^τ rows per hash chunk, so it is larger than the matrix it replaces, but a token reads only one row per chunk.'),
      table(['Layer', 'MemoryFormer table', 'Dense weights', 'Table / dense'], rows, { 'data-table': 'memory-layers' }),
      this.chart.el);
    this.chart.render({
      kind: 'bars',
      title: `Bytes per layer (${dtype}, one block)`,
      categories: pairs.map((p) => p.label),
      xLabel: 'layer',
      yLabel: 'bytes',
      series: [
        { label: 'MemoryFormer table', values: pairs.map((p) => p.memory?.bytes[dtype] ?? null) },
        { label: 'Dense weights', values: pairs.map((p) => p.dense?.bytes[dtype] ?? null) },
      ],
      yFormat: fmt.bytes,
    }, theme);
  }
}
