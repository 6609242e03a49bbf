/**
 * The Memory Layer (MemoryFormer, arXiv 2411.12992, Eqs. 9-12) in plain float64.
 *
 * The input row x (width n) is split into K = n / tau chunks z. Each chunk picks one row of its
 * own 2^tau-row table by its sign bits, weighted by the closed-form softmax probability of that row:
 *   idx(z) = sum_i [z_i >= 0] * 2^i,    p(z) = prod_i sigmoid(2 |z_i| / t)          (Eq. 10)
 *   y = bias + sum_k p(z_k) * table[k * 2^tau + idx(z_k), :]                         (Eq. 11)
 * The table is flat, [K * 2^tau, out], chunk k's rows starting at k * 2^tau.
 */
import { expectLength, expectNonNegativeInt, expectPositiveInt } from './check.js';

export interface ChunkHash {
  /** Row within the chunk's table: bit i set when z_i >= 0. */
  idx: number;
  /** Weight of that row, prod_i sigmoid(2 |z_i| / t). */
  p: number;
}

/** Numerically safe logistic function for any sign of a. */
export function sigmoidRef(a: number): number {
  return a >= 0 ? 1 / (1 + Math.exp(-a)) : Math.exp(a) / (1 + Math.exp(a));
}

/** Hash of the tau values x[offset .. offset + tau - 1] at temperature t. */
export function hashChunkRef(x: ArrayLike<number>, offset: number, tau: number, t: number): ChunkHash {
  let idx = 0;
  let p = 1;
  for (let i = 0; i < tau; i++) {
    const z = x[offset + i]!;
    if (z >= 0) idx += 2 ** i;
    p *= sigmoidRef((2 * Math.abs(z)) / t);
  }
  return { idx, p };
}

function checkShapes(
  fn: string, x: ArrayLike<number>, N: number, n: number, table: ArrayLike<number>, out: number, tau: number, t: number,
): number {
  expectNonNegativeInt(`${fn} N`, N);
  expectPositiveInt(`${fn} n`, n);
  expectPositiveInt(`${fn} out`, out);
  if (!Number.isInteger(tau) || tau < 1 || tau > 24) throw new RangeError(`${fn}: tau must be an integer in [1, 24], got ${tau}`);
  if (n % tau !== 0) throw new RangeError(`${fn}: input width n = ${n} must be a multiple of tau = ${tau} (K = n / tau chunks)`);
  if (!(t > 0)) throw new RangeError(`${fn}: temperature t must be > 0, got ${t}`);
  const K = n / tau;
  expectLength(`${fn} x`, x, N * n, `[${N}, ${n}]`);
  expectLength(`${fn} table`, table, K * 2 ** tau * out, `[K * 2^tau, out] = [${K} * ${2 ** tau}, ${out}] for n = ${n}, tau = ${tau}`);
  return K;
}

/** Memory Layer forward. x: [N, n] row-major; table: [K*2^tau, out]; bias may be null. Returns [N, out]. */
export function memoryLayerRef(
  x: ArrayLike<number>, N: number, n: number, table: ArrayLike<number>,
  bias: ArrayLike<number> | null, out: number, tau: number, t: number,
): Float64Array {
  const K = checkShapes('memoryLayerRef', x, N, n, table, out, tau, t);
  if (bias) expectLength('memoryLayerRef bias', bias, out, `[${out}]`);
  const rows = 2 ** tau;
  const y = new Float64Array(N * out);
  for (let r = 0; r < N; r++) {
    const yo = r * out;
    if (bias) for (let o = 0; o < out; o++) y[yo + o] = bias[o]!;
    for (let k = 0; k < K; k++) {
      const { idx, p } = hashChunkRef(x, r * n + k * tau, tau, t);
      const to = (k * rows + idx) * out;
      for (let o = 0; o < out; o++) y[yo + o] = y[yo + o]! + p * table[to + o]!;
    }
  }
  return y;
}

/**
 * Memory Layer backward per the paper's Eq. 12. dy: [N, out].
 * - dTable is sparse: only each chunk's selected row receives p_k * dy.
 * - dx_ki = <dy, T_k[idx_k]> * dp_k/dz_ki, dp/dz_i = p * (2/t) * sign(z_i) * sigmoid(-2|z_i|/t).
 *   This is the derivative with the bucket held fixed; at z_i = 0 the layer jumps between
 *   buckets and has no derivative (sign(0) = 0 here).
 * - dBias = sum over rows of dy (returned even when the layer has no bias).
 */
export function memoryLayerBackwardRef(
  x: ArrayLike<number>, N: number, n: number, table: ArrayLike<number>,
  out: number, tau: number, t: number, dy: ArrayLike<number>,
): { dx: Float64Array; dTable: Float64Array; dBias: Float64Array } {
  const K = checkShapes('memoryLayerBackwardRef', x, N, n, table, out, tau, t);
  expectLength('memoryLayerBackwardRef dy', dy, N * out, `[${N}, ${out}]`);
  const rows = 2 ** tau;
  const dx = new Float64Array(N * n);
  const dTable = new Float64Array(table.length);
  const dBias = new Float64Array(out);
  for (let r = 0; r < N; r++) {
    const yo = r * out;
    for (let o = 0; o < out; o++) dBias[o] = dBias[o]! + dy[yo + o]!;
    for (let k = 0; k < K; k++) {
      const xo = r * n + k * tau;
      const { idx, p } = hashChunkRef(x, xo, tau, t);
      const to = (k * rows + idx) * out;
      let g = 0; // dL/dp_k = <dy, T_k[idx_k]>
      for (let o = 0; o < out; o++) {
        g += dy[yo + o]! * table[to + o]!;
        dTable[to + o] = dTable[to + o]! + p * dy[yo + o]!;
      }
      for (let i = 0; i < tau; i++) {
        const z = x[xo + i]!;
        dx[xo + i] = g * p * (2 / t) * Math.sign(z) * sigmoidRef((-2 * Math.abs(z)) / t);
      }
    }
  }
  return { dx, dTable, dBias };
}
