/**
 * The WebGPU provider (software Vulkan in CI: Mesa lavapipe >= 25) against the CPU provider and
 * the float64 reference. In CI (CI=true) these tests must run: a missing Vulkan driver fails the
 * run. Elsewhere they are skipped with the reason when WebGPU cannot start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from './ort.js';
import { ModelRunner } from './model-runner.js';
import { memoryLayerGraph } from '../model/layer-graphs.js';
import { memoryLayerRef, modelForwardRef } from '../model/reference.js';
import { Rng } from '../util/rng.js';
import { assertClose, randomArray } from '../../../test/support/compare.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';
import { probeModel, probeFeeds } from './probe.js';

async function webgpuUnavailable(): Promise<string | false> {
  try {
    const s = await createSession(probeModel(), { provider: 'webgpu' });
    await s.run(probeFeeds());
    await s.release();
    return false;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Where each node ran (ORT's profile): no compute node may fall back to the CPU provider. */
function assertAllOnGpu(profile: string): void {
  const events = JSON.parse(readFileSync(profile, 'utf8')) as { cat: string; name: string; args?: { provider?: string; op_name?: string } }[];
  const placed = events.filter((e) => e.cat === 'Node' && e.args?.provider);
  assert.ok(placed.length > 5, 'profile lists the nodes');
  const onCpu = placed.filter((e) => e.args!.provider === 'CPUExecutionProvider' && !/Reshape|Shape|Identity|Squeeze|Unsqueeze/.test(e.args!.op_name ?? ''));
  assert.deepEqual([...new Set(onCpu.map((e) => `${e.args!.op_name} (${e.name})`))], [], 'nodes placed on the CPU');
}

const reason = await webgpuUnavailable();
const inCi = process.env.CI === 'true';
const skip = reason && !inCi ? `WebGPU unavailable here: ${reason}` : false;

test('WebGPU is available in CI', { skip: !inCi && 'not in CI' }, () => {
  assert.equal(reason, false, `CI must provide a Vulkan driver for WebGPU (see docs/GPU.md): ${reason}`);
});

test('Memory Layer on WebGPU equals the reference (fp32 and fp16 tables), every node on the GPU', { skip }, async () => {
  const rng = new Rng(71);
  const [n, tau, out, N] = [64, 8, 48, 5];
  const table = randomArray((n / tau) * 2 ** tau * out, rng, 0.5);
  const bias = randomArray(out, rng, 0.1);
  const x = randomArray(N * n, rng);
  const dir = mkdtempSync(join(tmpdir(), 'mf-webgpu-'));
  try {
    const s = await createSession(memoryLayerGraph({ n, out, tau, temperature: 1, table, tableDtype: 'float32', bias }), {
      provider: 'webgpu',
      optimization: 'basic',
      profileFilePrefix: join(dir, 'profile'),
    });
    const y = (await s.run({ x: { type: 'float32', data: x, dims: [1, N, n] } })).y!.data as Float32Array;
    const profile = await s.endProfiling();
    await s.release();
    assertClose(y, memoryLayerRef(x, N, n, table, bias, out, tau, 1), 1e-4, 'memory layer on webgpu');
    assertAllOnGpu(profile!);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const arch of ['memoryformer', 'dense'] as const) {
  test(`${arch} on WebGPU: logits equal CPU and reference, KV-cache decoding equals the full pass`, { skip }, async () => {
    const cfg = tinyConfig(arch);
    const { w, gw } = graphWeights(cfg, 72);
    const ids = Array.from({ length: 8 }, (_, i) => (i * 7 + 3) % cfg.vocabSize);
    const dir = mkdtempSync(join(tmpdir(), 'mf-webgpu-model-'));
    const gpu = await ModelRunner.create(cfg, gw, { provider: 'webgpu', optimization: 'basic', profileFilePrefix: join(dir, 'profile') });
    const full = (await gpu.forward([ids])).logits;
    assertClose(full, modelForwardRef(cfg, w, ids).logits, 1e-4, `${arch} webgpu vs reference`);
    const cpu = await ModelRunner.create(cfg, gw, { provider: 'cpu' });
    assertClose(full, (await cpu.forward([ids])).logits, 1e-4, `${arch} webgpu vs cpu`);
    const V = cfg.vocabSize;
    await gpu.extend(ids.slice(0, 4));
    for (let i = 4; i < ids.length; i++) {
      assertClose(await gpu.extend([ids[i]!]), full.subarray(i * V, (i + 1) * V), 1e-4, `${arch} webgpu decode ${i}`);
    }
    assertAllOnGpu((await gpu.endProfiling())!);
    rmSync(dir, { recursive: true, force: true });
    await gpu.dispose();
    await cpu.dispose();
  });
}
