/**
 * CPU kernels for the Memory Layer (MemoryFormer): the API the engine and the benchmarks use.
 *
 *   const T = createMemoryTable(table, { K, tau, out }, { dtype: 'fp16', layout: 'row' });
 *   forward(x, N, T, bias, t, y);                 // y [N, out] = bias + sum_k p_k T[row_k]
 *   backward(x, N, T, t, dy, { dx, dTable, dBias });
 *
 * Native C kernels (server/native, AVX-512 / AVX2+FMA / portable C chosen at run time, OpenMP
 * threads) are used when the addon loads; otherwise a TypeScript fallback with the same API and
 * semantics. kernelInfo() says which. Results do not depend on the thread count.
 *
 * Choose layout 'row' for decoding (1 token per call) and 'tiled' for many tokens (prefill,
 * training): each is up to several times slower at the other's job (RESEARCH.md section 2).
 */
import { backwardFallback, forwardFallback } from './fallback-kernel.js';
import { loadNative } from './native-binding.js';
import {
  DTYPES, LAYOUTS, MAX_TAU, packTableTs, storedLength,
  type MemoryTable, type TableDtype, type TableLayout,
} from './table-format.js';

export type { MemoryTable, TableDtype, TableLayout } from './table-format.js';

export type KernelBackend = 'native' | 'fallback';

export interface KernelOptions {
  /** Threads for the native kernels (default 1); the fallback always uses one. */
  threads?: number;
  /** Force a backend; default: native when the addon loaded, else fallback. */
  backend?: KernelBackend;
}

export interface KernelInfo {
  backend: KernelBackend;
  /** Instruction-set path in use: 'avx512' | 'avx2' | 'portable', or 'typescript' for the fallback. */
  isa: string;
  /** Paths this CPU can run (native only). */
  supportedIsas: string[];
  openmp: boolean;
  maxThreads: number;
  addonPath: string | null;
  /** Why the native addon is not used (null when it is). */
  fallbackReason: string | null;
}

/** The addon's codes for dtypes and layouts (enum mlk_dtype, enum mlk_layout in server/native/mlk.h). */
export const DTYPE_CODE: Record<TableDtype, number> = { fp32: 0, fp16: 1, int8: 2 };
export const LAYOUT_CODE: Record<TableLayout, number> = { row: 0, tiled: 1 };

export function kernelInfo(): KernelInfo {
  const { addon, path, loadError } = loadNative();
  if (!addon) {
    return {
      backend: 'fallback', isa: 'typescript', supportedIsas: [], openmp: false, maxThreads: 1,
      addonPath: null, fallbackReason: loadError,
    };
  }
  const i = addon.info();
  return {
    backend: 'native', isa: i.isa, supportedIsas: i.supported, openmp: i.openmp, maxThreads: i.maxThreads,
    addonPath: path, fallbackReason: null,
  };
}

/** Selects the native instruction-set path ('avx512' | 'avx2' | 'portable'), e.g. to test each. */
export function setKernelIsa(name: string): void {
  const { addon, loadError } = loadNative();
  if (!addon) throw new Error(`setKernelIsa('${name}'): ${loadError}`);
  if (!addon.setIsa(name)) {
    throw new Error(`setKernelIsa: this CPU cannot run '${name}'; it supports ${addon.info().supported.join(', ')}`);
  }
}

function pickBackend(opts: KernelOptions | undefined): KernelBackend {
  const { addon, loadError } = loadNative();
  if (opts?.backend === 'native' && !addon) throw new Error(`backend 'native' requested but ${loadError}`);
  return opts?.backend ?? (addon ? 'native' : 'fallback');
}

function threadsOf(opts: KernelOptions | undefined): number {
  const t = opts?.threads ?? 1;
  if (!Number.isInteger(t) || t < 1 || t > 256) throw new RangeError(`threads must be an integer in 1..256, got ${t}`);
  return t;
}

function expectF32(what: string, a: unknown, length: number, shape: string): asserts a is Float32Array {
  if (!(a instanceof Float32Array)) throw new TypeError(`${what} must be a Float32Array ${shape}`);
  if (a.length !== length) throw new RangeError(`${what} has ${a.length} values, expected ${length} ${shape}`);
}

/**
 * A table for the kernels from a float32 row-major table [K * 2^tau, out], converted to dtype
 * (fp16: round to nearest even; int8: per-row scale) and layout. fp32 + 'row' keeps `table` itself.
 */
export function createMemoryTable(
  table: Float32Array, shape: { K: number; tau: number; out: number },
  opts: { dtype?: TableDtype; layout?: TableLayout; backend?: KernelBackend } = {},
): MemoryTable {
  const { K, tau, out } = shape;
  const dtype = opts.dtype ?? 'fp32';
  const layout = opts.layout ?? 'row';
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`createMemoryTable: K must be a positive integer, got ${K}`);
  if (!Number.isInteger(tau) || tau < 1 || tau > MAX_TAU) throw new RangeError(`createMemoryTable: tau must be an integer in 1..${MAX_TAU}, got ${tau}`);
  if (!Number.isInteger(out) || out < 1) throw new RangeError(`createMemoryTable: out must be a positive integer, got ${out}`);
  if (!DTYPES.includes(dtype)) throw new RangeError(`createMemoryTable: dtype must be one of ${DTYPES.join(', ')}, got ${dtype}`);
  if (!LAYOUTS.includes(layout)) throw new RangeError(`createMemoryTable: layout must be one of ${LAYOUTS.join(', ')}, got ${layout}`);
  const rows = K * 2 ** tau;
  expectF32('createMemoryTable table', table, rows * out, `[K * 2^tau, out] = [${rows}, ${out}]`);
  if (dtype === 'fp32' && layout === 'row') return { dtype, layout, data: table, scales: null, K, tau, out, rows };
  if (pickBackend({ backend: opts.backend }) === 'fallback') {
    const { data, scales } = packTableTs(table, rows, out, dtype, layout);
    return { dtype, layout, data, scales, K, tau, out, rows };
  }
  const len = storedLength(rows, out, layout);
  const addon = loadNative().addon!;
  // Cache-line aligned: a table row tile that straddles two lines costs one more line per read.
  const data = addon.alignedArray(DTYPE_CODE[dtype], len);
  const scales = dtype === 'int8' ? new Float32Array(rows) : null;
  addon.pack(table, rows, out, DTYPE_CODE[dtype], LAYOUT_CODE[layout], data, scales);
  return { dtype, layout, data, scales, K, tau, out, rows };
}

