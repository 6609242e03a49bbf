/**
 * Whole-model decode speed: a MemoryFormer preset against its dense counterpart (same d, layers,
 * heads, vocabulary), random weights, same engine and provider, measured in one run.
 */
import { denseCounterpart, getPreset, type ModelConfig } from '../model/config.js';
import { initWeights, weightSpecs } from '../model/weights.js';
import { fromFloat32 } from '../model/graph-weights.js';
import { ModelRunner } from '../engine/model-runner.js';
import type { ProviderName } from '../engine/ort.js';
import { generate } from '../engine/generate.js';
import { kernelDtypeOf, NativeDecoder } from '../engine/native-decoder.js';
import { KvCache } from '../engine/kv-cache.js';
import { argmax } from '../engine/sampling.js';
import { performance } from 'node:perf_hooks';
import { Rng } from '../util/rng.js';
import { median } from './timing.js';

export interface DecodeBenchRow {
  preset: string;
  arch: ModelConfig['arch'];
  /**
   * 'onnx': the whole model as one ORT graph per token; 'native': the addon's whole-token decoder (one
   * call per token); 'native-layers': the same step layer by layer (3 kernel calls per block, attention
   * in TypeScript, the LM head as an ORT run).
   */
  path: 'onnx' | 'native' | 'native-layers';
  provider: ProviderName;
  threads: number;
  promptTokens: number;
  decodeTokens: number;
  prefillMs: number;
  decodeTokensPerSec: number;
}

export interface DecodeBenchOptions {
  presets: string[];
  provider: ProviderName;
  threads: number;
  promptTokens: number;
  decodeTokens: number;
  reps: number;
  log?: (line: string) => void;
}

async function benchOne(name: string, cfg: ModelConfig, o: DecodeBenchOptions): Promise<DecodeBenchRow> {
  const w = initWeights(cfg, { seed: 1 });
  const gw = fromFloat32(w, new Map(weightSpecs(cfg).map((s) => [s.name, s.shape])));
  const runner = await ModelRunner.create(cfg, gw, { provider: o.provider, intraOpThreads: o.threads, maxContext: o.promptTokens + o.decodeTokens + 1 });
  const rng = new Rng(7);
  const prefill: number[] = [];
  const tps: number[] = [];
  for (let r = 0; r < o.reps + 1; r++) {
    runner.cache.truncate(0);
    const prompt = Array.from({ length: o.promptTokens }, () => rng.int(cfg.vocabSize));
    const res = await generate(runner, prompt, { maxTokens: o.decodeTokens, temperature: 0, topP: 1 });
    if (r === 0) continue; // warm-up
    prefill.push(res.prefillMs);
    // The first generated token comes from the prefill's logits; the rest are decode runs.
    tps.push((res.tokens.length - 1) / (res.decodeMs / 1000));
  }
  await runner.dispose();
  const row: DecodeBenchRow = {
    preset: name,
    arch: cfg.arch,
    path: 'onnx',
    provider: o.provider,
    threads: o.threads,
    promptTokens: o.promptTokens,
    decodeTokens: o.decodeTokens,
    prefillMs: median(prefill),
    decodeTokensPerSec: median(tps),
  };
  o.log?.(`${name} (${cfg.arch}, onnx): prefill ${o.promptTokens} tokens ${row.prefillMs.toFixed(1)} ms, decode ${row.decodeTokensPerSec.toFixed(1)} tokens/s`);
  return row;
}

/**
 * MemoryFormer decoding with the native kernels alone (no model graph: the prompt is fed one token
 * at a time too), so presets too wide for a single ONNX graph can be measured.
 */
async function benchNative(name: string, cfg: ModelConfig, o: DecodeBenchOptions, fused: boolean): Promise<DecodeBenchRow> {
  const w = initWeights(cfg, { seed: 1 });
  const specs = weightSpecs(cfg);
  const gw = fromFloat32(w, new Map(specs.map((s) => [s.name, s.shape])));
  // One kernel thread: one token's rows are read fastest by one core, and an OpenMP team per call
  // fights ORT's own threads on a small machine (measured: 4x slower with 2). `threads` sets ORT's.
  const dec = await NativeDecoder.create(cfg, gw, { threads: 1, session: { intraOpThreads: o.threads }, tableDtype: kernelDtypeOf(cfg.tableDtype), fused });
  w.clear(); // the decoder holds its own (packed) copies
  const cache = new KvCache(cfg.nLayers, cfg.dModel, o.promptTokens + o.decodeTokens + 1);
  const rng = new Rng(7);
  const prefill: number[] = [];
  const tps: number[] = [];
  for (let r = 0; r < o.reps + 1; r++) {
    cache.truncate(0);
    const t0 = performance.now();
    let logits = await dec.prefill(Array.from({ length: o.promptTokens }, () => rng.int(cfg.vocabSize)), cache);
    const t1 = performance.now();
    for (let i = 0; i < o.decodeTokens; i++) logits = await dec.step(argmax(logits), cache);
    const t2 = performance.now();
    if (r === 0) continue;
    prefill.push(t1 - t0);
    tps.push(o.decodeTokens / ((t2 - t1) / 1000));
  }
  await dec.dispose();
  const row: DecodeBenchRow = {
    preset: name, arch: cfg.arch, path: dec.isFused ? 'native' : 'native-layers', provider: 'cpu', threads: o.threads, promptTokens: o.promptTokens,
    decodeTokens: o.decodeTokens, prefillMs: median(prefill), decodeTokensPerSec: median(tps),
  };
  o.log?.(`${name} (${cfg.arch}, native${dec.isFused ? ', one call per token' : ' kernels, layer by layer'}): prompt ${o.promptTokens} tokens one by one ${row.prefillMs.toFixed(1)} ms, decode ${row.decodeTokensPerSec.toFixed(1)} tokens/s`);
  return row;
}

/** Graphs above this many table values are not built (protobuf's 2 GB limit, and build time). */
const MAX_GRAPH_TABLE_VALUES = 100e6;

export async function benchDecode(o: DecodeBenchOptions): Promise<DecodeBenchRow[]> {
  const rows: DecodeBenchRow[] = [];
  for (const name of o.presets) {
    const cfg = getPreset(name);
    const tables = weightSpecs(cfg).filter((s) => s.role === 'table').reduce((a, s) => a + s.shape[0]! * s.shape[1]!, 0);
    if (cfg.arch === 'memoryformer' && o.provider === 'cpu') {
      rows.push(await benchNative(name, cfg, o, true));
      rows.push(await benchNative(name, cfg, o, false));
    }
    if (cfg.arch !== 'memoryformer' || tables <= MAX_GRAPH_TABLE_VALUES) rows.push(await benchOne(name, cfg, o));
    if (cfg.arch === 'memoryformer') rows.push(await benchOne(`${name} dense twin`, denseCounterpart(cfg), o));
  }
  return rows;
}
