/**
 * The language server with the real engine behind it: a model folder (random weights, a real
 * tokenizer) loaded in the worker thread, completions requested over LSP, the model's figures in
 * memoryformer/stats.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatsRequest, StatusRequest } from '../../protocol/lsp.js';
import { kernelInfo } from '../../server/src/kernels/memory-layer-kernel.js';
import { startTestServer, type ServerSession } from './lsp-test-client.js';
import { writeTinyModelDir } from '../support/tiny-model-dir.js';

let s: ServerSession;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mf-lsp-model-'));
  await writeTinyModelDir(join(dir, 'model'));
  s = await startTestServer({ modelDir: join(dir, 'model') });
});
after(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the real model loads in the worker and reports itself', async () => {
  const st = await s.conn.sendRequest(StatusRequest);
  assert.equal(st.state, 'ready');
  assert.equal(st.model?.arch, 'memoryformer');
  assert.equal(st.model?.provider, 'cpu');
  // On the CPU with the addon built (CI builds it) every MemoryFormer decodes through it.
  assert.equal(/native kernels/.test(st.model?.preset ?? ''), kernelInfo().backend === 'native', st.model?.preset);
  assert.equal(st.model?.name, 'model');
});

test('inline completions run the real model; stats carry its FLOPs and table memory', async () => {
  const uri = 'file:///tmp/real-model.ts';
  s.open(uri, 'function total(items) {\n  let sum = 0;\n  for (const item of items) {\n    \n  }\n}\n');
  for (const [line, ch] of [[3, 4], [1, 9], [0, 9]] as const) {
    const res = await s.complete(uri, line, ch);
    assert.ok(res === null || Array.isArray(res.items), 'an InlineCompletionList or null');
  }
  const stats = await s.conn.sendRequest(StatsRequest);
  assert.ok(stats.requests.modelCalls >= 1, `model calls ${stats.requests.modelCalls}`);
  assert.equal(stats.requests.errors, 0, s.stderr());
  // Where each layer runs: the plan the completion model follows.
  const decodeRows = (stats.profile?.execution ?? []).filter((r) => r.phase === 'decode');
  assert.ok(decodeRows.length > 0, 'the execution plan is in the stats');
  assert.equal(decodeRows.every((r) => r.engine.startsWith('native')), kernelInfo().backend === 'native', JSON.stringify(decodeRows));
  assert.ok(stats.promptTokens > 0);
  assert.ok((stats.profile?.flopsPerToken ?? 0) > 0, 'FLOPs per token');
  assert.ok((stats.profile?.tableBytesTotal ?? 0) > 0, 'table bytes');
});

test('a model folder without a tokenizer is refused and the server stays up', async () => {
  const bad = mkdtempSync(join(tmpdir(), 'mf-lsp-bad-'));
  try {
    const other = await startTestServer({ modelDir: bad, skipInitialize: true });
    await other.conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    void other.conn.sendNotification('initialized', {});
    const st = await other.waitForState('error');
    assert.match(st.message ?? '', /config\.json|tokenizer|model/i);
    await other.stop();
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});
