import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../model/config.js';
import { initWeights, weightSpecs, type Weights } from '../model/weights.js';
import { loadNative } from '../kernels/native-binding.js';
import { Rng } from '../util/rng.js';
import { GradStep } from './grad-step.js';
import { SegmentedStep } from './segmented-step.js';

const noAddon = !loadNative().addon && 'no native addon';

function zeros(w: Weights): Weights {
  return new Map([...w].map(([n, p]) => [n, new Float32Array(p.length)]));
}

test('the segmented step (Memory Layers in the kernels) gives the loss and gradients of the one-graph step', { skip: noAddon }, async () => {
  // Two blocks (so the residual segment runs), rotary on, every parameter random.
  const cfg = resolveConfig({ arch: 'memoryformer', vocabSize: 61, dModel: 24, nLayers: 2, nHeads: 2, tau: 4, expandBits: 2, maxSeqLen: 16, rotaryFraction: 0.5 });
  const B = 2, S = 7;
  const w = initWeights(cfg, { seed: 11, randomizeAll: true });
  const rng = new Rng(12);
  const ids = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
  const targets = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
  const one = await GradStep.create(cfg, B, S, { intraOpThreads: 1 });
  const seg = await SegmentedStep.create(cfg, B, S, { intraOpThreads: 2 });
  const g1 = zeros(w), g2 = zeros(w);
  const sparse = weightSpecs(cfg).filter((s) => s.role === 'table' || s.role === 'embedding');
  const touched = () => new Map(sparse.map((s) => [s.name, new Uint8Array(s.shape[0]!)]));
  const t1 = touched(), t2 = touched();
  const l1 = await one.accumulate(w, ids, targets, g1, t1);
  const l2 = await seg.accumulate(w, ids, targets, g2, t2);
  for (const s of sparse) {
    assert.deepEqual(t2.get(s.name), t1.get(s.name), `touched rows of ${s.name} (lazy table updates)`);
    assert.ok(t1.get(s.name)!.some((x) => x === 1) && t1.get(s.name)!.some((x) => x === 0), `${s.name}: some rows touched, some not`);
  }
  assert.ok(Math.abs(l1 - l2) <= 1e-5 * Math.abs(l1), `loss ${l2} vs ${l1}`);
  for (const s of weightSpecs(cfg)) {
    const a = g1.get(s.name)!, b = g2.get(s.name)!;
    let num = 0, den = 0;
    for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += a[i]! ** 2; }
    assert.ok(den > 0, `${s.name} has a gradient`);
    assert.ok(Math.sqrt(num / den) < 1e-4, `${s.name}: relative difference ${Math.sqrt(num / den)}`);
  }
  // Accumulating a second micro-batch adds (the trainer's contract).
  await seg.accumulate(w, ids, targets, g2);
  const t = 'blocks.1.ml2.table';
  const a = g1.get(t)!, b = g2.get(t)!;
  for (let i = 0; i < a.length; i += 97) assert.ok(Math.abs(b[i]! - 2 * a[i]!) <= 1e-5 + 1e-4 * Math.abs(a[i]!), `${t}[${i}] doubles`);
  await one.release();
  await seg.release();
});
