import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRunner } from './model-runner.js';
import { NativeDecoder } from './native-decoder.js';
import { modelForwardRef } from '../model/reference.js';
import { float16ToFloat32, float32ToFloat16 } from '../util/float16.js';
import { weightSpecs } from '../model/weights.js';
import { dims } from '../model/config.js';
import { packTableTs, unpackTable } from '../kernels/table-format.js';
import type { GraphTensor } from '../model/graph-weights.js';
import { Rng } from '../util/rng.js';
import { kernelInfo } from '../kernels/memory-layer-kernel.js';
import { assertClose } from '../../../test/support/compare.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';

// Both ways of decoding: the whole token in one native call (fused), and layer by layer.
const WAYS = [true, false] as const;

test('the native addon decodes a whole token in one call (CI builds the addon)', { skip: kernelInfo().backend !== 'native' && 'no native addon' }, async () => {
  const cfg = tinyConfig('memoryformer');
  const dec = await NativeDecoder.create(cfg, graphWeights(cfg, 100).gw);
  assert.equal(dec.isFused, true);
  await dec.dispose();
});

test('native decoding after an ONNX prefill equals the float64 reference, token by token (fp32 tables)', async () => {
  const cfg = tinyConfig('memoryformer');
  const { w, gw } = graphWeights(cfg, 101);
  const rng = new Rng(102);
  const ids = Array.from({ length: 12 }, () => rng.int(cfg.vocabSize));
  const ref = modelForwardRef(cfg, w, ids).logits;
  const V = cfg.vocabSize;
  const next = rng.int(V);
  const all = modelForwardRef(cfg, w, [...ids, next]).logits;
  for (const fused of WAYS) {
    const runner = await ModelRunner.create(cfg, gw);
    const dec = await NativeDecoder.create(cfg, gw, { fused });
    await runner.extend(ids.slice(0, 5)); // prefill in ORT, keys/values into the shared cache
    for (let i = 5; i < ids.length; i++) {
      const lg = await dec.step(ids[i]!, runner.cache);
      assertClose(lg, ref.subarray(i * V, (i + 1) * V), 1e-5, `native decode step ${i} (fused ${dec.isFused})`);
      assert.deepEqual(dec.lastStep, dec.isFused ? { addonCalls: 1, ortRuns: 0 } : { addonCalls: 3 * cfg.nLayers, ortRuns: 1 });
    }
    // The cache it filled is the one ORT fills: ORT continues from it.
    assertClose(await runner.extend([next]), all.subarray(ids.length * V), 1e-5, `ORT after native steps (fused ${dec.isFused})`);
    await dec.dispose();
    await runner.dispose();
  }
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
  for (const fused of WAYS) {
    const runner = await ModelRunner.create(cfg, gw);
    const dec = await NativeDecoder.create(cfg, gw, { fused });
    for (let i = 0; i < ids.length; i++) {
      const lg = await dec.step(ids[i]!, runner.cache);
      assertClose(lg, ref.subarray(i * cfg.vocabSize, (i + 1) * cfg.vocabSize), 1e-5, `fp16 native step ${i} (fused ${dec.isFused})`);
    }
    await dec.dispose();
    await runner.dispose();
  }
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

test('int8 tables (per-row scale) equal the reference on the dequantised tables', async () => {
  const cfg = tinyConfig('memoryformer');
  const { w, gw } = graphWeights(cfg, 105);
  const dm = dims(cfg);
  const d = cfg.dModel;
  // What the decoder holds: Q, K and V side by side in one table (one scale per row across all three).
  const deq = new Map(w);
  const int8 = (t: Float32Array, rows: number, out: number) => {
    const { data, scales } = packTableTs(t, rows, out, 'int8', 'row');
    return unpackTable(data, scales, rows, out, 'int8', 'row');
  };
  const rows = dm.chunks * dm.rowsPerChunk;
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `blocks.${l}.`;
    const parts = ['q', 'k', 'v'].map((n) => w.get(`${p}attn.${n}.table`)!);
    const side = new Float32Array(rows * 3 * d);
    for (let r = 0; r < rows; r++) parts.forEach((t, j) => side.set(t.subarray(r * d, (r + 1) * d), (r * 3 + j) * d));
    const back = int8(side, rows, 3 * d);
    ['q', 'k', 'v'].forEach((n, j) => {
      const t = new Float32Array(rows * d);
      for (let r = 0; r < rows; r++) t.set(back.subarray((r * 3 + j) * d, (r * 3 + j + 1) * d), r * d);
      deq.set(`${p}attn.${n}.table`, t);
    });
    deq.set(p + 'ml1.table', int8(w.get(p + 'ml1.table')!, rows, dm.expandedWidth));
    deq.set(p + 'ml2.table', int8(w.get(p + 'ml2.table')!, dm.chunks * 2 ** dm.ml2Tau, d));
  }
  const ids = [2, 7, 1, 8, 2, 8];
  const ref = modelForwardRef(cfg, deq, ids).logits;
  for (const fused of WAYS) {
    const runner = await ModelRunner.create(cfg, gw);
    const dec = await NativeDecoder.create(cfg, gw, { tableDtype: 'int8', fused });
    for (let i = 0; i < ids.length; i++) {
      assertClose(await dec.step(ids[i]!, runner.cache), ref.subarray(i * cfg.vocabSize, (i + 1) * cfg.vocabSize), 1e-5, `int8 step ${i} (fused ${dec.isFused})`);
    }
    await dec.dispose();
    await runner.dispose();
  }
});

test('prefill runs a prompt token by token (the fused decoder skips the LM head before the last) and equals the reference', async () => {
  const cfg = tinyConfig('memoryformer');
  const { w, gw } = graphWeights(cfg, 106);
  const rng = new Rng(107);
  const ids = Array.from({ length: 9 }, () => rng.int(cfg.vocabSize));
  const V = cfg.vocabSize;
  const ref = modelForwardRef(cfg, w, ids).logits;
  for (const fused of WAYS) {
    const runner = await ModelRunner.create(cfg, gw);
    const dec = await NativeDecoder.create(cfg, gw, { fused });
    await runner.extend(ids.slice(0, 2)); // a cached prefix from the graph
    assertClose(await dec.prefill(ids.slice(2, 8), runner.cache), ref.subarray(7 * V, 8 * V), 1e-5, `prefill (fused ${dec.isFused})`);
    if (dec.isFused) assert.deepEqual(dec.lastStep, { addonCalls: 6, ortRuns: 0 });
    assert.deepEqual(runner.cache.cachedTokens, ids.slice(0, 8));
    // The graph continues from the cache the decoder filled.
    assertClose(await runner.extend([ids[8]!]), ref.subarray(8 * V), 1e-5, `ORT after prefill (fused ${dec.isFused})`);
    await assert.rejects(dec.prefill([V], runner.cache), /out of range/);
    await dec.dispose();
    await runner.dispose();
  }
});
