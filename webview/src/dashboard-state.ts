/**
 * What the page knows, as one plain JSON object: saved with vscode.setState after every change so
 * the dashboard looks the same when VS Code recreates a hidden panel, and exported as-is by
 * "Export JSON". Messages are applied by a pure function (easy to test, no DOM).
 */
import type { DashboardFlopsReport, ExtensionToWebview, FineTuneProgress, FineTuneReport, StatsUpdate } from '../../protocol/webview.js';
import { addSamples, emptyHistogram, type Histogram } from './histogram.js';

export const STATE_VERSION = 1;

/** Loss curve points kept per run; beyond this every other point is dropped (the curve keeps its shape). */
export const MAX_LOSS_POINTS = 4000;

export interface LossPoint {
  step: number;
  train: number;
  valid?: number;
}

export interface DashboardState {
  version: number;
  stats?: StatsUpdate;
  flops?: DashboardFlopsReport;
  /** Completion latencies binned since the page first opened (survives hiding). */
  latencyHistogram: Histogram;
  fineTune?: { runId: string; last: FineTuneProgress; points: LossPoint[] };
  fineTuneReport?: FineTuneReport;
  theme?: string;
}

export function initialState(): DashboardState {
  return { version: STATE_VERSION, latencyHistogram: emptyHistogram() };
}

/** Restores saved state; anything from another version or not shaped like state starts afresh. */
export function restoreState(saved: unknown): DashboardState {
  if (typeof saved !== 'object' || saved === null) return initialState();
  const s = saved as Partial<DashboardState>;
  const h = s.latencyHistogram;
  if (s.version !== STATE_VERSION || !h || !Array.isArray(h.counts) || !Array.isArray(h.edgesMs) || h.counts.length !== h.edgesMs.length) {
    return initialState();
  }
  return s as DashboardState;
}

/** Halves a point list by dropping every other point, always keeping the last one. */
function thin(points: LossPoint[]): LossPoint[] {
  const out = points.filter((_, i) => i % 2 === 0);
  const last = points[points.length - 1];
  if (last && out[out.length - 1] !== last) out.push(last);
  return out;
}

function addProgress(prev: DashboardState['fineTune'], p: FineTuneProgress): NonNullable<DashboardState['fineTune']> {
  const points = prev && prev.runId === p.runId ? [...prev.points] : [];
  const point: LossPoint = { step: p.step, train: p.trainLoss };
  if (p.validLoss !== undefined) point.valid = p.validLoss;
  const last = points[points.length - 1];
  if (last && last.step === p.step) points[points.length - 1] = { ...last, ...point };
  else if (!last || p.step > last.step) points.push(point);
  return { runId: p.runId, last: p, points: points.length > MAX_LOSS_POINTS ? thin(points) : points };
}

/** The state after one (validated) message. `exported` changes nothing here; the page shows it as a notice. */
export function applyMessage(s: DashboardState, m: ExtensionToWebview): DashboardState {
  switch (m.type) {
    case 'stats': {
      const { type: _t, latencySamplesMs, ...update } = m;
      return {
        ...s,
        stats: update,
        latencyHistogram: latencySamplesMs?.length ? addSamples(s.latencyHistogram, latencySamplesMs) : s.latencyHistogram,
      };
    }
    case 'flops':
      return { ...s, flops: m.report };
    case 'fineTuneProgress': {
      // A new run clears the previous run's report.
      const newRun = s.fineTune?.runId !== m.progress.runId;
      const next = { ...s, fineTune: addProgress(s.fineTune, m.progress) };
      if (newRun && s.fineTuneReport?.runId !== m.progress.runId) delete next.fineTuneReport;
      return next;
    }
    case 'fineTuneReport':
      return { ...s, fineTuneReport: m.report };
    case 'theme':
      return { ...s, theme: m.kind };
    case 'exported':
      return s;
  }
}
