/**
 * `memoryformer finetune` (server/src/cli/commands/finetune.ts): usage errors, the dry-run summary
 * (JSON and text) on a synthetic workspace, a short real run with --json that keeps a model, and
 * the message for a workspace with nothing to train on.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { finetuneCommand } from '../../server/src/cli/commands/finetune.js';
import { writeTinyModelDir } from '../support/tiny-model-dir.js';
import { writeSyntheticWorkspace } from './synthetic-workspace.js';

let base: string;
before(() => {
  base = mkdtempSync(join(tmpdir(), 'mf-ft-cli-'));
});
after(() => rmSync(base, { recursive: true, force: true }));

const COMMAND = join(__dirname, '..', '..', 'server', 'src', 'cli', 'commands', 'finetune.ts');

/** Runs the command in a child process (the test runner owns this process' stdout); rejects with its error message. */
async function capture(argv: string[]): Promise<string> {
  const script = `require(${JSON.stringify(COMMAND)}).finetuneCommand.run(JSON.parse(process.argv[1])).catch((e) => { process.stderr.write(e.message); process.exitCode = 1; });`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script, JSON.stringify(argv)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

test('usage errors name the missing option', async () => {
  await assert.rejects(Promise.resolve(finetuneCommand.run([])), (e: Error & { code?: string }) => e.code === 'ERR_USAGE' && /--workspace DIR is required/.test(e.message));
  await assert.rejects(Promise.resolve(finetuneCommand.run(['--workspace', base])), /--out DIR is required/);
  await assert.rejects(Promise.resolve(finetuneCommand.run(['--workspace', base, '--out', base, '--steps', '0'])), /--steps must be a positive integer/);
});

test('--dry-run summarises files, languages, tokens and time without training', async () => {
  const ws = join(base, 'ws');
  const paths = writeSyntheticWorkspace(ws, 12, 3);
  writeFileSync(join(ws, 'yarn.lock'), '# lock\n'.repeat(20));
  const s = JSON.parse(await capture(['--workspace', ws, '--dry-run', '--json', '--time-budget', '30'])) as { files: number; bytes: number; languages: Record<string, { files: number }>; skipped: Record<string, number>; estimatedTokens: number; estimatedTrainSeconds: number; paths: string[] };
  assert.equal(s.files, 12);
  assert.deepEqual(s.paths, [...paths].sort());
  assert.equal(s.languages.typescript?.files, 12);
  assert.equal(s.skipped.lock, 1);
  assert.ok(s.estimatedTokens > s.bytes / 10 && s.estimatedTrainSeconds <= 30);
  const text = await capture(['--workspace', ws, '--dry-run']);
  assert.match(text, /^12 files, \d+ bytes, ~\d+ tokens; training would take ~\d+ s/);
  assert.match(text, /skipped: lock 1/);
  const empty = join(base, 'empty');
  mkdirSync(empty);
  await assert.rejects(capture(['--workspace', empty, '--dry-run']), /no code files to fine-tune on .*the folder is empty/);
});

test('a short run with --json prints the report and keeps the better model', async () => {
  const ws = join(base, 'ws2');
  writeSyntheticWorkspace(ws, 20, 9);
  const model = join(base, 'model');
  await writeTinyModelDir(model);
  const out = join(base, 'out');
  const report = JSON.parse(await capture(['--model', model, '--workspace', ws, '--out', out, '--steps', '12', '--lr', '0.003', '--eval-limit', '4', '--device', 'cpu', '--threads', '1', '--json'])) as { kept: boolean; training: { steps: number } };
  assert.equal(report.training.steps, 12);
  assert.equal(report.kept, true);
  assert.ok(existsSync(join(out, 'finetuned', 'model.safetensors')));
});
