/**
 * Training speed of a preset and its dense counterpart on this machine: tokens/s of whole
 * optimiser steps and where a step's time goes (ORT forward+backward graph, adding dense gradient
 * outputs into the buffers, sparse scatter-adds, zeroing, AdamW). Random tokens; never asserted.
 */
import { defaultScatterBackend, type ScatterBackend } from './sparse-grads.js';
import { denseCounterpart, getPreset, type ModelConfig } from '../model/config.js';
import { parameterCount } from '../model/weights.js';
import { Rng } from '../util/rng.js';
import type { ProviderName } from '../engine/ort.js';
import { segmentedByDefault, Trainer } from './trainer.js';
import { defaultTrainConfig, type TableUpdate } from './train-config.js';

export interface BenchTrainOptions {
  presets?: string[];
  batch?: number;
  seq?: number;
  steps?: number;
  threads?: number;
  provider?: ProviderName;
  tableUpdate?: TableUpdate;
  /** Also time MemoryFormer as one ORT graph, and with the table gradients scattered by TypeScript loops (before the kernels). */
  compareScatter?: boolean;
  log?: (line: string) => void;
}

export interface BenchTrainRow {
  preset: string;
  arch: string;
  params: number;
  tableUpdate: TableUpdate;
  scatter: ScatterBackend;
  /** 'segmented': Memory Layers in the kernels; 'graph': one ORT training graph. */
  step: 'graph' | 'segmented';
  batch: number;
  seq: number;
  tokensPerSec: number;
  /** Mean ms per step of each part. */
  msPerStep: { total: number; graph: number; copies: number; scatter: number; kernels: number; zero: number; optimizer: number };
}

async function benchOne(name: string, cfg: ModelConfig, o: Required<Omit<BenchTrainOptions, 'log' | 'presets' | 'compareScatter'>>, scatter: ScatterBackend, step: 'graph' | 'segmented'): Promise<BenchTrainRow> {
  const tc = { ...defaultTrainConfig(cfg), batch: o.batch, seq: o.seq, steps: 1000, threads: o.threads, valFraction: 0, tableUpdate: o.tableUpdate };
  const rng = new Rng(5);
  const tokens = Int32Array.from({ length: o.batch * o.seq * (o.steps + 2) + 1 }, () => rng.int(cfg.vocabSize));
  const tr = await Trainer.create(cfg, tc, tokens, { provider: o.provider, scatter, step });
  await tr.trainStep(); // warm-up: first-run allocations
  const sum = { total: 0, graph: 0, copies: 0, scatter: 0, kernels: 0, zero: 0, optimizer: 0 };
  for (let i = 0; i < o.steps; i++) {
    const r = await tr.trainStep();
    sum.total += r.ms;
    for (const k of ['graph', 'copies', 'scatter', 'kernels', 'zero', 'optimizer'] as const) sum[k] += r.timings[k];
  }
  await tr.release();
  const ms = Object.fromEntries(Object.entries(sum).map(([k, v]) => [k, v / o.steps])) as BenchTrainRow['msPerStep'];
  return { preset: name, arch: cfg.arch, params: parameterCount(cfg).total, tableUpdate: o.tableUpdate, scatter, step, batch: o.batch, seq: o.seq, tokensPerSec: (o.batch * o.seq * 1000) / ms.total, msPerStep: ms };
}

/** Each preset, then its dense counterpart (same d, layers, heads, vocabulary). */
export async function benchTrain(opts: BenchTrainOptions = {}): Promise<BenchTrainRow[]> {
  const o = { batch: opts.batch ?? 8, seq: opts.seq ?? 128, steps: opts.steps ?? 5, threads: opts.threads ?? 2, provider: opts.provider ?? 'cpu', tableUpdate: opts.tableUpdate ?? 'dense' } as const;
  const rows: BenchTrainRow[] = [];
  for (const name of opts.presets ?? ['code-mini']) {
    const cfg = getPreset(name);
    const main = segmentedByDefault(cfg, o.provider) ? 'segmented' : 'graph';
    const runs: [string, ModelConfig, ScatterBackend, 'graph' | 'segmented'][] = [[name, cfg, defaultScatterBackend(), main]];
    if (opts.compareScatter && main === 'segmented') runs.push([`${name} (one graph)`, cfg, defaultScatterBackend(), 'graph']);
    if (opts.compareScatter && cfg.arch === 'memoryformer' && defaultScatterBackend() === 'native') runs.push([`${name} (graph, TS scatter)`, cfg, 'ts', 'graph']);
    if (cfg.arch !== 'dense') runs.push([`${name} (dense twin)`, denseCounterpart(cfg), defaultScatterBackend(), 'graph']);
    for (const [label, c, scatter, step] of runs) {
      const row = await benchOne(label, c, o, scatter, step);
      rows.push(row);
      const m = row.msPerStep;
      opts.log?.(`${label.padEnd(28)} ${c.arch.padEnd(12)} ${(row.params / 1e6).toFixed(1)}M params  ${Math.round(row.tokensPerSec)} tok/s  step ${m.total.toFixed(0)} ms = ORT ${m.graph.toFixed(0)} + copies ${m.copies.toFixed(1)} + scatter ${m.scatter.toFixed(1)} + ML kernels ${m.kernels.toFixed(1)} + zero ${m.zero.toFixed(1)} + AdamW ${m.optimizer.toFixed(1)}`);
    }
  }
  return rows;
}
