/**
 * Every gradient rule against central finite differences of the float64 reference (reference.ts),
 * on random inputs, through ORT in float32.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRule, randn } from '../../../../test/train/grad-check.js';
import { Rng } from '../../util/rng.js';
import {
  attentionRef, geluRef, layerNormRef, linearRef, memoryLayerBackwardRef, memoryLayerRef, rmsNormRef, rotaryRef,
} from '../../model/reference.js';
import { causalBias, rotaryAngles } from '../../engine/positional-inputs.js';
import { getPreset } from '../../model/config.js';
import { relativeError } from '../../../../test/support/compare.js';
import { add, concat, reshape, split, transpose } from './shape.js';
import { layerNorm, rmsNorm } from './norms.js';
import { embedding, gelu, linear } from './linear.js';
import { memoryLayer } from './memory-layer.js';
import { causalAttention, rotary } from './attention.js';
import { crossEntropy } from './loss.js';

const B = 2;
const S = 3;

test('RMSNorm: dx and dw match finite differences', async () => {
  const rng = new Rng(1);
  const n = 8;
  const x = randn(rng, B * S * n);
  const w = Float32Array.from({ length: n }, () => 1 + 0.3 * rng.normal());
  await checkRule({
    inputs: [{ name: 'x', shape: [B, S, n], data: x, diff: true }, { name: 'w', shape: [n], data: w, diff: true }],
    build: (t, v) => rmsNorm(t, v.x!, v.w!, 1e-5),
    outShape: [B, S, n],
    ref: (v) => rmsNormRef(v.x!, B * S, n, v.w!, 1e-5),
  });
});

test('LayerNorm: dx, dw and db match finite differences', async () => {
  const rng = new Rng(2);
  const n = 8;
  await checkRule({
    inputs: [
      { name: 'x', shape: [B, S, n], data: randn(rng, B * S * n, 2), diff: true },
      { name: 'w', shape: [n], data: Float32Array.from({ length: n }, () => 1 + 0.3 * rng.normal()), diff: true },
      { name: 'b', shape: [n], data: randn(rng, n, 0.2), diff: true },
    ],
    build: (t, v) => layerNorm(t, v.x!, v.w!, v.b!, 1e-5),
    outShape: [B, S, n],
    ref: (v) => layerNormRef(v.x!, B * S, n, v.w!, v.b!, 1e-5),
  });
});

test('linear: dx, dW and db match finite differences', async () => {
  const rng = new Rng(3);
  const [i, o] = [6, 5];
  await checkRule({
    inputs: [
      { name: 'x', shape: [B, S, i], data: randn(rng, B * S * i), diff: true },
      { name: 'W', shape: [i, o], data: randn(rng, i * o), diff: true },
      { name: 'b', shape: [o], data: randn(rng, o), diff: true },
    ],
    build: (t, v) => linear(t, v.x!, v.W!, v.b!, { B, S, in: i, out: o }, 'lin'),
    outShape: [B, S, o],
    ref: (v) => linearRef(v.x!, B * S, i, v.W!, v.b!, o),
  });
});

test('GELU: du matches finite differences', async () => {
  const rng = new Rng(4);
  await checkRule({
    inputs: [{ name: 'u', shape: [B, S, 7], data: randn(rng, B * S * 7, 2), diff: true }],
    build: (t, v) => gelu(t, v.u!),
    outShape: [B, S, 7],
    ref: (v) => v.u!.map(geluRef),
  });
});

test('embedding: the scatter-added row gradients match finite differences (repeated ids included)', async () => {
  const rng = new Rng(5);
  const [V, d] = [7, 4];
  const ids = Int32Array.from([3, 1, 3, 6, 0, 3]); // id 3 three times: its rows must add up
  await checkRule({
    inputs: [{ name: 'E', shape: [V, d], data: randn(rng, V * d), diff: true }, { name: 'ids', shape: [B, S], data: ids }],
    build: (t, v) => embedding(t, v.E!, 'E', v.ids!),
    outShape: [B, S, d],
    ref: (v) => Float64Array.from({ length: B * S * d }, (_, k) => v.E![ids[Math.floor(k / d)]! * d + (k % d)]!),
  });
});

/** Values at least `margin` away from 0, so no finite-difference step flips a hash bit. */
function awayFromZero(rng: Rng, n: number, margin: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const z = rng.normal();
    return Math.sign(z || 1) * (margin + Math.abs(z));
  });
}

