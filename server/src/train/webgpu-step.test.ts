/**
 * A training step on the WebGPU provider (software Vulkan here) matches the CPU provider: loss and
 * every parameter's assembled gradient within 1e-3 relative error. Skipped when WebGPU cannot start
 * on this machine, except in CI (CI=true), where it must run (scripts/setup-vulkan.sh installs it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GradStep } from './grad-step.js';
import { weightSpecs, type Weights } from '../model/weights.js';
import { Rng } from '../util/rng.js';
import { tinyConfig, graphWeights } from '../../../test/support/tiny-model.js';
import { relativeError } from '../../../test/support/compare.js';

async function webgpuStep(cfg: ReturnType<typeof tinyConfig>, B: number, S: number): Promise<GradStep | string> {
  try {
    return await GradStep.create(cfg, B, S, { provider: 'webgpu' });
  } catch (e) {
    return (e as Error).message;
  }
}

for (const arch of ['memoryformer', 'dense'] as const) {
  test(`${arch}: a training step on webgpu matches cpu within 1e-3`, async (t) => {
    const cfg = tinyConfig(arch);
    const [B, S] = [2, 6];
    const gpu = await webgpuStep(cfg, B, S);
    if (typeof gpu === 'string') {
      assert.ok(process.env.CI !== 'true', `WebGPU must be usable in CI but is not: ${gpu}`);
      t.skip(`WebGPU unavailable: ${gpu}`);
      return;
    }
    const cpu = await GradStep.create(cfg, B, S, { provider: 'cpu', intraOpThreads: 1 });
    const { w } = graphWeights(cfg, 31);
    const rng = new Rng(32);
    const ids = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
    const targets = Int32Array.from({ length: B * S }, () => rng.int(cfg.vocabSize));
    const fresh = (): Weights => new Map(weightSpecs(cfg).map((s) => [s.name, new Float32Array(w.get(s.name)!.length)]));
    const gCpu = fresh();
    const gGpu = fresh();
    const lCpu = await cpu.accumulate(w, ids, targets, gCpu);
    const lGpu = await gpu.accumulate(w, ids, targets, gGpu);
    await cpu.release();
    await gpu.release();
    assert.equal(gpu.provider, 'webgpu');
    assert.ok(Math.abs(lGpu - lCpu) / lCpu < 1e-3, `loss ${lGpu} (webgpu) vs ${lCpu} (cpu)`);
    for (const s of weightSpecs(cfg)) {
      const e = relativeError(gGpu.get(s.name)!, gCpu.get(s.name)!);
      assert.ok(e < 1e-3, `${s.name}: webgpu gradient differs from cpu by ${e.toExponential(2)}`);
    }
  });
}
