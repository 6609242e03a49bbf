/**
 * The kernel benchmark runs end to end on a tiny size (its figures come from `memoryformer bench`;
 * this only checks that every column is measured, and the floors only where they are defined).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchKernels } from './bench-kernels.js';
import { kernelInfo } from './memory-layer-kernel.js';

test('bench --suite kernels measures every column, and both floors for many tokens', { skip: kernelInfo().backend === 'native' ? false : 'needs the native addon' }, async () => {
  const lines: string[] = [];
  const rows = await benchKernels({ dims: [64], tokens: [1, 32], threads: [1, 2], dtypes: ['fp32', 'int8'], reps: 2, bandwidthBytes: 1 << 22, log: (l) => lines.push(l) });
  assert.equal(rows.length, 2 * 2 * 2);
  for (const r of rows) {
    for (const v of [r.kernelUs, r.denseKernelUs, r.denseRunUs, r.ratio, r.tableGBs, r.machineGBs]) assert.ok(Number.isFinite(v) && v > 0, JSON.stringify(r));
    assert.equal(r.layout, r.N === 1 ? 'row' : 'tiled');
    if (r.N === 1) {
      assert.equal(r.sameSizeGBs, null);
      assert.equal(r.arithmeticUs, null);
    } else {
      assert.ok(r.sameSizeGBs! > 0 && r.floorRatio! > 0 && r.arithmeticUs! > 0, JSON.stringify(r));
      assert.ok(Math.abs(r.arithmeticRatio! - r.arithmeticUs! / r.denseKernelUs) < 1e-9);
    }
  }
  assert.ok(lines.some((l) => /read bandwidth/.test(l)));
});
