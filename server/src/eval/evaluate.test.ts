import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelDir } from '../../../test/support/tiny-model-dir.js';
import { loadRunner } from '../engine/load-runner.js';
import { loadTokenizer } from '../tokenizer/storage.js';
import { loadModel, toFloat32Weights } from '../model/model-dir.js';
import { modelForwardRef } from '../model/reference.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { bitsPerByte, evaluate, samplePositions } from './evaluate.js';
import { collectSourceFiles } from './source-files.js';

const CODE = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nconst xs = [1, 2, 3].map((x) => add(x, 1));\n';

test('bits per byte equals the float64 reference model\'s log-likelihood', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-eval-'));
  try {
    await writeTinyModelDir(join(dir, 'm'), 'memoryformer', 5);
    const runner = await loadRunner(join(dir, 'm'));
    const tokenizer = await loadTokenizer(join(dir, 'm', 'tokenizer.json'));
    const files = [{ path: 'a.ts', rel: 'a.ts', text: CODE }];
    const got = await bitsPerByte(runner, tokenizer, files, { seed: 0, limit: 0, maxBpbBytes: 1e9, maxTokens: 1 });
    const { config, tensors } = await loadModel(join(dir, 'm'));
    const ids = [SPECIAL_IDS.endOfText, ...tokenizer.encode(CODE)];
    const { logits } = modelForwardRef(config, toFloat32Weights(tensors), ids);
    const V = config.vocabSize;
    let bits = 0;
    for (let i = 0; i + 1 < ids.length; i++) {
      const row = Array.from(logits.subarray(i * V, (i + 1) * V));
      const max = Math.max(...row);
      const lse = Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0)) + max;
      bits += (lse - row[ids[i + 1]!]!) / Math.LN2;
    }
    assert.equal(got.bytes, Buffer.byteLength(CODE));
    assert.ok(Math.abs(got.bitsPerByte - bits / got.bytes) < 1e-4, `${got.bitsPerByte} vs ${bits / got.bytes}`);
    await runner.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('positions: the target is the true rest of the line; sampling is deterministic given the seed', () => {
  const files = [{ path: 'a.ts', rel: 'a.ts', text: CODE }, { path: 'b.py', rel: 'b.py', text: 'def f(x):\n    return x * 2\n' }];
  const a = samplePositions(files, { seed: 3, limit: 6 });
  assert.deepEqual(a, samplePositions(files, { seed: 3, limit: 6 }));
  assert.ok(a.some((p) => p.kind === 'lineStart') && a.some((p) => p.kind === 'midLine'));
  for (const p of a) {
    const text = files[p.file]!.text;
    const end = text.indexOf('\n', p.offset);
    assert.equal(p.target, text.slice(p.offset, end));
    assert.ok(p.target.length > 0);
  }
});

test('evaluate on a folder: deterministic report; empty folder and missing folder are clear errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-eval-'));
  try {
    await writeTinyModelDir(join(dir, 'm'));
    mkdirSync(join(dir, 'code', 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'code', 'a.ts'), CODE);
    writeFileSync(join(dir, 'code', 'node_modules', 'skip.js'), 'module.exports = 1;\n');
    writeFileSync(join(dir, 'code', 'data.bin.js'), Buffer.from([0, 1, 2, 3]));
    const files = collectSourceFiles(join(dir, 'code'));
    assert.deepEqual(files.map((f) => f.rel), ['a.ts']);
    const runner = await loadRunner(join(dir, 'm'));
    const tokenizer = await loadTokenizer(join(dir, 'm', 'tokenizer.json'));
    const r1 = await evaluate(runner, tokenizer, files, { limit: 5, seed: 1 });
    const r2 = await evaluate(runner, tokenizer, files, { limit: 5, seed: 1 });
    assert.deepEqual({ ...r1, seconds: 0 }, { ...r2, seconds: 0 });
    assert.equal(r1.lineCompletion.positions, 3, 'capped by the 3 lines of 4+ characters');
    assert.ok(r1.lineCompletion.editSimilarity >= 0 && r1.lineCompletion.editSimilarity <= 1);
    mkdirSync(join(dir, 'empty'));
    await assert.rejects(evaluate(runner, tokenizer, collectSourceFiles(join(dir, 'empty'))), /no source files/);
    assert.throws(() => collectSourceFiles(join(dir, 'missing')), /does not exist/);
    await runner.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
