import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRunner } from './model-runner.js';
import { NativeDecoder } from './native-decoder.js';
import { modelForwardRef } from '../model/reference.js';
import { float16ToFloat32, float32ToFloat16 } from '../util/float16.js';
import { weightSpecs } from '../model/weights.js';
import type { GraphTensor } from '../model/graph-weights.js';
import { Rng } from '../util/rng.js';
import { assertClose } from '../../../test/support/compare.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';

test('native decoding after an ONNX prefill equals the float64 reference, token by token (fp32 tables)', async () => {
  const cfg = tinyConfig('memoryformer');
  const { w, gw } = graphWeights(cfg, 101);
  const rng = new Rng(102);
  const ids = Array.from({ length: 12 }, () => rng.int(cfg.vocabSize));
  const ref = modelForwardRef(cfg, w, ids).logits;
  const runner = await ModelRunner.create(cfg, gw);
  const dec = await NativeDecoder.create(cfg, gw);
  const V = cfg.vocabSize;
  await runner.extend(ids.slice(0, 5)); // prefill in ORT, keys/values into the shared cache
  for (let i = 5; i < ids.length; i++) {
    const lg = await dec.step(ids[i]!, runner.cache);
    assertClose(lg, ref.subarray(i * V, (i + 1) * V), 1e-5, `native decode step ${i}`);
    assert.deepEqual(dec.lastStep, { addonCalls: 3 * cfg.nLayers, ortRuns: 1 });
  }
  // The cache it filled is the one ORT fills: ORT continues from it.
  const next = rng.int(V);
  const all = modelForwardRef(cfg, w, [...ids, next]).logits;
  assertClose(await runner.extend([next]), all.subarray(ids.length * V), 1e-5, 'ORT after native steps');
  await dec.dispose();
  await runner.dispose();
});

test('native decoding with fp16 tables equals the reference on the rounded tables', async () => {
  const cfg = { ...tinyConfig('memoryformer'), tableDtype: 'float16' as const };
  const { w } = graphWeights(cfg, 103);
  const gw = new Map<string, GraphTensor>([...w].map(([n, data]): [string, GraphTensor] => {
    const spec = weightSpecs(cfg).find((s) => s.name === n)!;
    return spec.role === 'table'
      ? [n, { dtype: 'float16' as const, shape: spec.shape, data: float32ToFloat16(data) }]
      : [n, { dtype: 'float32' as const, shape: spec.shape, data }];
  }));
  const rounded = new Map([...w].map(([n, data]) => [n, weightSpecs(cfg).find((s) => s.name === n)!.role === 'table' ? float16ToFloat32(float32ToFloat16(data)) : data]));
  const ids = [3, 1, 4, 1, 5, 9, 2, 6];
  const ref = modelForwardRef(cfg, rounded, ids).logits;
  const runner = await ModelRunner.create(cfg, gw);
  const dec = await NativeDecoder.create(cfg, gw);
  for (let i = 0; i < ids.length; i++) {
    const lg = await dec.step(ids[i]!, runner.cache);
    assertClose(lg, ref.subarray(i * cfg.vocabSize, (i + 1) * cfg.vocabSize), 1e-5, `fp16 native step ${i}`);
  }
  await dec.dispose();
  await runner.dispose();
});

test('the native decoder refuses dense models and bad token ids', async () => {
  const dense = tinyConfig('dense');
  await assert.rejects(NativeDecoder.create(dense, graphWeights(dense, 1).gw), /MemoryFormer/);
  const cfg = tinyConfig('memoryformer');
  const { gw } = graphWeights(cfg, 2);
  const runner = await ModelRunner.create(cfg, gw);
  const dec = await NativeDecoder.create(cfg, gw);
  await assert.rejects(dec.step(cfg.vocabSize, runner.cache), /out of range/);
  await dec.dispose();
  await runner.dispose();
});

test('generate() with the native decoder gives the same greedy tokens as the ONNX graph', async () => {
  const { generate } = await import('./generate.js');
  const cfg = tinyConfig('memoryformer');
  const { gw } = graphWeights(cfg, 104);
  const a = await ModelRunner.create(cfg, gw);
  const b = await ModelRunner.create(cfg, gw);
  const dec = await NativeDecoder.create(cfg, gw);
  const prompt = [7, 8, 9, 10, 11];
  const viaOnnx = await generate(a, prompt, { maxTokens: 10, temperature: 0, topP: 1 });
  const viaNative = await generate(b, prompt, { maxTokens: 10, temperature: 0, topP: 1, decoder: dec });
  assert.deepEqual(viaNative.tokens, viaOnnx.tokens);
  await Promise.all([a.dispose(), b.dispose(), dec.dispose()]);
});
