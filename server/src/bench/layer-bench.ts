/**
 * The Memory Layer against the dense layer it replaces, both as ONNX graphs in onnxruntime-node,
 * measured side by side in one process: N = 1 and N = 512 tokens, d in {256, 512, 1024, 2048},
 * tau = 8, out = d. Inputs rotate through a pool so neither side runs from one warm input.
 */
import { createSession, type EngineSession, type ProviderName } from '../engine/ort.js';
import { denseLayerGraph, memoryLayerGraph } from '../model/layer-graphs.js';
import { Rng } from '../util/rng.js';
import { median, timeCalls } from './timing.js';

export interface LayerBenchRow {
  d: number;
  tokens: number;
  threads: number;
  provider: ProviderName;
  denseUs: number;
  memoryUs: number;
  /** memory / dense; < 1 means the Memory Layer is faster. */
  ratio: number;
  /** The other ONNX formulation (rows * p, ReduceSum), for the record. */
  memoryReduceSumUs: number;
}

export interface LayerBenchOptions {
  dims: number[];
  tokens: number[];
  threads: number[];
  provider: ProviderName;
  reps: number;
  log?: (line: string) => void;
}

const POOL = 8;

async function timeSession(s: EngineSession, inputs: Float32Array[], N: number, d: number, reps: number): Promise<number> {
  const times = await timeCalls((i) => s.run({ x: { type: 'float32', data: inputs[i % POOL]!, dims: [1, N, d] } }), reps);
  return median(times);
}

export async function benchLayers(o: LayerBenchOptions): Promise<LayerBenchRow[]> {
  const rows: LayerBenchRow[] = [];
  const tau = 8;
  for (const d of o.dims) {
    const rng = new Rng(d);
    const K = d / tau;
    const table = Float32Array.from({ length: K * 2 ** tau * d }, () => 0.02 * rng.normal());
    const weight = Float32Array.from({ length: d * d }, () => 0.02 * rng.normal());
    const bias = Float32Array.from({ length: d }, () => 0.02 * rng.normal());
    const memBytes = memoryLayerGraph({ n: d, out: d, tau, temperature: 1, table, tableDtype: 'float32', bias });
    const memSumBytes = memoryLayerGraph({ n: d, out: d, tau, temperature: 1, table, tableDtype: 'float32', bias, formulation: 'reducesum' });
    const denseBytes = denseLayerGraph(d, d, weight, bias);
    for (const threads of o.threads) {
      const mem = await createSession(memBytes, { provider: o.provider, intraOpThreads: threads });
      const memSum = await createSession(memSumBytes, { provider: o.provider, intraOpThreads: threads });
      const dense = await createSession(denseBytes, { provider: o.provider, intraOpThreads: threads });
      for (const N of o.tokens) {
        const inputs = Array.from({ length: POOL }, () => Float32Array.from({ length: N * d }, () => rng.normal()));
        const reps = N === 1 ? o.reps * 10 : o.reps;
        // Alternate which side runs first so drift of the machine hits both.
        const denseUs = await timeSession(dense, inputs, N, d, reps);
        const memoryUs = await timeSession(mem, inputs, N, d, reps);
        const memoryReduceSumUs = await timeSession(memSum, inputs, N, d, reps);
        const denseUs2 = await timeSession(dense, inputs, N, d, reps);
        const best = Math.min(denseUs, denseUs2);
        const row = { d, tokens: N, threads, provider: o.provider, denseUs: best, memoryUs, ratio: memoryUs / best, memoryReduceSumUs };
        rows.push(row);
        o.log?.(`d=${d} N=${N} threads=${threads}: dense ${row.denseUs.toFixed(1)} us, memory layer ${memoryUs.toFixed(1)} us (ReduceSum form ${memoryReduceSumUs.toFixed(1)} us), ratio ${row.ratio.toFixed(2)}`);
      }
      await mem.release();
      await memSum.release();
      await dense.release();
    }
  }
  return rows;
}
