/**
 * MEMORYFORMER_KERNELS=fallback makes the kernels skip the native addon: kernelInfo() reports the
 * fallback and why, and results still match the float64 reference. Run in a child process because
 * the addon is loaded once per process.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const script = `
const { kernelInfo, createMemoryTable, forward } = require(${JSON.stringify(join(__dirname, 'memory-layer-kernel.ts'))});
const { memoryLayerRef } = require(${JSON.stringify(join(__dirname, '../model/reference.ts'))});
const K = 4, tau = 5, out = 33, N = 2, n = K * tau, t = 1.1;
let s = 1; const r = () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
const table = Float32Array.from({ length: (K << tau) * out }, r);
const x = Float32Array.from({ length: N * n }, r);
const T = createMemoryTable(table, { K, tau, out }, { dtype: 'fp16', layout: 'tiled' });
const y = forward(x, N, T, null, t, new Float32Array(N * out), { threads: 2 });
const deq = require(${JSON.stringify(join(__dirname, 'table-format.ts'))}).unpackTable(T.data, T.scales, K << tau, out, 'fp16', 'tiled');
const ref = memoryLayerRef(x, N, n, deq, null, out, tau, t);
let err = 0; for (let i = 0; i < y.length; i++) err = Math.max(err, Math.abs(y[i] - ref[i]));
console.log(JSON.stringify({ info: kernelInfo(), err }));
`;

describe('forced fallback', () => {
  it('MEMORYFORMER_KERNELS=fallback uses the TypeScript kernels and says so', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, MEMORYFORMER_KERNELS: 'fallback' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    const { info, err } = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.equal(info.backend, 'fallback');
    assert.equal(info.isa, 'typescript');
    assert.match(info.fallbackReason, /MEMORYFORMER_KERNELS=fallback/);
    assert.ok(err < 1e-5, `fallback error ${err}`);
  });
});
