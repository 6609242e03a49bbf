import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, saveModel, toFloat32Weights } from '../model/model-dir.js';
import { modelForwardRef } from '../model/reference.js';
import { float16ToFloat32, float32ToFloat16 } from '../util/float16.js';
import { weightSpecs } from '../model/weights.js';
import { loadEngines, loadRunner } from './load-runner.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';
import { assertClose } from '../../../test/support/compare.js';
import { ProviderError } from './ort.js';
import { useNativeDecode } from './execution-plan.js';
import { kernelInfo } from '../kernels/memory-layer-kernel.js';

test('a saved model (fp16 tables) loads and runs like the reference on the rounded tables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-load-'));
  try {
    const cfg = { ...tinyConfig('memoryformer'), tableDtype: 'float16' as const };
    const { w } = graphWeights(cfg, 81);
    await saveModel(join(dir, 'm'), cfg, w);
    const runner = await loadRunner(join(dir, 'm'));
    const ids = [4, 8, 15, 16, 23, 42];
    const got = (await runner.forward([ids])).logits;
    const rounded = new Map(w);
    for (const s of weightSpecs(cfg)) if (s.role === 'table') rounded.set(s.name, float16ToFloat32(float32ToFloat16(w.get(s.name)!)));
    assertClose(got, modelForwardRef(cfg, rounded, ids).logits, 1e-5, 'loaded fp16 model');
    await runner.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a saved model with int8 tables runs like the reference on its dequantised tables (widened to fp16 for the graph)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-load-'));
  try {
    const cfg = { ...tinyConfig('memoryformer'), tableDtype: 'int8' as const };
    const { w } = graphWeights(cfg, 82);
    await saveModel(join(dir, 'm'), cfg, w);
    const runner = await loadRunner(join(dir, 'm'));
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const got = (await runner.forward([ids])).logits;
    // model-dir.test.ts checks the dequantised values against a float64 quantiser of its own.
    const dequantised = toFloat32Weights((await loadModel(join(dir, 'm'))).tensors);
    const expected = new Map(w);
    for (const s of weightSpecs(cfg)) if (s.role === 'table') expected.set(s.name, float16ToFloat32(float32ToFloat16(dequantised.get(s.name)!)));
    assertClose(got, modelForwardRef(cfg, expected, ids).logits, 1e-5, 'loaded int8 model');
    // ... and the quantisation really changed the tables (the test would pass on fp32 otherwise).
    const q = dequantised.get('blocks.0.ml1.table')!;
    assert.ok(q.some((v, i) => v !== w.get('blocks.0.ml1.table')![i]));
    await runner.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing or truncated model and an unusable provider give clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-load-'));
  try {
    await assert.rejects(loadRunner(join(dir, 'nothing-here')), /nothing-here/);
    const cfg = tinyConfig('dense');
    const { w } = graphWeights(cfg, 82);
    await saveModel(join(dir, 'm'), cfg, w);
    const file = join(dir, 'm', 'model.safetensors');
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    await assert.rejects(loadRunner(join(dir, 'm')), /truncated|model\.safetensors/);
    await saveModel(join(dir, 'm2'), cfg, w);
    await assert.rejects(loadRunner(join(dir, 'm2'), { provider: 'cuda' }), (e: Error) => e instanceof ProviderError && /cuda.*docs\/GPU\.md/s.test(e.message));
    await assert.rejects(loadRunner(join(dir, 'm2'), { provider: 'tpu' as never }), /unknown execution provider 'tpu'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a lazy runner builds its graph only when first run, and computes what an eager one does', async () => {
  const { ModelRunner } = await import('./model-runner.js');
  const cfg = tinyConfig('memoryformer');
  const { gw } = graphWeights(cfg, 83);
  const eager = await ModelRunner.create(cfg, gw, { provider: 'cpu' });
  let made = 0; // the graph's weights are made once, when the graph is built, not before
  const lazy = await ModelRunner.create(cfg, () => { made++; return gw; }, { provider: 'cpu', lazy: true });
  assert.equal(lazy.provider, 'cpu');
  assert.equal(lazy.runs, 0);
  assert.equal(made, 0);
  const ids = [5, 3, 8, 1];
  assert.deepEqual(await lazy.extend(ids), await eager.extend(ids));
  assert.deepEqual(await lazy.extend([2]), await eager.extend([2]));
  assert.equal(lazy.runs, 2);
  assert.equal(made, 1);
  await assert.rejects(ModelRunner.create(cfg, gw, { provider: 'auto', lazy: true }), /concrete provider/);
  await lazy.dispose();
  await eager.dispose();
});

test('loadEngines gives an int8 model to the native decoder from its stored tensors: it computes the stored values', { skip: useNativeDecode(tinyConfig('memoryformer'), 'cpu', kernelInfo()) ? false : 'no native addon: the plan uses the graph' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-load-'));
  try {
    const cfg = { ...tinyConfig('memoryformer'), tableDtype: 'int8' as const };
    await saveModel(join(dir, 'm'), cfg, graphWeights(cfg, 84).w);
    const ids = [9, 2, 6, 5, 3, 5, 8];
    const native = await loadEngines(join(dir, 'm'));
    assert.ok(native.decoder?.isFused, 'the plan decodes natively');
    assert.equal(native.runner.runs, 0);
    const got = await native.decoder!.prefill(ids, native.runner.cache);
    const V = cfg.vocabSize;
    // Q/K/V were saved under shared row scales, so the decoder's one [rows, 3d] int8 table holds
    // exactly the stored values: float32 rounding from the reference on the dequantised tables.
    const ref = modelForwardRef(cfg, toFloat32Weights((await loadModel(join(dir, 'm'))).tensors), ids).logits;
    assertClose(got, ref.subarray((ids.length - 1) * V), 1e-5, 'decoder from stored int8 vs reference');
    assert.equal(native.runner.runs, 0, 'the decoder computed every position');
    await native.runner.dispose();
    await native.decoder!.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
