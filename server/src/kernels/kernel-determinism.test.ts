/**
 * Results must not depend on the thread count or on the run: forward and backward (including the
 * table-gradient scatter-add, where many tokens hit the same rows) are bit-identical for 1, 2, 3
 * and 4 threads and across repeated runs, for every native path, dtype and layout.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { backward, createMemoryTable, forward } from './memory-layer-kernel.js';
import { DTYPES, LAYOUTS } from './table-format.js';
import { bitsEqual, randomArray, restoreDefaultIsa, useVariant, variants } from './kernel-test-helpers.js';

after(restoreDefaultIsa);

// tau = 4 (16 rows per chunk) with 130 tokens: every row is hit by several tokens.
const K = 16, tau = 4, out = 100, N = 130, t = 1.3;
const n = K * tau, rows = K << tau;
const rng = new Rng(77);
const table32 = randomArray(rng, rows * out, 0.2);
const x = randomArray(rng, N * n);
const dy = randomArray(rng, N * out);
const bias = randomArray(rng, out);

for (const v of variants().filter((v) => v.backend === 'native')) {
  describe(`determinism: ${v.name}`, () => {
    for (const dtype of DTYPES) {
      for (const layout of LAYOUTS) {
        it(`${dtype}/${layout}: bit-identical for 1-4 threads and repeated runs`, () => {
          useVariant(v);
          const T = createMemoryTable(table32, { K, tau, out }, { dtype, layout });
          const run = (threads: number) => {
            const y = forward(x, N, T, bias, t, new Float32Array(N * out), { threads });
            const dx = new Float32Array(N * n);
            const dTable = new Float32Array(rows * out);
            const dBias = new Float32Array(out);
            backward(x, N, T, t, dy, { dx, dTable, dBias }, { threads });
            return [y, dx, dTable, dBias] as const;
          };
          const base = run(1);
          assert.ok(base[2].some((g) => g !== 0), 'dTable received updates');
          for (const threads of [1, 2, 3, 4, 4, 2]) {
            const r = run(threads);
            for (let i = 0; i < base.length; i++) assert.ok(bitsEqual(r[i]!, base[i]!), `output ${i} differs with ${threads} threads`);
          }
        });
      }
    }
  });
}
