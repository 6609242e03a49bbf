import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../model/config.js';
import { initWeights, weightSpecs, type Weights } from '../model/weights.js';
import { loadNative } from '../kernels/native-binding.js';
import { Rng } from '../util/rng.js';
import { adamwStep, createOptimizerState, decays, globalNorm, type OptimizerBackend } from './adamw.js';
import { defaultTrainConfig } from './train-config.js';

// tau 8 at d 64: tables of 131,072 values, above the native optimiser's one-thread limit, so its threads run.
const cfg = resolveConfig({ arch: 'memoryformer', vocabSize: 50, dModel: 64, nLayers: 2, nHeads: 2, tau: 8, maxSeqLen: 16 });
const noAddon = !loadNative().addon && 'no native addon';

function randomGrads(w: Weights, rng: Rng, scale: number): Weights {
  return new Map([...w].map(([n, p]) => [n, Float32Array.from(p, () => (rng.next() * 2 - 1) * scale)]));
}

function clone(w: Weights): Weights {
  return new Map([...w].map(([n, p]) => [n, Float32Array.from(p)]));
}

/** Runs 3 AdamW steps from the same start on one backend; returns the weights and moments. */
function run(backend: OptimizerBackend, lazy: boolean, gradScale: number): { w: Weights; m: Weights; v: Weights; norms: number[] } {
  const tc = { ...defaultTrainConfig(cfg), tableUpdate: lazy ? ('lazy' as const) : ('dense' as const) };
  const w = clone(initWeights(cfg, { seed: 3, randomizeAll: true }));
  const state = createOptimizerState(w);
  const rng = new Rng(4);
  const norms: number[] = [];
  for (let step = 0; step < 3; step++) {
    const g = randomGrads(w, rng, 0.3);
    const touched = new Map(weightSpecs(cfg).filter((s) => s.role === 'table' || s.role === 'embedding')
      .map((s) => [s.name, Uint8Array.from({ length: s.shape[0]! }, () => (rng.next() < 0.4 ? 1 : 0))]));
    norms.push(adamwStep(cfg, tc, w, g, state, 3e-3, gradScale, touched, backend).gradNorm);
  }
  return { w, m: state.m, v: state.v, norms };
}

test('AdamW against a float64 reference of the PyTorch formula with global-norm clipping, one step, every parameter kind', () => {
  const tc = defaultTrainConfig(cfg);
  const w0 = initWeights(cfg, { seed: 5, randomizeAll: true });
  const w = clone(w0);
  const g = randomGrads(w, new Rng(6), 0.01);
  let ss = 0;
  for (const t of g.values()) for (const x of t) ss += x * x;
  const clip = Math.min(1, tc.clipNorm / Math.sqrt(ss));
  assert.ok(clip < 1, 'clipping is active');
  const state = createOptimizerState(w);
  const lr = 2e-3;
  adamwStep(cfg, tc, w, g, state, lr, 1, undefined, 'typescript');
  for (const spec of weightSpecs(cfg)) {
    const p = w.get(spec.name)!, p0 = w0.get(spec.name)!, gr = g.get(spec.name)!;
    const wd = decays(spec) ? tc.weightDecay : 0;
    for (let i = 0; i < p.length; i += 7) {
      const gi = gr[i]! * clip;
      const m = (1 - tc.beta1) * gi, v = (1 - tc.beta2) * gi ** 2;
      const mHat = m / (1 - tc.beta1), vHat = v / (1 - tc.beta2);
      const want = p0[i]! * (1 - lr * wd) - (lr * mHat) / (Math.sqrt(vHat) + tc.eps);
      assert.ok(Math.abs(p[i]! - want) <= 1e-6 * Math.max(1e-3, Math.abs(want)), `${spec.name}[${i}]: ${p[i]} vs ${want}`);
    }
  }
});

test('the native optimiser is bit-identical to the TypeScript one (dense and lazy, with clipping)', { skip: noAddon }, () => {
  for (const lazy of [false, true]) {
    for (const gradScale of [1, 0.5]) {
      const a = run('typescript', lazy, gradScale);
      const b = run('native', lazy, gradScale);
      assert.deepEqual(b.norms, a.norms, 'gradient norms');
      assert.ok(a.norms.some((n) => n > defaultTrainConfig(cfg).clipNorm), 'clipping was active');
      for (const [name, p] of a.w) {
        assert.deepEqual(b.w.get(name), p, `weights ${name} (lazy ${lazy})`);
        assert.deepEqual(b.m.get(name), a.m.get(name), `m ${name}`);
        assert.deepEqual(b.v.get(name), a.v.get(name), `v ${name}`);
      }
    }
  }
});

test('the global norm matches a float64 sum', () => {
  const g = randomGrads(initWeights(cfg, { seed: 7 }), new Rng(8), 1);
  let s = 0;
  for (const t of g.values()) for (const x of t) s += x * x;
  for (const backend of loadNative().addon ? (['typescript', 'native'] as const) : (['typescript'] as const)) {
    const got = globalNorm(g, 0.5, backend);
    assert.ok(Math.abs(got - Math.sqrt(s) * 0.5) <= 1e-12 * got, `${backend}: ${got} vs ${Math.sqrt(s) * 0.5}`);
  }
});
