// Model-level checks of the float64 reference that a wrong implementation fails: causality and
// prefix consistency for both architectures, composition of the per-block API, rotary and
// attention properties, and the elementwise ops against published values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { denseCounterpart, dims, getPreset, validateConfig, type ModelConfig } from './config.js';
import { initWeights } from './weights.js';
import {
  attentionRef, blockForwardRef, erfRef, geluRef, layerNormRef, linearRef, memoryLayerRef, modelForwardRef, rmsNormRef, rotaryRef,
} from './reference.js';

const mf: ModelConfig = validateConfig({ ...getPreset('code-mini'), vocabSize: 50, dModel: 24, nHeads: 2, nLayers: 2, tau: 4 });
const dense: ModelConfig = validateConfig(denseCounterpart(mf));
const configs = [mf, dense];

function randn(rng: Rng, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => rng.normal());
}

function randomIds(rng: Rng, cfg: ModelConfig, S: number): number[] {
  return Array.from({ length: S }, () => rng.int(cfg.vocabSize));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const cfg of configs) {
  test(`${cfg.arch}: causal — changing token j leaves logits before j bit-identical and changes those from j on`, () => {
    const rng = new Rng(21);
    const w = initWeights(cfg, { seed: 1, randomizeAll: true });
    const V = cfg.vocabSize;
    const S = 7;
    for (const j of [0, 3, 6]) {
      const ids = randomIds(rng, cfg, S);
      const changed = [...ids];
      changed[j] = (ids[j]! + 1 + rng.int(V - 1)) % V;
      const a = modelForwardRef(cfg, w, ids).logits;
      const b = modelForwardRef(cfg, w, changed).logits;
      assert.deepEqual(a.subarray(0, j * V), b.subarray(0, j * V), `positions < ${j}`);
      for (let p = j; p < S; p++) {
        assert.ok(maxAbsDiff(a.subarray(p * V, (p + 1) * V), b.subarray(p * V, (p + 1) * V)) > 1e-6, `position ${p} must see token ${j}`);
      }
    }
  });

  test(`${cfg.arch}: running a prefix alone gives the same logits as the full sequence (what a KV cache relies on)`, () => {
    const rng = new Rng(22);
    const w = initWeights(cfg, { seed: 2, randomizeAll: true });
    const ids = randomIds(rng, cfg, 6);
    const full = modelForwardRef(cfg, w, ids).logits;
    for (const len of [1, 4]) {
      const prefix = modelForwardRef(cfg, w, ids.slice(0, len)).logits;
      assert.ok(maxAbsDiff(prefix, full.subarray(0, len * cfg.vocabSize)) < 1e-12, `prefix of ${len}`);
    }
  });

  test(`${cfg.arch}: embedding, blockForwardRef per layer, final norm and head compose to modelForwardRef`, () => {
    const rng = new Rng(23);
    const w = initWeights(cfg, { seed: 3, randomizeAll: true });
    const d = cfg.dModel;
    const S = 5;
    const ids = randomIds(rng, cfg, S);
    const { logits, blockOutputs } = modelForwardRef(cfg, w, ids);
    const embed = w.get('embed.weight')!;
    let x: Float64Array = new Float64Array(S * d);
    ids.forEach((id, s) => x.set(embed.subarray(id * d, (id + 1) * d), s * d));
    assert.equal(blockOutputs.length, cfg.nLayers);
    for (let l = 0; l < cfg.nLayers; l++) {
      const before = Float64Array.from(x);
      x = blockForwardRef(cfg, w, l, x, S);
      assert.deepEqual(before, Float64Array.from(before), 'input untouched');
      assert.ok(maxAbsDiff(x, blockOutputs[l]!) === 0, `block ${l} output`);
      assert.ok(maxAbsDiff(x, before) > 1e-3, `block ${l} changes its input`);
    }
    const h = cfg.arch === 'memoryformer'
      ? rmsNormRef(x, S, d, w.get('final_norm.weight')!, cfg.normEps)
      : layerNormRef(x, S, d, w.get('final_norm.weight')!, w.get('final_norm.bias')!, cfg.normEps);
    const head = w.get('lm_head.weight')!;
    const V = cfg.vocabSize;
    const expected = new Float64Array(S * V);
    for (let s = 0; s < S; s++) for (let v = 0; v < V; v++) {
      let acc = 0;
      for (let i = 0; i < d; i++) acc += h[s * d + i]! * head[i * V + v]!;
      expected[s * V + v] = acc;
    }
    assert.ok(maxAbsDiff(logits, expected) < 1e-12);
  });
}

