/**
 * Charts, drawn with uPlot: a ~50 KB canvas library that draws thousands of points in a few
 * milliseconds and updates in place (setData), which suits a panel that refreshes every few seconds
 * inside an editor. (Chart.js is ~4x the size; SVG-based libraries slow down with long loss curves.)
 * Two kinds are enough here: grouped bars over named categories, and lines over a numeric x.
 * Colours and fonts come from the VS Code theme (theme.ts); a theme change rebuilds the chart.
 */
import uPlot from 'uplot';
import type { ChartTheme } from './theme.js';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export interface ChartSpec {
  kind: 'bars' | 'lines';
  title: string;
  /** bars: one label per category (x = 0, 1, ...). */
  categories?: string[];
  /** lines: the x values. */
  x?: number[];
  xLabel: string;
  yLabel: string;
  series: ChartSeries[];
  /** Tick labels on the y axis. */
  yFormat?: (v: number) => string;
}

const HEIGHT = 240;

function xValues(spec: ChartSpec): number[] {
  return spec.kind === 'bars' ? (spec.categories ?? []).map((_, i) => i) : spec.x ?? [];
}

function barsPaths(i: number, n: number): uPlot.Series.PathBuilder {
  // Grouped bars: with two series the first sits left of the category's centre, the second right of it.
  if (n === 1) return uPlot.paths.bars!({ size: [0.6, 80], align: 0 });
  return uPlot.paths.bars!({ size: [0.8 / n, 60], align: i === 0 ? -1 : 1 });
}

function options(spec: ChartSpec, theme: ChartTheme, width: number): uPlot.Options {
  const bars = spec.kind === 'bars';
  const n = spec.categories?.length ?? 0;
  const axis = (label: string): uPlot.Axis => ({
    label,
    stroke: theme.foreground,
    font: theme.font,
    labelFont: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
  });
  return {
    width,
    height: HEIGHT,
    legend: { show: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: bars ? { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] } : { time: false },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
    },
    axes: [
      bars
        ? { ...axis(spec.xLabel), splits: () => (spec.categories ?? []).map((_, i) => i), values: (_u, splits) => splits.map((i) => spec.categories?.[i] ?? '') }
        : axis(spec.xLabel),
      { ...axis(spec.yLabel), size: 70, values: (_u, splits) => splits.map((v) => (spec.yFormat ? spec.yFormat(v) : String(v))) },
    ],
    series: [
      { label: spec.xLabel },
      ...spec.series.map((s, i): uPlot.Series => {
        const color = theme.series[i % theme.series.length]!;
        return bars
          ? { label: s.label, stroke: color, fill: color, width: 0, paths: barsPaths(i, spec.series.length), points: { show: false } }
          : { label: s.label, stroke: color, width: 2, spanGaps: true, points: { show: s.values.filter((v) => v !== null).length < 40 } };
      }),
    ],
  };
}

export class Chart {
  private plot: uPlot | undefined;
  private spec: ChartSpec | undefined;
  private theme: ChartTheme | undefined;
  private readonly resize: ResizeObserver;

  constructor(readonly host: HTMLElement) {
    this.resize = new ResizeObserver(() => {
      const w = this.width();
      if (this.plot && Math.abs(this.plot.width - w) > 1) this.plot.setSize({ width: w, height: HEIGHT });
    });
    this.resize.observe(host);
  }

  private width(): number {
    return Math.max(240, Math.floor(this.host.clientWidth || 480));
  }

