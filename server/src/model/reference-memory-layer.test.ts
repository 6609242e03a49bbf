// The Memory Layer reference against the paper's own statement of it: Eq. 9 by brute force over all
// 2^tau buckets, hand-computed small cases, and central finite differences for the Eq. 12 backward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { hashChunkRef, memoryLayerBackwardRef, memoryLayerRef } from './reference.js';

function randn(rng: Rng, n: number, scale = 1): Float64Array {
  return Float64Array.from({ length: n }, () => scale * rng.normal());
}

/** Normal values with |v| >= minAbs, so a finite-difference step cannot flip a sign bit. */
function randnAwayFromZero(rng: Rng, n: number, minAbs: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    let v = 0;
    while (Math.abs(v) < minAbs) v = rng.normal();
    return v;
  });
}

/** Eq. 9: softmax over all 2^tau buckets i of <z, s_i> / t, s_i the +-1 pattern of bucket i (bit j of i -> s_ij). */
function eq9Softmax(z: ArrayLike<number>, offset: number, tau: number, t: number): Float64Array {
  const logits = new Float64Array(2 ** tau);
  for (let i = 0; i < logits.length; i++) {
    let dot = 0;
    for (let j = 0; j < tau; j++) dot += z[offset + j]! * ((i >> j) & 1 ? 1 : -1);
    logits[i] = dot / t;
  }
  const max = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - max));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
}

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const tol = rel * Math.max(Math.abs(a), Math.abs(e)) + abs;
    assert.ok(Math.abs(a - e) <= tol, `${what}[${i}]: got ${a}, expected ${e} (|diff| ${Math.abs(a - e)} > ${tol})`);
  }
}

test('closed-form p(z) = prod sigmoid(2|z_i|/t) equals Eq. 9 softmax at idx(z), and idx(z) is the most likely bucket', () => {
  const rng = new Rng(11);
  for (const tau of [2, 4, 6]) {
    for (const t of [0.25, 0.7, 1, 2.5]) {
      for (let trial = 0; trial < 20; trial++) {
        const z = randn(rng, tau, 0.2 + trial * 0.1);
        const { idx, p } = hashChunkRef(z, 0, tau, t);
        const probs = eq9Softmax(z, 0, tau, t);
        const ctx = `tau=${tau} t=${t} z=${Array.from(z).map((v) => v.toFixed(3))}`;
        assert.ok(Math.abs(p - probs[idx]!) <= 1e-12 * probs[idx]!, `${ctx}: closed form ${p} vs Eq. 9 ${probs[idx]}`);
        assert.equal(argmax(probs), idx, `${ctx}: argmax of Eq. 9`);
        assert.ok(p > 0 && p <= 1);
      }
    }
  }
});

test('memoryLayerRef equals a brute-force per-chunk softmax-weighted lookup', () => {
  const rng = new Rng(12);
  for (const [n, tau] of [[12, 3], [12, 4], [8, 8], [6, 1]] as const) {
    for (const t of [0.5, 1, 3]) {
      const N = 5;
      const out = 7;
      const K = n / tau;
      const x = randn(rng, N * n);
      const table = new Float32Array(randn(rng, K * 2 ** tau * out));
      for (const bias of [randn(rng, out, 0.3), null]) {
        const y = memoryLayerRef(x, N, n, table, bias, out, tau, t);
        const expected = new Float64Array(N * out);
        for (let r = 0; r < N; r++) {
          for (let o = 0; o < out; o++) expected[r * out + o] = bias ? bias[o]! : 0;
          for (let k = 0; k < K; k++) {
            const probs = eq9Softmax(x, r * n + k * tau, tau, t);
            const row = k * 2 ** tau + argmax(probs);
            for (let o = 0; o < out; o++) expected[r * out + o] = expected[r * out + o]! + probs[argmax(probs)]! * table[row * out + o]!;
          }
        }
        assertClose(y, expected, 1e-12, 1e-14, `n=${n} tau=${tau} t=${t} bias=${bias ? 'yes' : 'no'}`);
      }
    }
  }
});

