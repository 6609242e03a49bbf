/**
 * Measured time: latency percentiles over the session, tokens/s, cache hit rate, the histogram of
 * completion latencies, and where a representative completion spends its time (ORT's profiler, per
 * op type and per block).
 */
import type { DashboardState } from '../dashboard-state.js';
import { figure, fill, h, table } from '../dom.js';
import * as fmt from '../format.js';
import { bucketLabels } from '../histogram.js';
import type { ChartTheme } from '../theme.js';
import { ChartSlot, emptyNote, section } from './section.js';

const CHART_OPS = 8;

export class TimingPanel {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  readonly histogram = new ChartSlot('latency-histogram', 'Completion latency');
  readonly ops = new ChartSlot('op-time', 'Time per op type');

  constructor() {
    ({ root: this.root, body: this.body } = section('timing', 'Measured time'));
  }

  update(s: DashboardState, theme: ChartTheme): void {
    const u = s.stats;
    if (!u) {
      fill(this.body, emptyNote('Waiting for statistics from the language server…'));
      return;
    }
    const st = u.stats;
    const lat = st.latencyMs;
    const tile = (label: string, el: HTMLElement) => h('div', { className: 'tile' }, h('div', { className: 'tile-label' }, label), el);
    const tiles = h('div', { className: 'tiles' },
      tile('p50 latency', figure('span', fmt.ms(lat.p50), lat.p50, 'p50')),
      tile('p95 latency', figure('span', fmt.ms(lat.p95), lat.p95, 'p95')),
      tile('p99 latency', figure('span', fmt.ms(lat.p99), lat.p99, 'p99')),
      tile('mean latency', figure('span', fmt.ms(lat.mean), lat.mean, 'mean')),
      tile('model time p50', figure('span', fmt.ms(st.modelLatencyMs.p50), st.modelLatencyMs.p50, 'model-p50')),
      tile('tokens/s', figure('span', fmt.rate(st.tokensPerSecond), st.tokensPerSecond, 'tokens-per-second')),
      tile('cache hit rate', figure('span', fmt.fractionPercent(st.cache.hitRate), st.cache.hitRate, 'cache-hit-rate')),
      tile('completions', figure('span', `${fmt.count(st.requests.answered)} / ${fmt.count(st.requests.total)}`, st.requests.answered, 'answered')));

    const ops = [...(st.profile?.ops ?? [])].sort((a, b) => b.totalMs - a.totalMs);
    const opTotal = ops.reduce((a, o) => a + o.totalMs, 0);
    const opRows = ops.map((o) => h('tr', { 'data-op': o.op }, h('th', { scope: 'row' }, o.op),
      figure('td', fmt.count(o.calls), o.calls, 'calls'), figure('td', fmt.ms(o.totalMs), o.totalMs, 'total'),
      figure('td', fmt.ms(o.meanMs), o.meanMs, 'mean'), figure('td', fmt.percent((100 * o.totalMs) / opTotal), (100 * o.totalMs) / opTotal, 'share')));
    const layers = [...(u.layerTimes ?? [])].sort((a, b) => a.layer - b.layer);
    const layerTotal = layers.reduce((a, l) => a + l.totalMs, 0);
    const layerRows = layers.map((l) => h('tr', { 'data-layer': String(l.layer) }, h('th', { scope: 'row' }, `block ${l.layer}`),
      figure('td', fmt.count(l.calls), l.calls, 'calls'), figure('td', fmt.ms(l.totalMs), l.totalMs, 'total'),
      figure('td', fmt.percent((100 * l.totalMs) / layerTotal), (100 * l.totalMs) / layerTotal, 'share')));
    const samples = s.latencyHistogram.counts.reduce((a, b) => a + b, 0);

    fill(this.body,
      tiles,
      this.histogram.el,
      h('p', { className: 'note' }, h('span', { 'data-field': 'histogram-count' }, fmt.count(samples)), ' completions binned since the dashboard opened.'),
      h('h3', {}, 'Time per op type (onnxruntime profiler, representative completion)'),
      ops.length ? table(['Op', 'Calls', 'Total', 'Mean', 'Share'], opRows, { 'data-table': 'ops' }) : emptyNote('No profiler data (the engine reports none yet).'),
      ops.length ? this.ops.el : null,
      h('h3', {}, 'Time per block'),
      layers.length ? table(['Block', 'Calls', 'Total', 'Share'], layerRows, { 'data-table': 'layer-times' }) : emptyNote('No per-block timings.'));

    this.histogram.render({
      kind: 'bars',
      title: 'Completion latency (ms), all completions since the dashboard opened',
      categories: bucketLabels(s.latencyHistogram.edgesMs),
      xLabel: 'latency (ms)',
      yLabel: 'completions',
      series: [{ label: 'completions', values: s.latencyHistogram.counts }],
      yFormat: (v) => (Number.isInteger(v) ? String(v) : ''),
    }, theme);
    if (ops.length) {
      // The chart shows the ops that matter; the long tail is summed (the table lists them all).
      const top = ops.slice(0, CHART_OPS);
      const rest = ops.slice(CHART_OPS).reduce((a, o) => a + o.totalMs, 0);
      const shown = rest > 0 ? [...top, { op: 'other', totalMs: rest }] : top;
      this.ops.render({
        kind: 'bars',
        title: 'Time per op type (ms)',
        categories: shown.map((o) => o.op),
        xLabel: 'op',
        yLabel: 'ms',
        series: [{ label: 'total ms', values: shown.map((o) => o.totalMs) }],
        yFormat: (v) => v.toFixed(1),
      }, theme);
    }
  }
}