  /** Draws `spec`; rebuilds the chart when the theme or the shape (series, categories) changed, else updates data in place. */
  render(spec: ChartSpec, theme: ChartTheme): void {
    const sameShape =
      this.plot && this.spec && this.theme === theme && this.spec.kind === spec.kind &&
      JSON.stringify(this.spec.categories) === JSON.stringify(spec.categories) &&
      this.spec.series.map((s) => s.label).join('\n') === spec.series.map((s) => s.label).join('\n');
    this.spec = spec;
    this.theme = theme;
    const data = [xValues(spec), ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
    if (sameShape) {
      this.plot!.setData(data);
      return;
    }
    this.plot?.destroy();
    this.plot = new uPlot(options(spec, theme, this.width()), data, this.host);
  }

  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  /** The chart as a PNG data URL, on the theme's background (the canvas itself is transparent). */
  toPng(): string {
    const c = this.canvas;
    if (!c || !this.theme) throw new Error('the chart has not been drawn yet');
    const out = document.createElement('canvas');
    out.width = c.width;
    out.height = c.height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(c, 0, 0);
    return out.toDataURL('image/png');
  }

  /** The chart as SVG text: the same series, scales and theme colours, drawn as vectors. */
  toSvg(): string {
    if (!this.plot || !this.spec || !this.theme) throw new Error('the chart has not been drawn yet');
    return chartSvg(this.plot, this.spec, this.theme);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Vector version of a drawn uPlot chart, using its scales so it matches the canvas. */
function chartSvg(u: uPlot, spec: ChartSpec, theme: ChartTheme): string {
  const { left, top, width, height } = u.bbox;
  const dpr = u.ctx.canvas.width / u.width || 1;
  // bbox is in canvas pixels; convert to CSS pixels.
  const L = left / dpr, T = top / dpr, W = width / dpr, H = height / dpr;
  const legendH = 24;
  const totalW = u.width, totalH = u.height + legendH;
  const xs = xValues(spec);
  const px = (v: number) => u.valToPos(v, 'x');
  const py = (v: number) => u.valToPos(v, 'y');
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${totalW}" height="${totalH}" fill="${esc(theme.background)}"/>`);
  const yMin = u.scales.y!.min ?? 0, yMax = u.scales.y!.max ?? 1;
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    const y = T + py(v);
    parts.push(`<line x1="${L}" x2="${L + W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${esc(theme.grid)}"/>`);
    parts.push(`<text x="${L - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(spec.yFormat ? spec.yFormat(v) : v.toPrecision(3))}</text>`);
  }
  const nSeries = spec.series.length;
  spec.series.forEach((s, si) => {
    const color = esc(theme.series[si % theme.series.length]!);
    if (spec.kind === 'bars') {
      const slot = xs.length > 1 ? px(1) - px(0) : W;
      const bw = (slot * 0.8) / Math.max(1, nSeries);
      s.values.forEach((v, i) => {
        if (v === null) return;
        const x = L + px(i) - (nSeries === 1 ? bw / 2 : si === 0 ? bw : 0);
        const y = T + py(v);
        parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${bw.toFixed(1)}" height="${(T + py(yMin) - y).toFixed(1)}" fill="${color}"/>`);
      });
    } else {
      const pts = s.values.flatMap((v, i) => (v === null || xs[i] === undefined ? [] : [`${(L + px(xs[i]!)).toFixed(1)},${(T + py(v)).toFixed(1)}`]));
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    }
    parts.push(`<rect x="${L + si * 160}" y="${u.height + 8}" width="10" height="10" fill="${color}"/><text x="${L + si * 160 + 14}" y="${u.height + 17}">${esc(s.label)}</text>`);
  });
  if (spec.kind === 'bars') {
    (spec.categories ?? []).forEach((c, i) => parts.push(`<text x="${(L + px(i)).toFixed(1)}" y="${T + H + 16}" text-anchor="middle">${esc(c)}</text>`));
  }
  parts.push(`<line x1="${L}" x2="${L + W}" y1="${T + H}" y2="${T + H}" stroke="${esc(theme.foreground)}"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${totalW}" height="${totalH}" viewBox="0 0 ${totalW} ${totalH}" font-family="sans-serif" font-size="11" fill="${esc(theme.foreground)}">` +
    `<title>${esc(spec.title)}</title>${parts.join('')}</svg>`;
}
