/**
 * Benchmark: the native Memory Layer kernel against ORT's dense MatMul [N, d] x [d, d] in the same
 * process, plus the table-read bandwidth the kernel reaches versus this machine's read bandwidth
 * (a sum over a large buffer in C, measured in the same run). RESEARCH.md section 2 has the method
 * and the figures from the prototype; this reproduces them on the shipped kernels.
 *
 *   node --import tsx server/src/kernels/bench-kernels.ts [--quick]
 *
 * Memory Layer: tau = 8, K = d / 8, out = d; layout 'row' for N = 1 (decode) and 'tiled' for
 * N > 1. Inputs rotate (64 different x at N = 1, 3 at N > 1) so neither side runs from a warm row.
 * Dense time is ORT's MatMul kernel time from its profiler (as in RESEARCH.md; it excludes ORT's
 * ~6 us per-run overhead); the wall time of session.run is reported beside it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession, tensor } from '../engine/ort.js';
import { encodeModel } from '../onnx/encode.js';
import { Graph } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';
import { createMemoryTable, forward, kernelInfo, measureReadBandwidth, type TableDtype } from './memory-layer-kernel.js';

export interface BenchOptions {
  dims?: number[];
  tokens?: number[];
  threads?: number[];
  dtypes?: TableDtype[];
  /** Timed calls per measurement (medians); default 40 at N = 1, 9 above. */
  reps?: number;
  /** Buffer for the read-bandwidth probe (default 1 GiB: larger than any L3). */
  bandwidthBytes?: number;
  log?: (line: string) => void;
}

export interface Result {
  d: number;
  N: number;
  threads: number;
  dtype: TableDtype;
  layout: 'row' | 'tiled';
  /** Median time of one Memory Layer forward call (microseconds). */
  kernelUs: number;
  /** ORT dense MatMul kernel time (profiler) and session.run wall time (microseconds). */
  denseKernelUs: number;
  denseRunUs: number;
  /** kernelUs / denseKernelUs: below 1 the Memory Layer is faster. */
  ratio: number;
  /** Distinct table rows' bytes read per call / kernelUs, and the machine's read bandwidth. */
  tableGBs: number;
  machineGBs: number;
  bandwidthFraction: number;
  /**
   * Many tokens only: the read bandwidth of a plain sum over a buffer of this table's size, warm as
   * the table is between calls (so from L3 where the table fits there, else from memory), and the
   * ratio the kernel would reach reading its distinct rows at that speed with no arithmetic at all:
   * the floor this machine sets for the ratio.
   */
  sameSizeGBs: number | null;
  floorRatio: number | null;
  /**
   * Many tokens only: the same call's arithmetic with almost no memory traffic: a table with the same
   * chunks and columns but tau = 1 (2 rows per chunk, so each tile's rows sit in L1), same dtype,
   * tokens and threads. It does the same number of row reads, conversions and FMAs; its index pass is
   * 8x smaller. Its time over the dense time is the floor the instructions alone set for the ratio.
   */
  arithmeticUs: number | null;
  arithmeticRatio: number | null;
}

const TAU = 8;
const ESIZE: Record<TableDtype, number> = { fp32: 4, fp16: 2, int8: 1 };

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Fast uniform fill in [-scale, scale) (xorshift32): the tables reach 134M values. */
function fillRandom(a: Float32Array, seed: number, scale: number): Float32Array {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    a[i] = (s / 2147483648 - 1) * scale;
  }
  return a;
}

/** Number of distinct table rows the tokens of x select (each is read at least once). */
function distinctRows(xs: Float32Array[], N: number, K: number): number {
  const seen = new Uint8Array(K << TAU);
  let count = 0;
  for (const x of xs.slice(0, 1)) {
    for (let r = 0; r < N; r++) {
      for (let k = 0; k < K; k++) {
        let idx = 0;
        for (let i = 0; i < TAU; i++) if (x[(r * K + k) * TAU + i]! >= 0) idx |= 1 << i;
        const row = (k << TAU) + idx;
        if (!seen[row]) { seen[row] = 1; count++; }
      }
    }
  }
  return count;
}

function timeCalls(fn: (i: number) => void, reps: number, perBatch: number): number {
  for (let i = 0; i < Math.max(3, perBatch); i++) fn(i); // warm-up
  const times: number[] = [];
  let call = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < perBatch; b++) fn(call++);
    times.push(Number(process.hrtime.bigint() - t0) / 1e3 / perBatch);
  }
  return median(times);
}

