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
import { Rng } from '../util/rng.js';
import { median } from './timing.js';

export interface DecodeBenchRow {
  preset: string;
  arch: ModelConfig['arch'];
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
    provider: o.provider,
    threads: o.threads,
    promptTokens: o.promptTokens,
    decodeTokens: o.decodeTokens,
    prefillMs: median(prefill),
    decodeTokensPerSec: median(tps),
  };
  o.log?.(`${name} (${cfg.arch}): prefill ${o.promptTokens} tokens ${row.prefillMs.toFixed(1)} ms, decode ${row.decodeTokensPerSec.toFixed(1)} tokens/s`);
  return row;
}

export async function benchDecode(o: DecodeBenchOptions): Promise<DecodeBenchRow[]> {
  const rows: DecodeBenchRow[] = [];
  for (const name of o.presets) {
    const cfg = getPreset(name);
    rows.push(await benchOne(name, cfg, o));
    if (cfg.arch === 'memoryformer') rows.push(await benchOne(`${name} dense twin`, denseCounterpart(cfg), o));
  }
  return rows;
}