test('Memory Layer (3 tables sharing one hash): dx, dTable, dbias match finite differences and memoryLayerBackwardRef', async () => {
  const rng = new Rng(6);
  const [n, tau, out, temp] = [8, 4, 5, 0.8];
  const K = n / tau;
  const rows = K * 2 ** tau;
  const x = awayFromZero(rng, B * S * n, 0.05);
  const tables = [0, 1, 2].map(() => randn(rng, rows * out));
  const biases = [0, 1, 2].map(() => randn(rng, out, 0.1));
  const ref = (v: Record<string, Float64Array>) => {
    const ys = [0, 1, 2].map((j) => memoryLayerRef(v.x!, B * S, n, v[`T${j}`]!, v[`b${j}`]!, out, tau, temp));
    // Output = concat of the three along the last axis.
    const y = new Float64Array(B * S * 3 * out);
    for (let r = 0; r < B * S; r++) for (let j = 0; j < 3; j++) y.set(ys[j]!.subarray(r * out, (r + 1) * out), r * 3 * out + j * out);
    return y;
  };
  const errs = await checkRule({
    inputs: [
      { name: 'x', shape: [B, S, n], data: x, diff: true },
      ...tables.map((T, j) => ({ name: `T${j}`, shape: [rows, out], data: T, diff: true })),
      ...biases.map((b, j) => ({ name: `b${j}`, shape: [out], data: b, diff: true })),
    ],
    build: (t, v) => {
      const ys = memoryLayer(t, v.x!, [0, 1, 2].map((j) => ({ table: v[`T${j}`]!, name: `T${j}`, bias: v[`b${j}`]!, out })), { B, S, n, tau, temperature: temp }, 'ml');
      return concat(t, ys, [out, out, out], -1);
    },
    outShape: [B, S, 3 * out],
    ref,
    h: 1e-6,
  });
  assert.ok(Object.keys(errs).length === 7);

  // Single table against the paper's Eq. 12 as the reference implements it (dx and dTable, all elements).
  const dy = randn(rng, B * S * out);
  const { Tape } = await import('../tape.js');
  const { encodeModel } = await import('../../onnx/encode.js');
  const { createSession } = await import('../../engine/ort.js');
  const { scatterTable } = await import('../sparse-grads.js');
  const t = new Tape('ml1');
  const xv = t.g.input('x', 'float32', [B, S, n]);
  const Tv = t.g.input('T', 'float32', [rows, out]);
  const dyv = t.g.input('dy', 'float32', [B, S, out]);
  const [y] = memoryLayer(t, xv, [{ table: Tv, name: 'T', bias: null, out }], { B, S, n, tau, temperature: temp }, 'ml');
  t.backward(y!, dyv);
  t.g.output(t.gradOf(xv)!, 'dx', 'float32');
  const s = t.sparse[0]!;
  assert.equal(s.kind, 'table');
  if (s.kind !== 'table') return;
  t.g.output(s.idx, 'idx', 'int32');
  t.g.output(s.p, 'p', 'float32');
  const sess = await createSession(encodeModel(t.g), { intraOpThreads: 2 });
  const res = await sess.run({ x: { type: 'float32', data: x, dims: [B, S, n] }, T: { type: 'float32', data: tables[0]!, dims: [rows, out] }, dy: { type: 'float32', data: dy, dims: [B, S, out] } });
  await sess.release();
  const want = memoryLayerBackwardRef(x, B * S, n, tables[0]!, out, tau, temp, dy);
  assert.ok(relativeError(res.dx!.data as Float32Array, want.dx) < 1e-5);
  const dT = new Float32Array(rows * out);
  scatterTable(dT, out, K, 2 ** tau, res.idx!.data as Int32Array, res.p!.data as Float32Array, dy);
  assert.ok(relativeError(dT, want.dTable) < 1e-6);
});