/** Block weights with the named ones set to zero, so one residual branch of the block vanishes. */
function zeroed(cfg: ModelConfig, seed: number, layer: number, names: string[]): Map<string, Float32Array> {
  const w = initWeights(cfg, { seed, randomizeAll: true });
  for (const n of names) w.set(`blocks.${layer}.${n}`, new Float32Array(w.get(`blocks.${layer}.${n}`)!.length));
  return w;
}

/** Rotary on q and k, then causal attention, from the separately tested helpers. */
function rotatedAttention(cfg: ModelConfig, q: Float64Array, k: Float64Array, v: Float64Array, S: number): Float64Array {
  const { headDim, rotaryDims } = dims(cfg);
  const rot = (a: Float64Array) => rotaryRef(a, S, cfg.nHeads, headDim, rotaryDims, cfg.rotaryBase);
  return attentionRef(rot(q), rot(k), v, S, cfg.nHeads, headDim);
}

function assertResidual(cfg: ModelConfig, w: Map<string, Float32Array>, layer: number, x: Float64Array, S: number, branch: Float64Array, what: string): void {
  const y = blockForwardRef(cfg, w, layer, x, S);
  assert.ok(maxAbsDiff(branch, new Float64Array(branch.length)) > 1e-3, `${what}: branch is not trivially zero`);
  assert.ok(maxAbsDiff(y, x.map((v, i) => v + branch[i]!)) < 1e-12, what);
}

test('memoryformer block: each residual branch, isolated by zeroing the other, is the spec formula', () => {
  const cfg = mf;
  const d = cfg.dModel;
  const { expandedWidth: E, ml2Tau } = dims(cfg);
  const S = 4;
  const x = randn(new Rng(30), S * d);
  const t = cfg.hashTemperature;
  const layer = 1;
  const p = `blocks.${layer}.`;
  // Memory Block gone: x + Attention(ML_q(h), ML_k(h), ML_v(h)), h = RMSNorm(x; norm1).
  let w = zeroed(cfg, 6, layer, ['ml2.table', 'ml2.bias']);
  const h = rmsNormRef(x, S, d, w.get(p + 'norm1.weight')!, cfg.normEps);
  const ml = (n: string) => memoryLayerRef(h, S, d, w.get(`${p}attn.${n}.table`)!, w.get(`${p}attn.${n}.bias`)!, d, cfg.tau, t);
  assertResidual(cfg, w, layer, x, S, rotatedAttention(cfg, ml('q'), ml('k'), ml('v'), S), 'attention branch');
  // V gone (attention output 0): x + ML2(LayerNorm(ML1(RMSNorm(x; norm2)))), ML2 at tau + expandBits.
  w = zeroed(cfg, 7, layer, ['attn.v.table', 'attn.v.bias']);
  const h2 = rmsNormRef(x, S, d, w.get(p + 'norm2.weight')!, cfg.normEps);
  const u = memoryLayerRef(h2, S, d, w.get(p + 'ml1.table')!, w.get(p + 'ml1.bias')!, E, cfg.tau, t);
  const un = layerNormRef(u, S, E, w.get(p + 'ln.weight')!, w.get(p + 'ln.bias')!, cfg.normEps);
  assertResidual(cfg, w, layer, x, S, memoryLayerRef(un, S, E, w.get(p + 'ml2.table')!, w.get(p + 'ml2.bias')!, d, ml2Tau, t), 'memory block branch');
});

