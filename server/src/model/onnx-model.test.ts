/**
 * The ONNX graphs against the independent float64 reference (reference.ts), on random weights
 * and inputs: the Memory Layer, a block, and the whole model, for MemoryFormer and the dense
 * baseline; KV-cache decoding against the full forward pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLayerGraph, denseLayerGraph } from './layer-graphs.js';
import { memoryLayerRef, modelForwardRef, linearRef } from './reference.js';
import { createSession } from '../engine/ort.js';
import { ModelRunner, TokenRangeError } from '../engine/model-runner.js';
import { float32ToFloat16, float16ToFloat32 } from '../util/float16.js';
import { Rng } from '../util/rng.js';
import { assertClose, randomArray } from '../../../test/support/compare.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';

function randomIds(rng: Rng, n: number, vocab: number): number[] {
  return Array.from({ length: n }, () => rng.int(vocab));
}

test('Memory Layer graph equals the float64 reference (fp32 and fp16 tables)', async () => {
  const rng = new Rng(11);
  for (const { n, tau, out, N, t } of [
    { n: 64, tau: 8, out: 48, N: 7, t: 1 },
    { n: 30, tau: 6, out: 20, N: 1, t: 0.5 },
    { n: 40, tau: 10, out: 16, N: 3, t: 2 },
  ]) {
    const rows = (n / tau) * 2 ** tau;
    const table = randomArray(rows * out, rng, 0.5);
    const bias = randomArray(out, rng, 0.1);
    const x = randomArray(N * n, rng);
    for (const [dtype, formulation] of [['float32', 'matmul'], ['float16', 'matmul'], ['float32', 'reducesum']] as const) {
      const stored = dtype === 'float16' ? float32ToFloat16(table) : table;
      const s = await createSession(memoryLayerGraph({ n, out, tau, temperature: t, table: stored, tableDtype: dtype, bias, formulation }));
      const y = (await s.run({ x: { type: 'float32', data: x, dims: [1, N, n] } })).y!.data as Float32Array;
      await s.release();
      // The reference runs on the values the graph holds (fp16-rounded when stored as fp16).
      const refTable = dtype === 'float16' ? float16ToFloat32(stored as Uint16Array) : table;
      assertClose(y, memoryLayerRef(x, N, n, refTable, bias, out, tau, t), 1e-5, `memory layer n=${n} tau=${tau} ${dtype} ${formulation}`);
    }
  }
});

test('dense layer graph equals the float64 reference', async () => {
  const rng = new Rng(12);
  const [n, out, N] = [48, 40, 5];
  const w = randomArray(n * out, rng, 0.2);
  const b = randomArray(out, rng, 0.1);
  const x = randomArray(N * n, rng);
  const s = await createSession(denseLayerGraph(n, out, w, b));
  const y = (await s.run({ x: { type: 'float32', data: x, dims: [1, N, n] } })).y!.data as Float32Array;
  await s.release();
  assertClose(y, linearRef(x, N, n, w, b, out), 1e-5, 'dense layer');
});

for (const arch of ['memoryformer', 'dense'] as const) {
  test(`${arch}: blocks and logits equal the float64 reference`, async () => {
    const cfg = tinyConfig(arch);
    const { w, gw } = graphWeights(cfg, 21);
    const ids = randomIds(new Rng(22), 9, cfg.vocabSize);
    const ref = modelForwardRef(cfg, w, ids);
    const runner = await ModelRunner.create(cfg, gw, { blockOutputs: true });
    const out = await runner.forward([ids]);
    for (let l = 0; l < cfg.nLayers; l++) assertClose(out.blocks![l]!, ref.blockOutputs[l]!, 1e-5, `${arch} block ${l}`);
    assertClose(out.logits, ref.logits, 1e-5, `${arch} logits`);
    await runner.dispose();
  });

  test(`${arch}: KV-cache decoding token by token equals the full forward pass`, async () => {
    const cfg = tinyConfig(arch);
    const { gw } = graphWeights(cfg, 31);
    const ids = randomIds(new Rng(32), 12, cfg.vocabSize);
    const runner = await ModelRunner.create(cfg, gw);
    const full = (await runner.forward([ids])).logits;
    const V = cfg.vocabSize;
    // A prompt of 5 in one go, then one token at a time.
    const first = await runner.extend(ids.slice(0, 5), true);
    assertClose(first, full.subarray(0, 5 * V), 1e-5, `${arch} prefill`);
    for (let i = 5; i < ids.length; i++) {
      const lg = await runner.extend([ids[i]!]);
      assertClose(lg, full.subarray(i * V, (i + 1) * V), 1e-5, `${arch} decode step ${i}`);
    }
    // Reuse: a prompt that shares the first 8 tokens recomputes only the rest.
    const other = [...ids.slice(0, 8), ...randomIds(new Rng(33), 3, V)];
    const { logits, reused } = await runner.prefill(other);
    assert.equal(reused, 8);
    const fresh = (await runner.forward([other])).logits;
    assertClose(logits, fresh.subarray(10 * V, 11 * V), 1e-5, `${arch} prefix reuse`);
    await runner.dispose();
  });
}

test('batched forward equals separate sequences', async () => {
  const cfg = tinyConfig('memoryformer');
  const { gw } = graphWeights(cfg, 41);
  const rng = new Rng(42);
  const a = randomIds(rng, 6, cfg.vocabSize);
  const b = randomIds(rng, 6, cfg.vocabSize);
  const runner = await ModelRunner.create(cfg, gw);
  const both = (await runner.forward([a, b])).logits;
  const V = cfg.vocabSize;
  assertClose(both.subarray(6 * V), (await runner.forward([b])).logits, 1e-6, 'second sequence of a batch');
  await runner.dispose();
});

test('a token id out of range is refused with a clear error', async () => {
  const cfg = tinyConfig('dense');
  const { gw } = graphWeights(cfg, 51);
  const runner = await ModelRunner.create(cfg, gw);
  await assert.rejects(runner.forward([[1, cfg.vocabSize]]), (e: Error) => e instanceof TokenRangeError && /out of range.*0\.\.60/.test(e.message));
  await assert.rejects(runner.extend([-1]), TokenRangeError);
  await assert.rejects(runner.extend([1.5]), TokenRangeError);
  await runner.dispose();
});