test('rotary: dx matches finite differences (partial rotary: untouched dims pass through)', async () => {
  const rng = new Rng(8);
  const cfg = { ...getPreset('code-mini'), rotaryFraction: 0.5, dModel: 16, nHeads: 2 }; // hd 8, r 4
  const [H, hd, r] = [2, 8, 4];
  const { cos, sin } = rotaryAngles(cfg, 0, S);
  await checkRule({
    inputs: [
      { name: 'x', shape: [B, H, S, hd], data: randn(rng, B * H * S * hd), diff: true },
      { name: 'cos', shape: [S, r / 2], data: cos },
      { name: 'sin', shape: [S, r / 2], data: sin },
    ],
    build: (t, v) => rotary(t, v.x!, hd, r, v.cos!, v.sin!),
    outShape: [B, H, S, hd],
    ref: (v) => {
      const y = new Float64Array(v.x!.length);
      for (let bh = 0; bh < B * H; bh++) y.set(rotaryRef(v.x!.subarray(bh * S * hd, (bh + 1) * S * hd), S, 1, hd, r, cfg.rotaryBase), bh * S * hd);
      return y;
    },
  });
});

test('causal attention: dq, dk, dv match finite differences', async () => {
  const rng = new Rng(9);
  const [H, hd, S4] = [2, 4, 4];
  const per = B * H * S4 * hd;
  await checkRule({
    inputs: [
      { name: 'q', shape: [B, H, S4, hd], data: randn(rng, per), diff: true },
      { name: 'k', shape: [B, H, S4, hd], data: randn(rng, per), diff: true },
      { name: 'v', shape: [B, H, S4, hd], data: randn(rng, per), diff: true },
      { name: 'bias', shape: [S4, S4], data: causalBias(0, S4) },
    ],
    build: (t, v) => causalAttention(t, v.q!, v.k!, v.v!, v.bias!, hd),
    outShape: [B, H, S4, hd],
    ref: (v) => {
      const y = new Float64Array(per);
      const sl = (a: Float64Array, i: number) => a.subarray(i * S4 * hd, (i + 1) * S4 * hd);
      for (let bh = 0; bh < B * H; bh++) y.set(attentionRef(sl(v.q!, bh), sl(v.k!, bh), sl(v.v!, bh), S4, 1, hd), bh * S4 * hd);
      return y;
    },
  });
});

test('cross-entropy: dlogits matches finite differences', async () => {
  const rng = new Rng(10);
  const V = 9;
  const targets = Int32Array.from({ length: B * S }, () => rng.int(V));
  await checkRule({
    inputs: [{ name: 'logits', shape: [B, S, V], data: randn(rng, B * S * V, 2), diff: true }, { name: 'targets', shape: [B, S], data: targets }],
    build: (t, v) => crossEntropy(t, v.logits!, v.targets!, { B, S, V }),
    outShape: [],
    ref: (v) => {
      let total = 0;
      for (let r = 0; r < B * S; r++) {
        const row = v.logits!.subarray(r * V, (r + 1) * V);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((a, z) => a + Math.exp(z - m), 0));
        total += lse - row[targets[r]!]!;
      }
      return [total / (B * S)];
    },
  });
});

test('shape rules (reshape, transpose, split, concat, residual add with a value used twice)', async () => {
  const rng = new Rng(11);
  const [H, hd] = [2, 3];
  const d = H * hd;
  await checkRule({
    inputs: [{ name: 'x', shape: [B, S, d], data: randn(rng, B * S * d), diff: true }],
    build: (t, v) => {
      // heads out and back, swap the two halves of the last axis, then x + that (x used twice).
      const heads = transpose(t, reshape(t, v.x!, [B, S, d], [B, S, H, hd]), [0, 2, 1, 3]);
      const back = reshape(t, transpose(t, heads, [0, 2, 1, 3]), [B, S, H, hd], [B, S, d]);
      const [a, b] = split(t, back, [2, d - 2], -1) as [any, any];
      return add(t, v.x!, concat(t, [b, a], [d - 2, 2], -1));
    },
    outShape: [B, S, d],
    ref: (v) => {
      const y = new Float64Array(B * S * d);
      for (let r = 0; r < B * S; r++) for (let c = 0; c < d; c++) y[r * d + c] = v.x![r * d + c]! + v.x![r * d + ((c + 2) % d)]!;
      return y;
    },
  });
});
