/**
 * memoryformer/fineTune over LSP against the real server process with a tiny real model
 * (test/support/tiny-model-dir.ts): refusals (untrusted, bad params, a second run), a run that
 * reports $/progress (begin, reports, end) and memoryformer/fineTuneProgress, shows state
 * 'fine-tuning', keeps answering textDocument/inlineCompletion while it trains, and ends with
 * memoryformer/fineTuneFinished carrying the report; the server then serves the fine-tuned model.
 * A second run is cancelled: it ends 'cancelled' and the storage keeps the first model.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  ErrorCodes,
  FineTuneFinishedNotification,
  FineTuneProgressNotification,
  FineTuneRequest,
  StatusRequest,
  type FineTuneFinishedParams,
  type FineTuneProgressParams,
  type FineTuneParams,
} from '../../protocol/lsp.js';
import { startTestServer, type ServerSession } from '../lsp/lsp-test-client.js';
import { writeTinyModelDir } from '../support/tiny-model-dir.js';
import { writeSyntheticWorkspace } from './synthetic-workspace.js';

let base: string;
let s: ServerSession;
let modelDir: string;
let workspace: string;
let storage: string;
const progress: Array<{ token: unknown; value: { kind: string; message?: string; percentage?: number } }> = [];
const ftProgress: FineTuneProgressParams[] = [];
const finished: FineTuneFinishedParams[] = [];

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'mf-lsp-ft-'));
  modelDir = join(base, 'model');
  workspace = join(base, 'ws');
  storage = join(base, 'storage');
  await writeTinyModelDir(modelDir);
  writeSyntheticWorkspace(workspace, 30, 11);
  s = await startTestServer({ modelDir });
  s.conn.onNotification('$/progress', (p: { token: unknown; value: { kind: string } }) => void progress.push(p));
  s.conn.onNotification(FineTuneProgressNotification, (p) => void ftProgress.push(p));
  s.conn.onNotification(FineTuneFinishedNotification, (p) => void finished.push(p));
});
after(async () => {
  await s.stop();
  rmSync(base, { recursive: true, force: true });
});

async function refused(p: FineTuneParams, message: RegExp): Promise<void> {
  await assert.rejects(s.conn.sendRequest(FineTuneRequest, p), (e: unknown) => {
    assert.ok(e instanceof ResponseError, String(e));
    assert.equal(e.code, ErrorCodes.FineTuneRefused);
    assert.match(e.message, message);
    return true;
  });
}

async function waitFor<T>(what: string, get: () => T | undefined, ms = 120_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n${s.stderr().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const start = (extra: Partial<FineTuneParams> = {}): FineTuneParams => ({
  action: 'start',
  paths: [workspace],
  storageDir: storage,
  trusted: true,
  steps: 30,
  device: 'cpu',
  ...extra,
});

test('refused: untrusted workspace, relative paths, bad numbers', async () => {
  await refused(start({ trusted: false }), /untrusted workspace/);
  await refused(start({ paths: ['relative/dir'] }), /absolute paths/);
  await refused(start({ steps: -3 }), /steps must be a number/);
  assert.equal((await s.conn.sendRequest(StatusRequest)).state, 'ready');
});

test('a fine-tune reports progress, keeps completions going, ends with the report and switches model', async () => {
  s.open('file:///a.ts', 'export function alpha1(value: number): number {\n  const scaled = value * 3;\n  \n}\n');
  const r = await s.conn.sendRequest(FineTuneRequest, start({ workDoneToken: 'ft-1' }));
  assert.equal(r.state, 'started');
  await refused(start(), /already running/);
  // Completions are answered while the fine-tune runs.
  let answeredWhileTraining = 0;
  while (!finished.length) {
    const st = await s.conn.sendRequest(StatusRequest);
    const c = await s.complete('file:///a.ts', 2, 2);
    assert.ok(Array.isArray(c?.items));
    if (st.state === 'fine-tuning' && !finished.length) answeredWhileTraining++;
    await new Promise((res) => setTimeout(res, 50));
  }
  assert.ok(answeredWhileTraining >= 3, `only ${answeredWhileTraining} completions answered during training`);
  const f = finished[0]!;
  assert.equal(f.outcome, 'improved', f.message);
  assert.equal(f.runId, r.runId);
  assert.ok(f.report && f.report.kept && f.report.after.bitsPerByte < f.report.before.bitsPerByte);
  assert.equal(f.modelDir, join(storage, 'finetuned'));

  const mine = progress.filter((p) => p.token === 'ft-1').map((p) => p.value);
  assert.equal(mine[0]?.kind, 'begin');
  assert.equal(mine[mine.length - 1]?.kind, 'end');
  assert.match(mine[mine.length - 1]!.message!, /completions now use it/);
  assert.ok(mine.filter((v) => v.kind === 'report').length >= 3);
  const pcts = mine.filter((v) => v.percentage !== undefined).map((v) => v.percentage!);
  assert.deepEqual(pcts, [...pcts].sort((a, b) => a - b), 'percentages never go back');
  const phases = new Set(ftProgress.map((p) => p.phase));
  for (const ph of ['collect', 'tokenize', 'evaluate', 'train', 'save']) assert.ok(phases.has(ph as never), `phase ${ph} reported`);
  const steps = ftProgress.filter((p) => p.phase === 'train');
  assert.equal(steps[steps.length - 1]?.step, 30);
  assert.ok(steps.some((p) => p.validLoss !== undefined) && steps.every((p) => p.trainLoss! > 0 && p.tokensPerSecond! > 0));
  assert.ok(s.statuses.some((st) => st.state === 'fine-tuning'), 'statusChanged said fine-tuning');

  const st = await s.waitForState('ready');
  assert.equal(st.modelSource, join(storage, 'finetuned'));
  assert.ok(Array.isArray((await s.complete('file:///a.ts', 2, 2))?.items));
});

test('a cancelled fine-tune ends "cancelled" and leaves the stored model as it was', async () => {
  const report = readFileSync(join(storage, 'finetuned', 'report.json'), 'utf8');
  const entries = readdirSync(storage).sort();
  finished.length = 0;
  const r = await s.conn.sendRequest(FineTuneRequest, start({ workDoneToken: 'ft-2', steps: 2000 }));
  await waitFor('training to start', () => ftProgress.find((p) => p.runId === r.runId && p.phase === 'train' && p.step! >= 2));
  const c = await s.conn.sendRequest(FineTuneRequest, { action: 'cancel' });
  assert.equal(c.state, 'cancelled');
  const f = await waitFor('the finished notification', () => finished[0]);
  assert.equal(f.outcome, 'cancelled', f.message);
  assert.equal(f.runId, r.runId);
  assert.equal(readFileSync(join(storage, 'finetuned', 'report.json'), 'utf8'), report);
  assert.deepEqual(readdirSync(storage).sort(), entries);
  assert.equal((await s.conn.sendRequest(StatusRequest)).state, 'ready');
  assert.deepEqual(await s.conn.sendRequest(FineTuneRequest, { action: 'cancel' }), { state: 'not-running' });

  // Cancelled at once, before training starts.
  finished.length = 0;
  const r2 = await s.conn.sendRequest(FineTuneRequest, start({ steps: 2000 }));
  assert.equal((await s.conn.sendRequest(FineTuneRequest, { action: 'cancel' })).state, 'cancelled');
  const f2 = await waitFor('the finished notification', () => finished[0]);
  assert.equal(f2.runId, r2.runId);
  assert.equal(f2.outcome, 'cancelled', f2.message);
  assert.equal(readFileSync(join(storage, 'finetuned', 'report.json'), 'utf8'), report);
  assert.deepEqual(readdirSync(storage).sort(), entries);
});
