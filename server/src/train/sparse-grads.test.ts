/**
 * The table-gradient scatter-adds: the TypeScript loops against the reference's Eq. 12 table
 * gradient, and the native kernel's deterministic scatter against the TypeScript one (and itself
 * at 1 and 2 threads, bit for bit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markTableRows, scatterTable, scatterTableNative } from './sparse-grads.js';
import { loadNative } from '../kernels/native-binding.js';
import { hashChunkRef, memoryLayerBackwardRef } from '../model/reference.js';
import { Rng } from '../util/rng.js';
import { relativeError } from '../../../test/support/compare.js';

function setup(seed: number) {
  const rng = new Rng(seed);
  const [N, K, tau, out, t] = [37, 5, 3, 11, 0.7];
  const x = Float32Array.from({ length: N * K * tau }, () => rng.normal());
  const table = Float32Array.from({ length: K * 2 ** tau * out }, () => rng.normal());
  const dy = Float32Array.from({ length: N * out }, () => rng.normal());
  const idx = new Int32Array(N * K);
  const p = new Float32Array(N * K);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) {
    const h = hashChunkRef(x, (n * K + k) * tau, tau, t);
    idx[n * K + k] = h.idx;
    p[n * K + k] = h.p;
  }
  return { N, K, tau, out, t, x, table, dy, idx, p };
}

test('TypeScript table scatter-add equals the reference table gradient, and marks exactly the selected rows', () => {
  const s = setup(1);
  const g = new Float32Array(s.table.length);
  const touched = new Uint8Array(s.K * 2 ** s.tau);
  scatterTable(g, s.out, s.K, 2 ** s.tau, s.idx, s.p, s.dy, touched);
  const want = memoryLayerBackwardRef(s.x, s.N, s.K * s.tau, s.table, s.out, s.tau, s.t, s.dy).dTable;
  assert.ok(relativeError(g, want) < 1e-6);
  const marked = new Uint8Array(touched.length);
  markTableRows(marked, s.K, 2 ** s.tau, s.idx);
  assert.deepEqual(marked, touched);
  for (let r = 0; r < touched.length; r++) {
    const rowNonZero = g.subarray(r * s.out, (r + 1) * s.out).some((v) => v !== 0);
    assert.equal(rowNonZero, touched[r] === 1, `row ${r}`);
  }
});

test('native table scatter-add matches the TypeScript one and is bit-identical at 1 and 2 threads', (t) => {
  if (!loadNative().addon) {
    // Without the addon training uses the TypeScript scatter, which the test above covers.
    t.skip(`native addon unavailable: ${loadNative().loadError}`);
    return;
  }
  const s = setup(2);
  const ts = new Float32Array(s.table.length);
  scatterTable(ts, s.out, s.K, 2 ** s.tau, s.idx, s.p, s.dy);
  const one = new Float32Array(s.table.length);
  const two = new Float32Array(s.table.length);
  scatterTableNative(one, s.table, s.x, s.K, s.tau, s.out, s.t, s.dy, 1);
  scatterTableNative(two, s.table, s.x, s.K, s.tau, s.out, s.t, s.dy, 2);
  assert.ok(relativeError(one, ts) < 1e-5);
  assert.deepEqual(one, two);
});