async function denseTimes(d: number, N: number, threads: number, xs: Float32Array[], reps: number): Promise<{ kernelUs: number; runUs: number }> {
  const g = new Graph(`dense_${d}`);
  const ops = new Ops(g);
  const x = g.input('x', 'float32', [N, d]);
  const W = g.initializer('W', 'float32', [d, d], fillRandom(new Float32Array(d * d), 99, 0.05));
  g.output(ops.matmul(x, W), 'y', 'float32', [N, d]);
  const model = encodeModel(g);
  const dir = mkdtempSync(join(tmpdir(), 'mlk-bench-'));
  try {
    const s = await createSession(model, { provider: 'cpu', intraOpThreads: threads, optimization: 'basic', profileFilePrefix: join(dir, 'p') });
    const feeds = xs.map((v) => ({ x: tensor('float32', v, [N, d]) }));
    for (let i = 0; i < 3; i++) await s.run(feeds[i % feeds.length]!);
    const wall: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = process.hrtime.bigint();
      await s.run(feeds[r % feeds.length]!);
      wall.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    const file = await s.endProfiling();
    await s.release();
    const events = JSON.parse(readFileSync(file!, 'utf8')) as { cat?: string; dur?: number; args?: { op_name?: string } }[];
    const durs = events.filter((e) => e.cat === 'Node' && e.args?.op_name === 'MatMul' && typeof e.dur === 'number').map((e) => e.dur!);
    if (durs.length < reps) throw new Error(`ORT profile has ${durs.length} MatMul events, expected >= ${reps}`);
    return { kernelUs: median(durs.slice(-reps)), runUs: median(wall) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchKernels(opts: BenchOptions = {}): Promise<Result[]> {
  const dims = opts.dims ?? [512, 1024, 2048];
  const tokens = opts.tokens ?? [1, 512];
  const threadList = opts.threads ?? [1, 2];
  const dtypes = opts.dtypes ?? ['fp32', 'fp16', 'int8'];
  const log = opts.log ?? ((l: string) => console.log(l));
  const info = kernelInfo();
  if (info.backend !== 'native') throw new Error(`benchKernels needs the native addon: ${info.fallbackReason}`);
  log(`Memory Layer kernels: native ${info.isa} (supported ${info.supportedIsas.join(', ')}), openmp ${info.openmp}, tau ${TAU}`);

  const machine = new Map<number, number>();
  for (const th of threadList) machine.set(th, measureReadBandwidth(opts.bandwidthBytes ?? 2 ** 30, 7, th)!);
  log(`read bandwidth (sum over ${((opts.bandwidthBytes ?? 2 ** 30) / 2 ** 20).toFixed(0)} MiB): ` +
    threadList.map((th) => `${th}t ${machine.get(th)!.toFixed(1)} GB/s`).join(', '));

  const results: Result[] = [];
  for (const d of dims) {
    const K = d / TAU, out = d, rows = K << TAU;
    const table32 = fillRandom(new Float32Array(rows * out), d, 0.05);
    for (const N of tokens) {
      const layout = N === 1 ? 'row' as const : 'tiled' as const;
      const xs = Array.from({ length: N === 1 ? 64 : 3 }, (_, i) => fillRandom(new Float32Array(N * d), 1000 + i, 1));
      const reps = opts.reps ?? (N === 1 ? 40 : 9);
      const perBatch = N === 1 ? 16 : 1;
      const distinct = distinctRows(xs, N, K);
      // The arithmetic-only probe: the same K chunks and out columns with tau = 1 (see Result).
      const arithmetic = {
        xs: N > 1 ? xs.map((_, i) => fillRandom(new Float32Array(N * K), 2000 + i, 1)) : [],
        tables: new Map(N > 1 ? dtypes.map((dt) => [dt, createMemoryTable(fillRandom(new Float32Array(2 * K * out), d + 1, 0.05), { K, tau: 1, out }, { dtype: dt, layout })] as const) : []),
      };
      for (const dtype of dtypes) {
        const T = createMemoryTable(table32, { K, tau: TAU, out }, { dtype, layout });
        const y = new Float32Array(N * out);
        for (const threads of threadList) {
          const kernelUs = timeCalls((i) => forward(xs[i % xs.length]!, N, T, null, 1, y, { threads }), reps, perBatch);
          const dense = await denseTimes(d, N, threads, xs, N === 1 ? Math.max(reps, 40) : reps);
          const readBytes = distinct * out * ESIZE[dtype];
          const tableGBs = readBytes / (kernelUs * 1e3);
          const machineGBs = machine.get(threads)!;
          const sameSizeGBs = N > 1 ? measureReadBandwidth(T.data.byteLength, 9, threads)! : null;
          const arithmeticUs = N > 1 ? timeCalls((i) => forward(arithmetic.xs[i % arithmetic.xs.length]!, N, arithmetic.tables.get(dtype)!, null, 1, y, { threads }), reps, perBatch) : null;
          results.push({
            d, N, threads, dtype, layout, kernelUs, denseKernelUs: dense.kernelUs, denseRunUs: dense.runUs,
            ratio: kernelUs / dense.kernelUs, tableGBs, machineGBs, bandwidthFraction: tableGBs / machineGBs,
            sameSizeGBs, floorRatio: sameSizeGBs ? readBytes / (sameSizeGBs * 1e3) / dense.kernelUs : null,
            arithmeticUs, arithmeticRatio: arithmeticUs === null ? null : arithmeticUs / dense.kernelUs,
          });
          log(formatRow(results[results.length - 1]!));
        }
      }
    }
  }
  return results;
}

export const HEADER = '   d     N  thr dtype layout   kernel us  dense us (run us)  ratio   table GB/s  of machine  same-size sum GB/s  floor ratio  arithmetic us  its ratio';

export function formatRow(r: Result): string {
  return `${String(r.d).padStart(4)} ${String(r.N).padStart(5)} ${String(r.threads).padStart(4)} ${r.dtype.padEnd(5)} ${r.layout.padEnd(6)} ` +
    `${r.kernelUs.toFixed(1).padStart(10)} ${r.denseKernelUs.toFixed(1).padStart(9)} (${r.denseRunUs.toFixed(1).padStart(7)})  ` +
    `${r.ratio.toFixed(2).padStart(5)}  ${r.tableGBs.toFixed(1).padStart(10)}  ${(100 * r.bandwidthFraction).toFixed(0).padStart(9)}%` +
    (r.sameSizeGBs === null ? '' : `  ${r.sameSizeGBs.toFixed(1).padStart(18)}  ${r.floorRatio!.toFixed(2).padStart(11)}`) +
    (r.arithmeticUs === null ? '' : `  ${r.arithmeticUs.toFixed(1).padStart(13)}  ${r.arithmeticRatio!.toFixed(2).padStart(9)}`);
}