test('memoryLayerRef known small cases: bucket bit order, z = 0 goes to bit 1, chunk offsets, bias', () => {
  const sig1 = 0.7310585786300049; // sigmoid(1)
  const sig2 = 0.8807970779778823; // sigmoid(2)
  // tau = 1, two chunks: chunk 0 uses rows 0..1, chunk 1 rows 2..3.
  const table = [1, 2, 3, 4, 5, 6, 7, 8]; // rows [1,2] [3,4] [5,6] [7,8]
  const y = memoryLayerRef([0.5, -1], 1, 2, table, [0.25, -0.5], 2, 1, 1);
  // chunk 0: z = 0.5 -> row 1 [3,4], p = sigmoid(1); chunk 1: z = -1 -> row 2 [5,6], p = sigmoid(2)
  assertClose(y, [0.25 + 3 * sig1 + 5 * sig2, -0.5 + 4 * sig1 + 6 * sig2], 1e-15, 0, 'tau=1');
  // tau = 2: bit i of the row index is set when z_i >= 0.
  const t4 = [10, 20, 30, 40];
  const rows = memoryLayerRef([-1, -1, 1, -1, -1, 1, 1, 1, 0, 0], 5, 2, t4, null, 1, 2, 1);
  const pp = sig2 * sig2;
  assertClose(rows, [10 * pp, 20 * pp, 30 * pp, 40 * pp, 40 * 0.25], 1e-15, 0, 'tau=2 bit order');
});

test('memoryLayerBackwardRef matches central finite differences (dx, dTable, dBias) and dTable is sparse', () => {
  const rng = new Rng(13);
  for (const [n, tau, t] of [[8, 4, 1], [12, 3, 0.7], [6, 2, 2]] as const) {
    const N = 3;
    const out = 5;
    const K = n / tau;
    const x = randnAwayFromZero(rng, N * n, 0.05);
    const table = randn(rng, K * 2 ** tau * out);
    const bias = randn(rng, out, 0.3);
    const dy = randn(rng, N * out);
    const loss = (xx: ArrayLike<number>, tt: ArrayLike<number>, bb: ArrayLike<number>) =>
      memoryLayerRef(xx, N, n, tt, bb, out, tau, t).reduce((s, v, i) => s + v * dy[i]!, 0);
    const fd = (a: Float64Array, i: number, h: number, f: () => number) => {
      const keep = a[i]!;
      a[i] = keep + h;
      const up = f();
      a[i] = keep - h;
      const down = f();
      a[i] = keep;
      return (up - down) / (2 * h);
    };
    const { dx, dTable, dBias } = memoryLayerBackwardRef(x, N, n, table, out, tau, t, dy);
    const f = () => loss(x, table, bias);
    const ctx = `n=${n} tau=${tau} t=${t}`;
    assertClose(dx, Float64Array.from(x, (_, i) => fd(x, i, 1e-5, f)), 1e-6, 1e-9, `${ctx} dx`);
    assertClose(dTable, Float64Array.from(table, (_, i) => fd(table, i, 1e-3, f)), 1e-6, 1e-12, `${ctx} dTable`);
    assertClose(dBias, Float64Array.from(bias, (_, i) => fd(bias, i, 1e-3, f)), 1e-6, 1e-12, `${ctx} dBias`);
    // Sparse: exactly the rows some token selected get gradient, and each gets sum of p_k * dy.
    const selected = new Set<number>();
    for (let r = 0; r < N; r++) for (let k = 0; k < K; k++) selected.add(k * 2 ** tau + hashChunkRef(x, r * n + k * tau, tau, t).idx);
    for (let row = 0; row < K * 2 ** tau; row++) {
      const nonzero = dTable.subarray(row * out, row * out + out).some((v) => v !== 0);
      assert.equal(nonzero, selected.has(row), `${ctx}: table row ${row} gradient ${nonzero ? 'non-zero' : 'zero'}`);
    }
    assert.ok(dx.every((v) => v !== 0), `${ctx}: every dx entry is non-zero for inputs away from 0`);
  }
});

test('memoryLayerRef rejects mismatched shapes with a message that names the shape', () => {
  assert.throws(() => memoryLayerRef(new Float64Array(8), 1, 8, new Float64Array(10), null, 5, 4, 1), /table: expected 160 values/);
  assert.throws(() => memoryLayerRef(new Float64Array(8), 1, 8, new Float64Array(160), null, 5, 3, 1), /multiple of tau/);
  assert.throws(() => memoryLayerRef(new Float64Array(7), 1, 8, new Float64Array(160), null, 5, 4, 1), /x: expected 8 values/);
  assert.throws(() => memoryLayerRef(new Float64Array(8), 1, 8, new Float64Array(160), [1], 5, 4, 1), /bias: expected 5/);
  assert.throws(() => memoryLayerRef(new Float64Array(8), 1, 8, new Float64Array(160), null, 5, 4, 0), /temperature/);
});
