/**
 * Every kernel variant (each native instruction-set path and the TypeScript fallback) x dtype x
 * layout x {1, 2, 4} threads against the float64 reference (server/src/model/reference.ts) on
 * random inputs. Quantised tables are compared with the reference evaluated on the dequantised
 * table, so the tolerance stays at float32 rounding level; quantisation error itself is checked in
 * table-format.test.ts.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLayerBackwardRef, memoryLayerRef } from '../model/reference.js';
import { Rng } from '../util/rng.js';
import { backward, createMemoryTable, forward } from './memory-layer-kernel.js';
import { loadNative } from './native-binding.js';
import { DTYPES, LAYOUTS, packTableTs, unpackTable, type TableDtype } from './table-format.js';
import { bitsEqual, randomArray, relError, restoreDefaultIsa, SHAPES, THREADS, useVariant, variants } from './kernel-test-helpers.js';

const TOL = 1e-5;

after(restoreDefaultIsa);

interface Expected {
  y: Float64Array;
  yNoBias: Float64Array;
  dx: Float64Array;
  dTable: Float64Array;
  dBias: Float64Array;
}

/** Inputs per shape, and the reference results per (shape, dtype), computed once for all variants. */
const cases = SHAPES.map((s, si) => {
  const { K, tau, out, N } = s;
  const rng = new Rng(1000 + si);
  const table32 = randomArray(rng, (K << tau) * out, 0.5);
  const x = randomArray(rng, N * K * tau);
  const bias = randomArray(rng, out, 0.3);
  const dy = randomArray(rng, N * out);
  return { ...s, n: K * tau, rows: K << tau, t: 0.75, table32, x, bias, dy, expected: new Map<string, Expected>() };
});

function expected(c: (typeof cases)[number], dtype: TableDtype): Expected {
  let e = c.expected.get(dtype);
  if (!e) {
    // The values the kernels compute with: the table as stored, dequantised.
    const { data, scales } = packTableTs(c.table32, c.rows, c.out, dtype, 'row');
    const deq = unpackTable(data, scales, c.rows, c.out, dtype, 'row');
    const g = memoryLayerBackwardRef(c.x, c.N, c.n, deq, c.out, c.tau, c.t, c.dy);
    e = {
      y: memoryLayerRef(c.x, c.N, c.n, deq, c.bias, c.out, c.tau, c.t),
      yNoBias: memoryLayerRef(c.x, c.N, c.n, deq, null, c.out, c.tau, c.t),
      ...g,
    };
    c.expected.set(dtype, e);
  }
  return e;
}

for (const v of variants()) {
  describe(`memory layer kernels: ${v.name}`, () => {
    for (const c of cases) {
      const { K, tau, out, N, n, rows, t, table32, x, bias, dy } = c;
      for (const dtype of DTYPES) {
        for (const layout of LAYOUTS) {
          it(`K=${K} tau=${tau} out=${out} N=${N} ${dtype}/${layout}`, () => {
            useVariant(v);
            const T = createMemoryTable(table32, { K, tau, out }, { dtype, layout, backend: v.backend });
            const ref = expected(c, dtype);
            for (const threads of THREADS) {
              const opts = { backend: v.backend, threads };
              const y = forward(x, N, T, bias, t, new Float32Array(N * out).fill(NaN), opts);
              assert.ok(relError(y, ref.y) < TOL, `forward ${threads}t: rel error ${relError(y, ref.y)}`);
              const y0 = forward(x, N, T, null, t, new Float32Array(N * out), opts);
              assert.ok(relError(y0, ref.yNoBias) < TOL, `forward no bias ${threads}t: ${relError(y0, ref.yNoBias)}`);

              const dx = new Float32Array(N * n).fill(NaN);
              const dTable = new Float32Array(rows * out);
              const dBias = new Float32Array(out);
              backward(x, N, T, t, dy, { dx, dTable, dBias }, opts);
              assert.ok(relError(dx, ref.dx) < TOL, `dx ${threads}t: ${relError(dx, ref.dx)}`);
              assert.ok(relError(dTable, ref.dTable) < TOL, `dTable ${threads}t: ${relError(dTable, ref.dTable)}`);
              assert.ok(relError(dBias, ref.dBias) < TOL, `dBias ${threads}t: ${relError(dBias, ref.dBias)}`);

              if (threads === 2) {
                // dTable and dBias accumulate: a second call adds the same again.
                backward(x, N, T, t, dy, { dTable, dBias }, opts);
                assert.ok(relError(dTable, ref.dTable.map((g) => 2 * g)) < TOL, 'dTable accumulates');
                assert.ok(relError(dBias, ref.dBias.map((g) => 2 * g)) < TOL, 'dBias accumulates');
              }
            }
          });
        }
        it(`K=${K} tau=${tau} out=${out} N=${N} ${dtype}: row and tiled layouts give the same bits`, () => {
          useVariant(v);
          const ys = LAYOUTS.map((layout) => {
            const T = createMemoryTable(table32, { K, tau, out }, { dtype, layout, backend: v.backend });
            return forward(x, N, T, bias, t, new Float32Array(N * out), { backend: v.backend, threads: 2 });
          });
          assert.ok(bitsEqual(ys[0]!, ys[1]!));
        });
      }
    }
  });
}