test('dense block: each residual branch, isolated by zeroing the other, is the spec formula', () => {
  const cfg = dense;
  const d = cfg.dModel;
  const F = dims(cfg).ffnDim;
  const S = 4;
  const x = randn(new Rng(31), S * d);
  const layer = 0;
  const p = `blocks.${layer}.`;
  // MLP gone: x + (Attention(h Wq + bq, h Wk + bk, h Wv + bv) Wo + bo), h = LayerNorm(x; norm1).
  let w = zeroed(cfg, 8, layer, ['mlp.down.weight', 'mlp.down.bias']);
  const lin = (a: Float64Array, n: string, i: number, o: number) => linearRef(a, S, i, w.get(`${p}${n}.weight`)!, w.get(`${p}${n}.bias`)!, o);
  const h = layerNormRef(x, S, d, w.get(p + 'norm1.weight')!, w.get(p + 'norm1.bias')!, cfg.normEps);
  const a = rotatedAttention(cfg, lin(h, 'attn.q', d, d), lin(h, 'attn.k', d, d), lin(h, 'attn.v', d, d), S);
  assertResidual(cfg, w, layer, x, S, lin(a, 'attn.o', d, d), 'attention branch');
  // Attention gone: x + gelu(LayerNorm(x; norm2) Wup + bup) Wdown + bdown.
  w = zeroed(cfg, 9, layer, ['attn.o.weight', 'attn.o.bias']);
  const h2 = layerNormRef(x, S, d, w.get(p + 'norm2.weight')!, w.get(p + 'norm2.bias')!, cfg.normEps);
  assertResidual(cfg, w, layer, x, S, lin(lin(h2, 'mlp.up', d, F).map(geluRef), 'mlp.down', F, d), 'MLP branch');
});

test('every weight matters: perturbing any one named weight changes the logits', () => {
  const rng = new Rng(24);
  for (const cfg of configs) {
    const w = initWeights(cfg, { seed: 4, randomizeAll: true });
    const ids = randomIds(rng, cfg, 4);
    const base = modelForwardRef(cfg, w, ids).logits;
    for (const [name, arr] of w) {
      const copy = new Map(w);
      // Perturb every value so that a weight used only at some index still moves the output.
      copy.set(name, arr.map((v) => v + 0.05 + 0.05 * Math.abs(v)));
      assert.ok(maxAbsDiff(modelForwardRef(cfg, copy, ids).logits, base) > 1e-9, `${cfg.arch}: weight '${name}' has no effect`);
    }
  }
});

test('rotary: rotaryFraction 0 is the identity; position 0 is the identity; a hand-computed case', () => {
  const rng = new Rng(25);
  const cfg0 = { ...mf, rotaryFraction: 0 };
  const { headDim, rotaryDims } = dims(cfg0);
  assert.equal(rotaryDims, 0);
  const x = randn(rng, 5 * mf.dModel);
  assert.deepEqual(rotaryRef(x, 5, mf.nHeads, headDim, rotaryDims, mf.rotaryBase), x);
  assert.deepEqual(rotaryRef(x.subarray(0, mf.dModel), 1, mf.nHeads, headDim, 6, mf.rotaryBase), x.subarray(0, mf.dModel));
  // hd = 4, r = 4, position 1: theta_0 = 1, theta_1 = 10000^(-1/2) = 0.01; pairs (0,2) and (1,3).
  const v = [1, 2, 3, 4];
  const got = rotaryRef([0, 0, 0, 0, ...v], 2, 1, 4, 4, 10000).subarray(4);
  const c1 = Math.cos(1), s1 = Math.sin(1), c2 = Math.cos(0.01), s2 = Math.sin(0.01);
  assert.ok(maxAbsDiff(got, [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2]) < 1e-15);
});

test('rotary: q.k after rotation depends only on the position difference, and dims past r are untouched', () => {
  const rng = new Rng(26);
  const [H, hd, r] = [2, 8, 6];
  const q = randn(rng, H * hd);
  const k = randn(rng, H * hd);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  const at = (v: Float64Array, pos: number) => rotaryRef(v, 1, H, hd, r, 10000, pos);
  const ref = dot(at(q, 7), at(k, 3));
  assert.ok(Math.abs(dot(at(q, 7 + 40), at(k, 3 + 40)) - ref) < 1e-12);
  assert.ok(Math.abs(dot(at(q, 8), at(k, 3)) - ref) > 1e-6, 'a different offset gives a different score');
  const moved = at(q, 9);
  for (let h = 0; h < H; h++) for (let i = r; i < hd; i++) assert.equal(moved[h * hd + i], q[h * hd + i]);
  assert.ok(Math.abs(dot(moved, moved) - dot(q, q)) < 1e-12, 'rotation preserves the norm');
});