function checkTable(T: MemoryTable): void {
  const want = T.dtype === 'fp32' ? Float32Array : T.dtype === 'fp16' ? Uint16Array : Int8Array;
  if (!(T.data instanceof want)) throw new TypeError(`MemoryTable: ${T.dtype} data must be a ${want.name}; create tables with createMemoryTable`);
  if (T.data.length !== storedLength(T.rows, T.out, T.layout) || T.rows !== T.K * 2 ** T.tau) {
    throw new RangeError('MemoryTable: data length does not match K, tau, out and layout; create tables with createMemoryTable');
  }
  if (T.dtype === 'int8' && !(T.scales instanceof Float32Array && T.scales.length === T.rows)) {
    throw new RangeError('MemoryTable: int8 tables need scales, a Float32Array of one scale per row');
  }
}

function checkCommon(fn: string, x: Float32Array, N: number, T: MemoryTable, t: number): void {
  if (!Number.isInteger(N) || N < 0) throw new RangeError(`${fn}: N must be a non-negative integer, got ${N}`);
  checkTable(T);
  expectF32(`${fn} x`, x, N * T.K * T.tau, `[N, K * tau] = [${N}, ${T.K * T.tau}]`);
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`${fn}: temperature t must be a finite number > 0, got ${t}`);
}

/** y [N, out] = bias + sum_k p_k table[row_k]; writes into `y` (no allocation) and returns it. */
export function forward(
  x: Float32Array, N: number, table: MemoryTable, bias: Float32Array | null, t: number, y: Float32Array,
  opts?: KernelOptions,
): Float32Array {
  checkCommon('forward', x, N, table, t);
  if (bias !== null) expectF32('forward bias', bias, table.out, `[out] = [${table.out}]`);
  expectF32('forward y', y, N * table.out, `[N, out] = [${N}, ${table.out}]`);
  const threads = threadsOf(opts);
  if (pickBackend(opts) === 'fallback') {
    forwardFallback(x, N, table, bias, t, y);
    return y;
  }
  const T = table;
  loadNative().addon!.forward(x, N, T.data, DTYPE_CODE[T.dtype], LAYOUT_CODE[T.layout], T.scales, T.K, T.tau, T.out, bias, t, y, threads);
  return y;
}

export interface MemoryLayerGrads {
  /** [N, K * tau], overwritten with dL/dx. */
  dx?: Float32Array | null;
  /** [K * 2^tau, out] float32 row-major (whatever the table's dtype/layout): ACCUMULATED into. */
  dTable?: Float32Array | null;
  /** [out]: ACCUMULATED into. */
  dBias?: Float32Array | null;
}

/**
 * Gradients of the Memory Layer (paper Eq. 12) for upstream gradient dy [N, out]: dx is written;
 * dTable and dBias are added to (zero them first; this lets micro-batches accumulate). The
 * table-gradient scatter is exact and deterministic at any thread count.
 */
export function backward(
  x: Float32Array, N: number, table: MemoryTable, t: number, dy: Float32Array, grads: MemoryLayerGrads,
  opts?: KernelOptions,
): void {
  checkCommon('backward', x, N, table, t);
  const { K, tau, out, rows } = table;
  expectF32('backward dy', dy, N * out, `[N, out] = [${N}, ${out}]`);
  const dx = grads.dx ?? null;
  const dTable = grads.dTable ?? null;
  const dBias = grads.dBias ?? null;
  if (dx) expectF32('backward dx', dx, N * K * tau, `[N, K * tau] = [${N}, ${K * tau}]`);
  if (dTable) expectF32('backward dTable', dTable, rows * out, `[K * 2^tau, out] = [${rows}, ${out}]`);
  if (dBias) expectF32('backward dBias', dBias, out, `[out] = [${out}]`);
  const threads = threadsOf(opts);
  if (pickBackend(opts) === 'fallback') {
    backwardFallback(x, N, table, t, dy, dx, dTable, dBias);
    return;
  }
  const T = table;
  loadNative().addon!.backward(x, N, T.data, DTYPE_CODE[T.dtype], LAYOUT_CODE[T.layout], T.scales, K, tau, out, t, dy, dx, dTable, dBias, threads);
}

/** Read bandwidth of this machine in GB/s (a sum over `bytes`, median of reps), native only. */
export function measureReadBandwidth(bytes: number, reps: number, threads: number): number | null {
  const { addon } = loadNative();
  return addon ? addon.readBandwidth(bytes, reps, threads) : null;
}
