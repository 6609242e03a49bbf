/**
 * AdamW (decoupled weight decay, PyTorch semantics) over parameters held in JS Float32Arrays,
 * with global-norm gradient clipping. One fused loop per tensor.
 *
 *   g' = g * scale            (scale = 1/accumulation, times the clip factor)
 *   m = b1 m + (1 - b1) g';   v = b2 v + (1 - b2) g'^2
 *   p = p (1 - lr wd) - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 *
 * Lazy mode (tables and embedding): only rows marked touched are updated, moments included
 * (PyTorch SparseAdam semantics; bias correction uses the global step).
 *
 * The per-element loops run in the native addon when it loaded (server/native/mlk_adamw.c, ~4x
 * faster over a MemoryFormer's tables), else here; both do the same double-precision arithmetic in
 * the same order, so the two are bit-identical (adamw.test.ts checks it).
 */
import { weightSpecs, type WeightSpec, type Weights } from '../model/weights.js';
import { loadNative } from '../kernels/native-binding.js';
import type { ModelConfig } from '../model/config.js';
import type { TrainConfig } from './train-config.js';

export interface OptimizerState {
  /** Optimiser steps taken. */
  step: number;
  m: Weights;
  v: Weights;
}

export function createOptimizerState(weights: Weights): OptimizerState {
  const m: Weights = new Map();
  const v: Weights = new Map();
  for (const [name, p] of weights) {
    m.set(name, new Float32Array(p.length));
    v.set(name, new Float32Array(p.length));
  }
  return { step: 0, m, v };
}

/** Norms and biases are not decayed (GPT-NeoX / Pythia convention). */
export function decays(spec: WeightSpec): boolean {
  return spec.role !== 'bias' && spec.role !== 'norm-scale' && spec.role !== 'norm-bias';
}

/** Rows are sparse-updatable for tables and the embedding. */
export function isSparse(spec: WeightSpec): boolean {
  return spec.role === 'table' || spec.role === 'embedding';
}

/** Where the per-element loops run (default: native when the addon loaded). */
export type OptimizerBackend = 'native' | 'typescript';

function useNative(backend: OptimizerBackend | undefined): boolean {
  if (backend === 'typescript') return false;
  const addon = loadNative().addon;
  // An addon built before the optimiser existed has no adamw: use the TypeScript loops then.
  const has = addon !== null && typeof addon.adamw === 'function';
  if (backend === 'native' && !has) throw new Error(`the native optimiser needs a current build of the addon (node scripts/build-native.mjs): ${loadNative().loadError ?? 'this build has no adamw'}`);
  return has;
}

/** Sum of squares in float64: eight running sums over i mod 8, combined pairwise, then the tail in
 * order (the order mlk_sum_squares uses, so both give the same bits). */
function sumSquaresTs(g: Float32Array): number {
  const a = [0, 0, 0, 0, 0, 0, 0, 0];
  let i = 0;
  for (; i + 8 <= g.length; i += 8) for (let j = 0; j < 8; j++) a[j] = a[j]! + g[i + j]! * g[i + j]!;
  let s = ((a[0]! + a[1]!) + (a[2]! + a[3]!)) + ((a[4]! + a[5]!) + (a[6]! + a[7]!));
  for (; i < g.length; i++) s += g[i]! * g[i]!;
  return s;
}

/** sqrt(sum of squares) of all gradients times `scale` (float64 accumulation, fixed order). */
export function globalNorm(grads: Weights, scale: number, backend?: OptimizerBackend): number {
  const native = useNative(backend) ? loadNative().addon! : null;
  let s = 0;
  for (const g of grads.values()) s += native ? native.sumSquares(g) : sumSquaresTs(g);
  return Math.sqrt(s) * scale;
}

export interface StepStats {
  /** Gradient norm before clipping. */
  gradNorm: number;
  lr: number;
}

export function adamwStep(
  cfg: ModelConfig, tc: TrainConfig, weights: Weights, grads: Weights, state: OptimizerState, lr: number,
  gradScale: number, touched?: Map<string, Uint8Array>, backend?: OptimizerBackend,
): StepStats {
  const native = useNative(backend) ? loadNative().addon! : null;
  const gradNorm = globalNorm(grads, gradScale, native ? 'native' : 'typescript');
  const clip = tc.clipNorm > 0 && gradNorm > tc.clipNorm ? tc.clipNorm / gradNorm : 1;
  const scale = gradScale * clip;
  state.step += 1;
  const t = state.step;
  const { beta1: b1, beta2: b2, eps } = tc;
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (const spec of weightSpecs(cfg)) {
    const p = weights.get(spec.name)!;
    const g = grads.get(spec.name)!;
    const m = state.m.get(spec.name)!;
    const v = state.v.get(spec.name)!;
    const decay = decays(spec) ? 1 - lr * tc.weightDecay : 1;
    const rows = tc.tableUpdate === 'lazy' && isSparse(spec) ? touched?.get(spec.name) : undefined;
    if (native) {
      const params = Float64Array.of(scale, decay, lr, b1, b2, bc1, bc2, eps);
      native.adamw(p, g, m, v, params, rows ?? null, rows ? p.length / rows.length : 0, tc.threads);
    } else if (rows) {
      const width = p.length / rows.length;
      for (let r = 0; r < rows.length; r++) if (rows[r]) update(p, g, m, v, r * width, (r + 1) * width, scale, decay, lr, b1, b2, bc1, bc2, eps);
    } else {
      update(p, g, m, v, 0, p.length, scale, decay, lr, b1, b2, bc1, bc2, eps);
    }
  }
  return { gradNorm, lr };
}

function update(
  p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, from: number, to: number,
  scale: number, decay: number, lr: number, b1: number, b2: number, bc1: number, bc2: number, eps: number,
): void {
  const c1 = 1 - b1;
  const c2 = 1 - b2;
  const stepSize = lr / bc1;
  const invBc2 = 1 / bc2;
  for (let i = from; i < to; i++) {
    const gi = g[i]! * scale;
    const mi = b1 * m[i]! + c1 * gi;
    const vi = b2 * v[i]! + c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * decay - (stepSize * m[i]!) / (Math.sqrt(v[i]! * invBc2) + eps);
  }
}