test('attention: a single token returns its own v; zero queries average the visible values; one cached step equals the full last row', () => {
  const rng = new Rng(27);
  const [H, hd, S] = [2, 3, 5];
  const d = H * hd;
  const q = randn(rng, S * d);
  const k = randn(rng, S * d);
  const v = randn(rng, S * d);
  assert.ok(maxAbsDiff(attentionRef(q.subarray(0, d), k.subarray(0, d), v.subarray(0, d), 1, H, hd), v.subarray(0, d)) < 1e-15);
  const uniform = attentionRef(new Float64Array(S * d), k, v, S, H, hd);
  for (let i = 0; i < S; i++) for (let c = 0; c < d; c++) {
    let mean = 0;
    for (let j = 0; j <= i; j++) mean += v[j * d + c]! / (i + 1);
    assert.ok(Math.abs(uniform[i * d + c]! - mean) < 1e-14, `row ${i} col ${c}`);
  }
  const full = attentionRef(q, k, v, S, H, hd);
  const step = attentionRef(q.subarray((S - 1) * d), k, v, 1, H, hd, S);
  assert.ok(maxAbsDiff(step, full.subarray((S - 1) * d)) < 1e-15);
  // Scores use 1/sqrt(hd): hd = 4, q = [2,0,0,0], keys 0 and e_0 -> scores 0 and 1 -> weights 1/(1+e), e/(1+e).
  const twoKeys = attentionRef([2, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0, 0], [1, 0, 0, 0, 0, 1, 0, 0], 1, 1, 4, 2);
  assert.ok(maxAbsDiff(twoKeys, [1 / (1 + Math.E), Math.E / (1 + Math.E), 0, 0]) < 1e-15, 'scores must be q.k / sqrt(hd)');
});

test('norms and GELU against known values', () => {
  const rng = new Rng(28);
  const eps = 1e-5;
  assert.ok(maxAbsDiff(rmsNormRef([3, 4], 1, 2, [1, 2], eps), [3 / Math.sqrt(12.5 + eps), 8 / Math.sqrt(12.5 + eps)]) < 1e-15);
  const x = randn(rng, 3 * 16).map((v) => 5 + 3 * v);
  const ln = layerNormRef(x, 3, 16, new Float64Array(16).fill(1), new Float64Array(16), 0 + 1e-12);
  for (let r = 0; r < 3; r++) {
    const row = ln.subarray(r * 16, r * 16 + 16);
    const mean = row.reduce((a, b) => a + b, 0) / 16;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 16;
    assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-9, `row ${r}: mean ${mean}, biased var ${variance}`);
  }
  // erf values from Abramowitz & Stegun / any CAS, to 16 digits.
  const known: [number, number][] = [[0.1, 0.1124629160182849], [0.5, 0.5204998778130465], [1, 0.8427007929497149],
    [2, 0.9953222650189527], [3, 0.9999779095030014], [-1.5, -0.9661051464753108]];
  for (const [a, e] of known) assert.ok(Math.abs(erfRef(a) - e) < 2e-16 * 4, `erf(${a}) = ${erfRef(a)}, expected ${e}`);
  assert.ok(Math.abs(geluRef(1) - 0.8413447460685429) < 1e-15); // 1 * Phi(1)
  assert.ok(Math.abs(geluRef(-1) + 0.15865525393145707) < 1e-15); // -1 * Phi(-1)
  assert.equal(geluRef(0), 0);
});

test('modelForwardRef errors say what is wrong', () => {
  const w = initWeights(mf, { seed: 5 });
  assert.throws(() => modelForwardRef(mf, w, [mf.vocabSize]), /token id 50 at position 0 is outside the vocabulary/);
  assert.throws(() => modelForwardRef(mf, w, []), /ids is empty/);
  const missing = new Map(w);
  missing.delete('blocks.1.ml2.table');
  assert.throws(() => modelForwardRef(mf, missing, [1, 2]), /'blocks.1.ml2.table' .* is missing/);
  assert.throws(() => modelForwardRef(dense, w, [1, 2]), /missing/);
});
