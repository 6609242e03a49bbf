/**
 * The model's parameters: their names, shapes and initialisation, derived from the config.
 * One list serves the ONNX graph, the float64 reference, the native kernels, training and the
 * on-disk format, so that all of them agree on what a weight is called and how it is laid out.
 *
 * Layout conventions (documented in docs/MODEL_FORMAT.md):
 * - dense weights are [in, out] (y = x W + b), so they feed MatMul directly;
 * - a Memory Layer table is flat: [K * 2^tau, out], chunk k's rows start at k * 2^tau;
 *   row index within a chunk is sum_i bit_i * 2^i, bit_i = 1 when z_i >= 0.
 */
import { dims, type ModelConfig } from './config.js';
import { Rng } from '../util/rng.js';

export type WeightRole = 'embedding' | 'table' | 'matrix' | 'bias' | 'norm-scale' | 'norm-bias' | 'lm-head';

export interface WeightSpec {
  name: string;
  shape: number[];
  role: WeightRole;
  /** Standard deviation of the normal initialisation; scales are 1 and biases 0. */
  initStd: number;
}

export type Weights = Map<string, Float32Array>;

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Memory Layer table shapes: [K * 2^tau, out]. */
export function tableShape(inWidth: number, tau: number, out: number): number[] {
  return [(inWidth / tau) * 2 ** tau, out];
}

/**
 * Tables read side by side under one hash: each MemoryFormer block's Q, K and V (one index pass
 * serves the three; the graph and the native decoder hold them as one [rows, 3d] table).
 */
export function sideBySideTables(cfg: ModelConfig): string[][] {
  if (cfg.arch !== 'memoryformer') return [];
  return Array.from({ length: cfg.nLayers }, (_, i) => ['q', 'k', 'v'].map((n) => `blocks.${i}.attn.${n}.table`));
}

export function weightSpecs(cfg: ModelConfig): WeightSpec[] {
  const d = cfg.dModel;
  const dm = dims(cfg);
  const specs: WeightSpec[] = [];
  const add = (name: string, shape: number[], role: WeightRole, initStd = 0) => specs.push({ name, shape, role, initStd });
  // Pythia initialises with std 0.02 ("small_init" ~ sqrt(2/(5d)) is close for d~512).
  const std = 0.02;
  // Paper / public code: Q/K/V tables N(0, sqrt(2/(5d))), other tables N(0, 0.02).
  const qkvStd = Math.sqrt(2 / (5 * d));
  add('embed.weight', [cfg.vocabSize, d], 'embedding', std);
  for (let i = 0; i < cfg.nLayers; i++) {
    const p = `blocks.${i}.`;
    if (cfg.arch === 'memoryformer') {
      add(p + 'norm1.weight', [d], 'norm-scale');
      for (const q of ['q', 'k', 'v']) {
        add(`${p}attn.${q}.table`, tableShape(d, cfg.tau, d), 'table', qkvStd);
        add(`${p}attn.${q}.bias`, [d], 'bias');
      }
      add(p + 'norm2.weight', [d], 'norm-scale');
      add(p + 'ml1.table', tableShape(d, cfg.tau, dm.expandedWidth), 'table', std);
      add(p + 'ml1.bias', [dm.expandedWidth], 'bias');
      add(p + 'ln.weight', [dm.expandedWidth], 'norm-scale');
      add(p + 'ln.bias', [dm.expandedWidth], 'norm-bias');
      add(p + 'ml2.table', tableShape(dm.expandedWidth, dm.ml2Tau, d), 'table', std);
      add(p + 'ml2.bias', [d], 'bias');
    } else {
      add(p + 'norm1.weight', [d], 'norm-scale');
      add(p + 'norm1.bias', [d], 'norm-bias');
      for (const q of ['q', 'k', 'v', 'o']) {
        add(`${p}attn.${q}.weight`, [d, d], 'matrix', std);
        add(`${p}attn.${q}.bias`, [d], 'bias');
      }
      add(p + 'norm2.weight', [d], 'norm-scale');
      add(p + 'norm2.bias', [d], 'norm-bias');
      add(p + 'mlp.up.weight', [d, dm.ffnDim], 'matrix', std);
      add(p + 'mlp.up.bias', [dm.ffnDim], 'bias');
      add(p + 'mlp.down.weight', [dm.ffnDim, d], 'matrix', std);
      add(p + 'mlp.down.bias', [d], 'bias');
    }
  }
  add('final_norm.weight', [d], 'norm-scale');
  if (cfg.arch === 'dense') add('final_norm.bias', [d], 'norm-bias');
  add('lm_head.weight', [d, cfg.vocabSize], 'lm-head', std);
  return specs;
}

export interface InitOptions {
  seed: number;
  /**
   * Tests pass true to give biases and norm parameters random values too, so that a
   * mistake in how they are applied cannot hide behind zeros and ones.
   */
  randomizeAll?: boolean;
}

export function initWeights(cfg: ModelConfig, opts: InitOptions): Weights {
  const rng = new Rng(opts.seed);
  const w: Weights = new Map();
  for (const s of weightSpecs(cfg)) {
    const a = new Float32Array(numel(s.shape));
    if (s.role === 'norm-scale') {
      for (let i = 0; i < a.length; i++) a[i] = opts.randomizeAll ? 1 + 0.2 * rng.normal() : 1;
    } else if (s.role === 'bias' || s.role === 'norm-bias') {
      if (opts.randomizeAll) for (let i = 0; i < a.length; i++) a[i] = 0.1 * rng.normal();
    } else {
      for (let i = 0; i < a.length; i++) a[i] = s.initStd * rng.normal();
    }
    w.set(s.name, a);
  }
  return w;
}

export function parameterCount(cfg: ModelConfig): { total: number; tables: number; other: number } {
  let tables = 0;
  let other = 0;
  for (const s of weightSpecs(cfg)) {
    if (s.role === 'table') tables += numel(s.shape);
    else other += numel(s.shape);
  }
  return { total: tables + other, tables, other };
}
