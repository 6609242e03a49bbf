/**
 * The Memory Layer kernels in plain TypeScript, used where the native addon cannot load. Same API
 * and semantics as the native path; it accumulates in float64 and runs on one thread (the
 * `threads` option is ignored), so it is slower (see RESEARCH.md: ~40-60 us per token at d = 512)
 * but deterministic.
 */
import { elementOffset, halfLookup, type MemoryTable } from './table-format.js';

/** Row and weight of each chunk of one token (rows[k] = k * 2^tau + idx, w[k] = p_k). */
function hashToken(x: Float32Array, xo: number, K: number, tau: number, t: number, rows: Int32Array, w: Float64Array): void {
  for (let k = 0; k < K; k++) {
    let idx = 0;
    let p = 1;
    for (let i = 0; i < tau; i++) {
      const z = x[xo + k * tau + i]!;
      if (z >= 0) idx |= 1 << i;
      p /= 1 + Math.exp((-2 * Math.abs(z)) / t);
    }
    rows[k] = (k << tau) + idx;
    w[k] = p;
  }
}

/** Reads dequantised values of one table row into dst (float64), any dtype and layout. */
function readRow(T: MemoryTable, row: number, dst: Float64Array): void {
  const { data, out } = T;
  const scale = T.scales ? T.scales[row]! : 1;
  const half = T.dtype === 'fp16' ? halfLookup() : null;
  if (T.layout === 'row') {
    const o = row * out;
    if (half) for (let j = 0; j < out; j++) dst[j] = half[data[o + j]!]!;
    else for (let j = 0; j < out; j++) dst[j] = data[o + j]! * scale;
    return;
  }
  for (let j = 0; j < out; j++) {
    const v = data[elementOffset(row, j, T.rows, out, T.layout)]!;
    dst[j] = half ? half[v]! : v * scale;
  }
}

export function forwardFallback(
  x: Float32Array, N: number, T: MemoryTable, bias: Float32Array | null, t: number, y: Float32Array,
): void {
  const { K, tau, out } = T;
  const n = K * tau;
  const rows = new Int32Array(K);
  const w = new Float64Array(K);
  const acc = new Float64Array(out);
  const row = new Float64Array(out);
  for (let r = 0; r < N; r++) {
    hashToken(x, r * n, K, tau, t, rows, w);
    for (let j = 0; j < out; j++) acc[j] = bias ? bias[j]! : 0;
    for (let k = 0; k < K; k++) {
      readRow(T, rows[k]!, row);
      const p = w[k]!;
      for (let j = 0; j < out; j++) acc[j] = acc[j]! + p * row[j]!;
    }
    y.set(acc, r * out);
  }
}

export function backwardFallback(
  x: Float32Array, N: number, T: MemoryTable, t: number, dy: Float32Array,
  dx: Float32Array | null, dTable: Float32Array | null, dBias: Float32Array | null,
): void {
  const { K, tau, out } = T;
  const n = K * tau;
  const rows = new Int32Array(K);
  const w = new Float64Array(K);
  const row = new Float64Array(out);
  if (dBias) {
    for (let j = 0; j < out; j++) {
      let s = dBias[j]!;
      for (let r = 0; r < N; r++) s += dy[r * out + j]!;
      dBias[j] = s;
    }
  }
  for (let r = 0; r < N; r++) {
    const xo = r * n;
    const yo = r * out;
    hashToken(x, xo, K, tau, t, rows, w);
    for (let k = 0; k < K; k++) {
      const p = w[k]!;
      if (dTable) {
        const to = rows[k]! * out;
        for (let j = 0; j < out; j++) dTable[to + j] = dTable[to + j]! + p * dy[yo + j]!;
      }
      if (dx) {
        readRow(T, rows[k]!, row);
        let g = 0;
        for (let j = 0; j < out; j++) g += dy[yo + j]! * row[j]!;
        const coef = (g * p * 2) / t;
        for (let i = 0; i < tau; i++) {
          const z = x[xo + k * tau + i]!;
          const e = Math.exp((-2 * Math.abs(z)) / t);
          dx[xo + k * tau + i] = coef * Math.sign(z) * (e / (1 + e));
        }
      }
    }
  }
}
