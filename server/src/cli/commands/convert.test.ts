// Runs `memoryformer convert` as a child process on a small model folder and checks what it wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, toFloat32Weights } from '../../model/model-dir.js';
import { writeTinyModelDir } from '../../../../test/support/tiny-model-dir.js';

const root = join(__dirname, '..', '..', '..', '..');

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, MEMORYFORMER_DEBUG: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('convert rewrites the tables in another dtype, keeps the other files, and refuses bad arguments', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-convert-'));
  try {
    const src = join(dir, 'src');
    await writeTinyModelDir(src);
    const before = await loadModel(src);
    const out = join(dir, 'out');
    const r = cli(['convert', '--from', src, '--table-dtype', 'int8', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tables int8, model\.safetensors [\d.]+ MB, from the model folder \(tables float32\)/);
    const after = await loadModel(out);
    assert.equal(after.config.tableDtype, 'int8');
    assert.deepEqual({ ...after.config, tableDtype: before.config.tableDtype }, before.config, 'only the table dtype changes');
    // The values are the source's, quantised: within half a step of each row's scale.
    const a = toFloat32Weights(before.tensors), b = toFloat32Weights(after.tensors);
    for (const [name, t] of after.tensors) {
      if (t.dtype !== 'int8') {
        assert.deepEqual(b.get(name), a.get(name), name);
        continue;
      }
      const [rows, cols] = t.shape as [number, number];
      for (let i = 0; i < rows * cols; i++) assert.ok(Math.abs(b.get(name)![i]! - a.get(name)![i]!) <= 0.5 * t.scales![Math.floor(i / cols)]! * (1 + 1e-6), `${name}[${i}]`);
    }
    // Converting into the source folder keeps its other files (the tokenizer).
    assert.equal(cli(['convert', '--from', src, '--table-dtype', 'float16', '--out', src]).code, 0);
    assert.equal((await loadModel(src)).config.tableDtype, 'float16');
    assert.ok(existsSync(join(src, 'tokenizer.json')), 'tokenizer.json kept');
    const bad = cli(['convert', '--from', src, '--table-dtype', 'int4', '--out', out]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--table-dtype must be one of float32, float16, int8, got 'int4'/);
    assert.equal(cli(['convert', '--from', join(dir, 'missing'), '--table-dtype', 'int8', '--out', out]).code, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
