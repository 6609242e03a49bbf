/**
 * Checkpoints: a SIGKILL in the middle of writing one leaves the previous one loadable; resuming
 * after the kill reproduces the uninterrupted run's losses bit for bit; a corrupt or truncated
 * checkpoint is refused with a clear message; the checkpoint loads as a model for inference.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint, STATE_JSON, STATE_TENSORS } from './checkpoint.js';
import { CHECKPOINT_DIR } from './train-run.js';
import { loadModel, WEIGHTS_FILE } from '../model/model-dir.js';
import { float16ToFloat32, float32ToFloat16 } from '../util/float16.js';

const CHILD = join(__dirname, '../../../test/train/fixtures/train-child.ts');
const STEPS = 12;

interface ChildResult { losses: number[]; hung: boolean; code: number | null }

/** Runs the training child; with hangAt, kills it (SIGKILL) once it reports it is mid-save. */
function runChild(out: string, opts: { resume?: boolean; hangAt?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (opts.hangAt !== undefined) env.MF_HANG_AT_SAVE = String(opts.hangAt);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, out, String(STEPS), ...(opts.resume ? ['--resume'] : [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const losses: number[] = [];
    let hung = false;
    let buf = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'HANG') {
          hung = true;
          child.kill('SIGKILL');
        } else if (line.startsWith('{')) losses.push((JSON.parse(line) as { loss: number }).loss);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (!hung && code !== 0) reject(new Error(`training child failed (${code}): ${err}`));
      else resolve({ losses, hung, code });
    });
  });
}

test('SIGKILL mid-checkpoint keeps the previous checkpoint; resume reproduces the uninterrupted losses exactly', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mf-ckpt-'));
  try {
    const full = await runChild(join(root, 'full'));
    assert.equal(full.losses.length, STEPS);

    const out = join(root, 'killed');
    const killed = await runChild(out, { hangAt: 8 }); // checkpoints every 4 steps: 4 completes, 8 is killed mid-write
    assert.ok(killed.hung, 'the child never reached the save it should hang in');
    assert.deepEqual(killed.losses, full.losses.slice(0, 8));
    const ck = await loadCheckpoint(join(out, CHECKPOINT_DIR));
    assert.equal(ck.state.optimizer.step, 4, 'the checkpoint in place after the kill is not the previous one');

    const resumed = await runChild(out, { resume: true });
    assert.deepEqual(resumed.losses, full.losses.slice(4), 'resumed losses differ from the uninterrupted run');
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});

test('a corrupt or truncated checkpoint is refused with a clear message; a good one loads for inference', async () => {
  const root = mkdtempSync(join(tmpdir(), 'mf-ckpt-'));
  try {
    const out = join(root, 'run');
    await runChild(out);
    const dir = join(out, CHECKPOINT_DIR);
    const ck = await loadCheckpoint(dir);
    assert.equal(ck.state.optimizer.step, STEPS);

    // Inference view: model-dir format, tables rounded to fp16 from the float32 masters.
    const m = await loadModel(dir);
    const name = 'blocks.0.ml1.table';
    const stored = m.tensors.get(name)!;
    assert.equal(stored.dtype, 'float16');
    assert.deepEqual(float16ToFloat32(stored.data as Uint16Array), float16ToFloat32(float32ToFloat16(ck.state.weights.get(name)!)));
    assert.deepEqual(m.tensors.get('lm_head.weight')!.data, ck.state.weights.get('lm_head.weight'));

    const copy = async (tag: string) => {
      const d = join(root, tag);
      await fsp.cp(dir, d, { recursive: true });
      return d;
    };
    const truncated = await copy('truncated');
    const st = join(truncated, STATE_TENSORS);
    await fsp.truncate(st, (await fsp.stat(st)).size - 100);
    await assert.rejects(loadCheckpoint(truncated), /corrupt or truncated.*train-state\.safetensors/);

    const flipped = await copy('flipped');
    const bytes = await fsp.readFile(join(flipped, WEIGHTS_FILE));
    bytes[bytes.length >> 1]! ^= 0x40;
    await fsp.writeFile(join(flipped, WEIGHTS_FILE), bytes);
    await assert.rejects(loadCheckpoint(flipped), /corrupt or truncated.*model\.safetensors/);

    const badJson = await copy('bad-json');
    await fsp.writeFile(join(badJson, STATE_JSON), '{"format": "memoryformer-checkpoint", ');
    await assert.rejects(loadCheckpoint(badJson), /is corrupt: train-state\.json is not valid JSON/);

    const missing = await copy('missing');
    await fsp.rm(join(missing, STATE_TENSORS));
    await assert.rejects(loadCheckpoint(missing), /incomplete: train-state\.safetensors is missing/);
  } finally {
    await fsp.rm(root, { recursive: true, force: true });
  }
});
