/**
 * The whole training graph (MemoryFormer and dense, tiny configs) against central finite
 * differences of the float64 reference model's mean cross-entropy: loss and the gradient of
 * every parameter tensor (sampled elements; for the embedding and the tables, elements of rows
 * that received a gradient), relative error < 1e-3.
 *
 * Hash buckets: the finite-difference step is 1e-6 and every Memory Layer input of the graph is
 * checked to be at least 1e-4 away from 0 (a 1e-6 step moves them by far less), so no step flips a bucket (a flip would show up as a
 * huge finite difference anyway).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradStep } from './grad-step.js';
import { modelForwardRef } from '../model/reference.js';
import { weightSpecs, type Weights } from '../model/weights.js';
import { Rng } from '../util/rng.js';
import { tinyConfig, graphWeights } from '../../../test/support/tiny-model.js';
import { relativeError } from '../../../test/support/compare.js';
import type { ModelConfig } from '../model/config.js';

const B = 2;
const S = 5;

function refLoss(cfg: ModelConfig, w: Map<string, Float64Array>, ids: Int32Array, targets: Int32Array): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const { logits } = modelForwardRef(cfg, w, [...ids.subarray(b * S, (b + 1) * S)]);
    const V = cfg.vocabSize;
    for (let s = 0; s < S; s++) {
      const row = logits.subarray(s * V, (s + 1) * V);
      let m = -Infinity;
      for (const z of row) m = Math.max(m, z);
      let se = 0;
      for (const z of row) se += Math.exp(z - m);
      total += m + Math.log(se) - row[targets[b * S + s]!]!;
    }
  }
  return total / (B * S);
}

async function checkModel(arch: 'memoryformer' | 'dense', seed: number): Promise<void> {
  const cfg = tinyConfig(arch);
  const { w } = graphWeights(cfg, seed);
  // Sharper attention than the 0.02 init gives: near-uniform attention makes the q/k gradients
  // tiny, and the float32 error of a tiny gradient says nothing about the rule.
  if (arch === 'dense') for (const s of weightSpecs(cfg)) if (/attn\.[qk]\.weight$/.test(s.name)) w.get(s.name)!.forEach((_, i, a) => (a[i]! *= 8));
  const rng = new Rng(seed + 100);
  const ids = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
  const targets = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
  const step = await GradStep.create(cfg, B, S, { intraOpThreads: 1 }, { debug: true });
  const out = await step.run(w, ids, targets);
  // Margin of every Memory Layer input from the hash boundary.
  let minAbs = Infinity;
  for (const name of step.graph.memoryInputs) for (const z of out[name]!.data as Float32Array) minAbs = Math.min(minAbs, Math.abs(z));
  if (arch === 'memoryformer') assert.ok(minAbs > 1e-4, `a Memory Layer input is ${minAbs} from a bucket boundary; pick another seed`);

  const grads: Weights = new Map(weightSpecs(cfg).map((s) => [s.name, new Float32Array(w.get(s.name)!.length)]));
  const loss = await step.accumulate(w, ids, targets, grads);
  await step.release();
  const w64 = new Map([...w].map(([k, v]) => [k, Float64Array.from(v)]));
  const lossRef = refLoss(cfg, w64, ids, targets);
  assert.ok(Math.abs(loss - lossRef) / lossRef < 1e-5, `loss ${loss} vs reference ${lossRef}`);

  const h = 1e-6;
  const worst: string[] = [];
  for (const spec of weightSpecs(cfg)) {
    const g = grads.get(spec.name)!;
    const sparse = spec.role === 'table' || spec.role === 'embedding';
    const candidates = sparse ? [...g.keys()].filter((k) => g[k] !== 0) : [...g.keys()];
    assert.ok(candidates.length > 0, `${spec.name}: no element received a gradient`);
    const picks = rng.shuffle(candidates).slice(0, 6);
    const an: number[] = [];
    const fd: number[] = [];
    for (const k of picks) {
      const p = w64.get(spec.name)!;
      const orig = p[k]!;
      p[k] = orig + h;
      const lp = refLoss(cfg, w64, ids, targets);
      p[k] = orig - h;
      const lm = refLoss(cfg, w64, ids, targets);
      p[k] = orig;
      fd.push((lp - lm) / (2 * h));
      an.push(g[k]!);
    }
    const err = relativeError(an, fd);
    worst.push(`${spec.name} ${err.toExponential(1)}`);
    assert.ok(err < 1e-3, `${arch} ${spec.name}: gradient relative error ${err.toExponential(2)} (analytic ${an.slice(0, 3).map((x) => x.toExponential(3))}, finite differences ${fd.slice(0, 3).map((x) => x.toExponential(3))})`);
  }
  if (process.env.MF_VERBOSE) console.log(worst.join('\n'));
  if (arch === 'memoryformer' && step.scatter === 'native') {
    // The TypeScript scatter path gives the same gradients.
    const tsStep = await GradStep.create(cfg, B, S, { intraOpThreads: 1 }, { scatter: 'ts' });
    const tsGrads: Weights = new Map(weightSpecs(cfg).map((s) => [s.name, new Float32Array(w.get(s.name)!.length)]));
    await tsStep.accumulate(w, ids, targets, tsGrads);
    await tsStep.release();
    for (const s of weightSpecs(cfg)) assert.ok(relativeError(tsGrads.get(s.name)!, grads.get(s.name)!) < 1e-5, `${s.name}: ts and native scatter differ`);
  }
}

test('MemoryFormer training graph: loss and every parameter gradient match finite differences of the float64 reference', async () => {
  await checkModel('memoryformer', 21);
});

test('dense training graph: loss and every parameter gradient match finite differences of the float64 reference', async () => {
  await checkModel('dense', 22);
});