describe('memory layer kernels: bad input', () => {
  const rng = new Rng(5);
  const table32 = randomArray(rng, (2 << 4) * 8);
  const T = createMemoryTable(table32, { K: 2, tau: 4, out: 8 });
  const x = randomArray(rng, 3 * 8);
  it('names the wrong argument and the expected shape', () => {
    assert.throws(() => forward(x, 2, T, null, 1, new Float32Array(16)), /forward x has 24 values, expected 16 \[N, K \* tau\]/);
    assert.throws(() => forward(x, 3, T, null, 1, new Float32Array(5)), /forward y has 5 values, expected 24/);
    assert.throws(() => forward(x, 3, T, null, 0, new Float32Array(24)), /temperature t must be a finite number > 0/);
    assert.throws(() => forward(x, 3, T, null, 1, new Float32Array(24), { threads: 0 }), /threads must be an integer/);
    assert.throws(() => createMemoryTable(table32, { K: 2, tau: 4, out: 9 }), /expected 288 \[K \* 2\^tau, out\]/);
    assert.throws(() => createMemoryTable(table32, { K: 2, tau: 4, out: 8 }, { dtype: 'bf16' as never }), /dtype must be one of fp32, fp16, int8/);
    assert.throws(() => forward(x, 3, { ...T, dtype: 'fp16' }, null, 1, new Float32Array(24)), /fp16 data must be a Uint16Array/);
    assert.throws(() => backward(x, 3, T, 1, new Float32Array(24), { dTable: new Float32Array(3) }), /dTable has 3 values/);
  });
});

describe('memory layer kernels: table storage', () => {
  const addon = loadNative().addon;
  it('alignedArray gives zeroed arrays of the asked type and length, each with its own memory', { skip: addon ? false : 'native addon not built' }, () => {
    const kinds = [[0, Float32Array, 4], [1, Uint16Array, 2], [2, Int8Array, 1]] as const;
    for (const [code, type, bytes] of kinds) {
      for (const length of [0, 1, 1000, 3 << 20]) {
        const a = addon!.alignedArray(code, length), b = addon!.alignedArray(code, length);
        assert.ok(a instanceof type, `dtype ${code} gives a ${type.name}`);
        assert.equal(a.length, length);
        assert.ok(a.byteOffset < 64 && a.byteOffset % bytes === 0, `offset ${a.byteOffset} is inside the first cache line`);
        assert.ok(a.every((v) => v === 0));
        if (length) { a[length - 1] = 7; assert.equal(b[length - 1], 0); }
      }
    }
    assert.throws(() => addon!.alignedArray(3, 4), /alignedArray expects a dtype code/);
    assert.throws(() => addon!.alignedArray(0, -1), /alignedArray expects a dtype code/);
  });
});
