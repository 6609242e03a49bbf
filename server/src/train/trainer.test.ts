/**
 * The training loop end to end on a tiny model: bit-identical losses for the same seed at 2 ORT
 * threads, and both architectures learn (training loss well below the corpus' unigram entropy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trainer } from './trainer.js';
import { defaultTrainConfig, type TrainConfig } from './train-config.js';
import { getPreset, type ModelConfig } from '../model/config.js';
import { syntheticCode, unigramEntropy } from '../../../test/train/synthetic-corpus.js';

export function tinyTrainModel(arch: 'memoryformer' | 'dense'): ModelConfig {
  return { ...getPreset('code-mini'), arch, vocabSize: 128, dModel: 48, nHeads: 4, nLayers: 2, tau: 4, expandBits: 2, rotaryFraction: 0.5, tableDtype: 'float32' };
}

export function tinyTrainConfig(cfg: ModelConfig, steps: number): TrainConfig {
  return { ...defaultTrainConfig(cfg), batch: 8, seq: 32, steps, threads: 2 };
}

async function losses(cfg: ModelConfig, tc: TrainConfig, tokens: Int32Array, steps: number): Promise<number[]> {
  const tr = await Trainer.create(cfg, tc, tokens);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) out.push((await tr.trainStep()).loss);
  await tr.release();
  return out;
}

test('two runs with the same seed give bit-identical losses for 20 steps (2 intra-op threads, both architectures)', async () => {
  const tokens = syntheticCode(20000, 3);
  for (const arch of ['memoryformer', 'dense'] as const) {
    const cfg = tinyTrainModel(arch);
    const tc = { ...tinyTrainConfig(cfg, 20), accumulation: 2 };
    const a = await losses(cfg, tc, tokens, 20);
    const b = await losses(cfg, tc, tokens, 20);
    assert.deepEqual(a, b, `${arch}: losses differ between identical runs`);
    assert.ok(a[19]! < a[0]!, `${arch}: loss did not move (${a[0]} -> ${a[19]})`);
  }
});

test('MemoryFormer and dense drive the training loss below half the unigram entropy within 300 steps (tiny model, seq 32)', async () => {
  const tokens = syntheticCode(60000, 4);
  const H = unigramEntropy(tokens, 128);
  for (const arch of ['memoryformer', 'dense'] as const) {
    const cfg = tinyTrainModel(arch);
    const l = await losses(cfg, tinyTrainConfig(cfg, 300), tokens, 300);
    const last = l.slice(-20).reduce((a, b) => a + b, 0) / 20;
    if (process.env.MF_VERBOSE) console.log(`${arch}: unigram entropy ${H.toFixed(3)} nats, first loss ${l[0]!.toFixed(3)}, mean of last 20 ${last.toFixed(3)}`);
    assert.ok(last < 0.5 * H, `${arch}: mean training loss of the last 20 steps ${last.toFixed(3)} is not below 0.5 x unigram entropy ${H.toFixed(3)}`);
  }
});
