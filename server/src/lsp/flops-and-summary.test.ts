/**
 * memoryformer/flops and memoryformer/fineTuneSummary against the real server process: the FLOPs
 * saving the server reports for the loaded tiny model matches the paper's closed forms computed here
 * (2s^2d + 6Ksd against 2s^2d + 12sd^2, K = d/tau) at a random sequence length and at the model's
 * context length; the dry run counts exactly the files and bytes of a random workspace (files that
 * must be skipped are not counted); refusals and NoModel.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import { ErrorCodes, FineTuneSummaryRequest, FlopsRequest, StatusRequest } from '../../../protocol/lsp.js';
import { startTestServer, type ServerSession } from '../../../test/lsp/lsp-test-client.js';
import { writeTinyModelDir } from '../../../test/support/tiny-model-dir.js';
import { DEFAULT_TIME_BUDGET_SEC } from '../finetune/finetune.js';
import { SUMMARY_DEFAULT_TIME_BUDGET_SEC } from './fine-tune-summary.js';

let base: string;
let s: ServerSession;
let modelDir: string;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'mf-flops-summary-'));
  modelDir = join(base, 'model');
  await writeTinyModelDir(modelDir);
  s = await startTestServer({ modelDir });
});
after(async () => {
  await s.stop();
  rmSync(base, { recursive: true, force: true });
});

function paperSavingPercent(d: number, tau: number, seq: number): number {
  const k = d / tau;
  const mf = 2 * seq * seq * d + 6 * k * seq * d;
  const dense = 2 * seq * seq * d + 12 * seq * d * d;
  return 100 * (1 - mf / dense);
}

test('memoryformer/flops: the loaded model\'s report at its context length and at a requested length', async () => {
  const cfg = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8')) as { dModel: number; tau: number; nLayers: number };
  const status = await s.conn.sendRequest(StatusRequest);
  const atContext = await s.conn.sendRequest(FlopsRequest, {});
  assert.equal(atContext.seqLen, status.model!.maxContext);
  assert.equal(atContext.preset, status.model!.preset);
  assert.equal(atContext.subject, 'memoryformer');
  assert.equal(atContext.memoryformer.config.dModel, cfg.dModel);
  assert.equal(atContext.memoryformer.blocks.count, cfg.nLayers);
  for (let i = 0; i < 3; i++) {
    const seqLen = 1 + Math.floor(Math.random() * 4000);
    const r = await s.conn.sendRequest(FlopsRequest, { seqLen });
    assert.equal(r.seqLen, seqLen);
    const want = paperSavingPercent(cfg.dModel, cfg.tau, seqLen);
    assert.ok(Math.abs(r.savingPercent.perBlock.paper.total - want) < 1e-9, `seq ${seqLen}: ${r.savingPercent.perBlock.paper.total} vs ${want}`);
  }
  await assert.rejects(s.conn.sendRequest(FlopsRequest, { seqLen: -3 }), (e: unknown) => e instanceof ResponseError && /seqLen/.test(e.message));
});

test('memoryformer/flops without a real model answers NoModel', async () => {
  const echo = await startTestServer();
  try {
    await assert.rejects(echo.conn.sendRequest(FlopsRequest, {}), (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.NoModel);
  } finally {
    await echo.stop();
  }
});

test('memoryformer/fineTuneSummary counts the files a run would train on, and nothing else', async () => {
  const ws = join(base, `ws-${Math.random().toString(36).slice(2)}`);
  const exts: Record<string, string> = { '.ts': 'typescript', '.py': 'python', '.go': 'go' };
  const want: Record<string, { files: number; bytes: number }> = {};
  let bytes = 0;
  const n = 3 + Math.floor(Math.random() * 6);
  for (let i = 0; i < n; i++) {
    const ext = Object.keys(exts)[i % 3]!;
    const lines = Array.from({ length: 4 + Math.floor(Math.random() * 20) }, (_, j) => `  value_${i}_${j} = ${Math.floor(Math.random() * 1e9)}  # ${Math.random().toString(36)}`);
    const text = `def f${i}():\n${lines.join('\n')}\n`;
    mkdirSync(join(ws, `pkg${i % 2}`), { recursive: true });
    writeFileSync(join(ws, `pkg${i % 2}`, `file${i}${ext}`), text);
    const l = (want[exts[ext]!] ??= { files: 0, bytes: 0 });
    l.files++;
    l.bytes += Buffer.byteLength(text);
    bytes += Buffer.byteLength(text);
  }
  // Not counted: dependencies, an excluded folder, a lock file, a non-code file.
  mkdirSync(join(ws, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(join(ws, 'node_modules', 'dep', 'index.js'), 'module.exports = function dependency() { return 42; };\n'.repeat(4));
  mkdirSync(join(ws, 'secret'), { recursive: true });
  writeFileSync(join(ws, 'secret', 'keys.ts'), 'export const key = "do not train on this, it is excluded by a glob";\n'.repeat(3));
  writeFileSync(join(ws, 'package-lock.json'), '{"lockfileVersion": 3, "packages": {}}'.repeat(4));
  writeFileSync(join(ws, 'notes.txt'), 'plain text notes that are not code at all\n'.repeat(4));

  const budget = 30 + Math.floor(Math.random() * 600);
  const r = await s.conn.sendRequest(FineTuneSummaryRequest, { action: 'start', paths: [ws], trusted: true, exclude: ['secret/**'], timeBudgetSec: budget });
  assert.equal(r.files, n);
  assert.equal(r.bytes, bytes);
  assert.deepEqual(r.languages, want);
  assert.equal(r.timeBudgetSec, budget);
  assert.equal(r.estimatedTokens, Math.round(bytes / 3.3));
  assert.ok(r.estimatedTrainSeconds >= 0 && r.estimatedTrainSeconds <= budget);
  assert.ok((r.skipped.excluded ?? 0) >= 1, `the excluded folder is counted as skipped: ${JSON.stringify(r.skipped)}`);

  const dflt = await s.conn.sendRequest(FineTuneSummaryRequest, { action: 'start', paths: [ws] });
  assert.equal(dflt.timeBudgetSec, DEFAULT_TIME_BUDGET_SEC);
  assert.equal(SUMMARY_DEFAULT_TIME_BUDGET_SEC, DEFAULT_TIME_BUDGET_SEC);

  const refused = (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.FineTuneRefused;
  await assert.rejects(s.conn.sendRequest(FineTuneSummaryRequest, { action: 'start', paths: [ws], trusted: false }), refused);
  await assert.rejects(s.conn.sendRequest(FineTuneSummaryRequest, { action: 'start', paths: ['relative/path'] }), refused);
  await assert.rejects(s.conn.sendRequest(FineTuneSummaryRequest, { action: 'start', paths: [ws], timeBudgetSec: 0 }), refused);
});
