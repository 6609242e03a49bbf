/**
 * Scatter-adds of the sparse gradients, outside ORT (ORT's ScatterND 'add' loses updates with
 * more than one thread). Plain loops in a fixed order: exact float32 sums, bit-identical at any
 * ORT thread count, and they mark which rows were touched (for lazy optimiser updates).
 */
import { backward as kernelBackward, createMemoryTable } from '../kernels/memory-layer-kernel.js';
import { loadNative } from '../kernels/native-binding.js';

/** grad[ids[n]] += rows[n] for every position n. rows: [N, width]. */
export function scatterEmbedding(grad: Float32Array, width: number, ids: Int32Array, rows: Float32Array, touched?: Uint8Array): void {
  const N = ids.length;
  if (rows.length !== N * width) throw new Error(`scatterEmbedding: ${rows.length} gradient values for ${N} positions of width ${width}`);
  for (let n = 0; n < N; n++) {
    const off = ids[n]! * width;
    const src = n * width;
    for (let i = 0; i < width; i++) grad[off + i] = grad[off + i]! + rows[src + i]!;
    if (touched) touched[ids[n]!] = 1;
  }
}

/**
 * dT[k * rowsPerChunk + idx[n, k]] += p[n, k] * dy[n] (paper Eq. 12). idx, p: [N, K]; dy: [N, out].
 */
export function scatterTable(
  grad: Float32Array, out: number, K: number, rowsPerChunk: number,
  idx: Int32Array, p: Float32Array, dy: Float32Array, touched?: Uint8Array,
): void {
  const N = idx.length / K;
  if (dy.length !== N * out || p.length !== idx.length) throw new Error(`scatterTable: shapes disagree (idx ${idx.length}, p ${p.length}, dy ${dy.length}, K ${K}, out ${out})`);
  for (let n = 0; n < N; n++) {
    const src = n * out;
    for (let k = 0; k < K; k++) {
      const row = k * rowsPerChunk + idx[n * K + k]!;
      const w = p[n * K + k]!;
      const off = row * out;
      for (let o = 0; o < out; o++) grad[off + o] = grad[off + o]! + w * dy[src + o]!;
      if (touched) touched[row] = 1;
    }
  }
}

/** Marks the table rows that idx [N, K] selects. */
export function markTableRows(touched: Uint8Array, K: number, rowsPerChunk: number, idx: Int32Array): void {
  for (let i = 0; i < idx.length; i++) touched[(i % K) * rowsPerChunk + idx[i]!] = 1;
}

/** Marks the table rows a Memory Layer input x [N, K * tau] selects (its sign bits, as the hash does). */
export function markRowsOfInput(touched: Uint8Array, x: Float32Array, K: number, tau: number): void {
  const n = K * tau;
  for (let o = 0; o < x.length; o += n) {
    for (let k = 0; k < K; k++) {
      let idx = 0;
      for (let i = 0; i < tau; i++) if (x[o + k * tau + i]! >= 0) idx |= 1 << i;
      touched[k * 2 ** tau + idx] = 1;
    }
  }
}

export type ScatterBackend = 'native' | 'ts';

/** 'native' when the Memory Layer addon (server/native) loaded, else the TypeScript loops. */
export function defaultScatterBackend(): ScatterBackend {
  return loadNative().addon ? 'native' : 'ts';
}

/**
 * The same table gradient through the native kernel's backward (server/src/kernels): it rehashes
 * the layer input x [N, K*tau] and adds p * dy into each selected row, each thread owning whole
 * chunks and walking tokens in order, so the sums are exact and identical at any thread count.
 */
export function scatterTableNative(
  grad: Float32Array, table: Float32Array, x: Float32Array, K: number, tau: number, out: number,
  temperature: number, dy: Float32Array, threads: number,
): void {
  const N = x.length / (K * tau);
  const T = createMemoryTable(table, { K, tau, out });
  kernelBackward(x, N, T, temperature, dy, { dTable: grad }, { backend: 'native', threads });
}
