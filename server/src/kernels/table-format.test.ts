/**
 * Table conversion: half and int8 encodings against known values, the TypeScript and native
 * packers agree bit for bit (every native path), and the quantisation error of the layer output
 * stays within its analytic bound (fp16: 2^-11 relative per value; int8: half a step, scale/2).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLayerRef } from '../model/reference.js';
import { Rng } from '../util/rng.js';
import { createMemoryTable, forward, kernelInfo } from './memory-layer-kernel.js';
import { DTYPES, floatToHalf, halfToFloat, LAYOUTS, packTableTs, roundHalfEven, unpackTable } from './table-format.js';
import { randomArray, restoreDefaultIsa, useVariant, variants } from './kernel-test-helpers.js';

after(restoreDefaultIsa);

describe('half and int8 encodings', () => {
  it('floatToHalf rounds to nearest even, handles subnormals, overflow and signs', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e9, 0x7c00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [2 ** -14, 0x0400],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [0.1, 0x2e66], [-0, 0x8000], [Infinity, 0x7c00],
    ];
    for (const [v, h] of cases) assert.equal(floatToHalf(v), h, `floatToHalf(${v})`);
    for (let h = 0; h < 0x7c00; h += 37) assert.equal(floatToHalf(halfToFloat(h)), h, `round trip ${h}`);
  });
  it('roundHalfEven', () => {
    assert.deepEqual([2.5, 3.5, -2.5, -3.5, 0.5, 1.4, -1.6].map(roundHalfEven), [2, 4, -2, -4, 0, 1, -2]);
  });
});

describe('native and TypeScript packers agree', () => {
  const rng = new Rng(3);
  const rows = 40, out = 75;
  const src = randomArray(rng, rows * out);
  // Edge values: ties for half rounding, subnormals, overflow, an all-zero row (int8 scale 1).
  src.set([1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 3 * 2 ** -26, 70000, -65520, 1e-30], 0);
  src.fill(0, out, 2 * out);
  for (const v of variants().filter((v) => v.backend === 'native')) {
    for (const dtype of DTYPES) {
      for (const layout of LAYOUTS) {
        it(`${v.name} ${dtype}/${layout}`, () => {
          useVariant(v);
          const shape = { K: 5, tau: 3, out };
          const nat = createMemoryTable(src, shape, { dtype, layout, backend: 'native' });
          const ts = packTableTs(src, rows, out, dtype, layout);
          assert.deepEqual(nat.data, ts.data);
          assert.deepEqual(nat.scales, ts.scales);
        });
      }
    }
  }
  it('kernelInfo names the path in use', () => {
    const info = kernelInfo();
    assert.ok(info.backend === 'fallback' ? info.isa === 'typescript' : info.supportedIsas.includes(info.isa));
  });
});

describe('quantisation error of the layer output is within its bound', () => {
  const rng = new Rng(11);
  const K = 8, tau = 6, out = 96, N = 5, t = 0.9, n = K * tau, rows = K << tau;
  const table32 = randomArray(rng, rows * out, 0.05);
  const x = randomArray(rng, N * n);
  const exact = memoryLayerRef(x, N, n, table32, null, out, tau, t);
  // Bound per output value: sum_k p_k * (max error of the row's value); p_k from the reference
  // with a table of ones per chunk row is just sum_k p_k, so evaluate the bound with |T| and scales.
  const absTable = table32.map(Math.abs);
  for (const dtype of ['fp16', 'int8'] as const) {
    it(`${dtype}`, () => {
      const T = createMemoryTable(table32, { K, tau, out }, { dtype });
      const y = forward(x, N, T, null, t, new Float32Array(N * out));
      const perValue = dtype === 'fp16'
        ? absTable.map((a) => a * 2 ** -11 + 2 ** -25)
        : (() => { const b = new Float32Array(rows * out); for (let r = 0; r < rows; r++) b.fill(T.scales![r]! / 2, r * out, (r + 1) * out); return b; })();
      const bound = memoryLayerRef(x, N, n, perValue, null, out, tau, t);
      let worst = 0;
      let anyError = false;
      for (let i = 0; i < y.length; i++) {
        const e = Math.abs(y[i]! - exact[i]!);
        anyError ||= e > 1e-6 * Math.abs(exact[i]!);
        worst = Math.max(worst, e / (bound[i]! * (1 + 1e-3) + 1e-7));
      }
      assert.ok(worst <= 1, `error exceeds the quantisation bound by ${worst}x`);
      assert.ok(anyError, 'quantisation changed nothing: the table was not converted');
      // The dequantised table really is what the kernels use.
      const deq = unpackTable(T.data, T.scales, rows, out, dtype, 'row');
      const yDeq = memoryLayerRef(x, N, n, deq, null, out, tau, t);
      for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i]! - yDeq[i]!) <= 1e-5 * (Math.abs(yDeq[i]!) + 1e-3));
    });
  }
});
