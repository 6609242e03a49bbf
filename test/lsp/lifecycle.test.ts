/**
 * Integration: the real server process, driven over stdio: handshake, sync, completions at a line
 * start, mid-line and inside a word, typed-ahead and cache, bad positions and documents, the
 * custom methods, unknown methods, shutdown/exit.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc/node';
import {
  ErrorCodes,
  FineTuneRequest,
  SetModelRequest,
  StatsRequest,
  StatusRequest,
} from '../../protocol/lsp.js';
import { startTestServer, type ServerSession } from './lsp-test-client.js';

let s: ServerSession;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.stop();
});

async function rejects(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof ResponseError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

const FN = 'function add(a, b) {\n  return a + b;\n}\nfunction add(a, b) {\n  \n}\n';

test('status after start: ready, the test model, a server version', async () => {
  const st = await s.conn.sendRequest(StatusRequest);
  assert.equal(st.state, 'ready');
  assert.equal(st.model?.name, 'test-echo');
  assert.equal(st.modelSource, 'test-echo');
  assert.ok(s.statuses.some((x) => x.state === 'ready'), 'a statusChanged notification announced ready');
});

test('multi-line at a line start; the block ends at the dedent', async () => {
  s.open('file:///ls.js', 'alpha();\nbeta();\ngamma();\nalpha();\n');
  const r = await s.complete('file:///ls.js', 4, 0);
  assert.equal(r?.items[0]?.insertText, 'beta();\ngamma();\nalpha();');
  assert.deepEqual(r?.items[0]?.range, { start: { line: 4, character: 0 }, end: { line: 4, character: 0 } });
  s.open('file:///fn.js', FN);
  const f = await s.complete('file:///fn.js', 4, 2);
  assert.equal(f?.items[0]?.insertText, 'return a + b;');
});

test('single-line mid-line, without the closer that follows the cursor; nothing inside a word', async () => {
  s.open('file:///mid.js', '  const total = add(1, 2) + 3;\n  const total = add()\n');
  const r = await s.complete('file:///mid.js', 1, 20);
  assert.equal(r?.items[0]?.insertText, '1, 2');
  const w = await s.complete('file:///mid.js', 0, 10); // "con|st"
  assert.deepEqual(w?.items, []);
});

test('incremental didChange, typed-ahead reuse of the shown suggestion, and the cache', async () => {
  // Different text from the other tests', or the cache would answer the first request too.
  s.open('file:///ta.js', FN.replace(/add/g, 'sum'));
  const before = await s.conn.sendRequest(StatsRequest);
  assert.equal((await s.complete('file:///ta.js', 4, 2))?.items[0]?.insertText, 'return a + b;');
  void s.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: 'file:///ta.js', version: 2 },
    contentChanges: [{ range: { start: { line: 4, character: 2 }, end: { line: 4, character: 2 } }, text: 'ret' }],
  });
  assert.equal((await s.complete('file:///ta.js', 4, 5))?.items[0]?.insertText, 'urn a + b;');
  // Back to the first state (undo): same prompt, so the cache answers.
  void s.conn.sendNotification('textDocument/didChange', {
    textDocument: { uri: 'file:///ta.js', version: 3 },
    contentChanges: [{ range: { start: { line: 4, character: 2 }, end: { line: 4, character: 5 } }, text: '' }],
  });
  assert.equal((await s.complete('file:///ta.js', 4, 2))?.items[0]?.insertText, 'return a + b;');
  const st = await s.conn.sendRequest(StatsRequest);
  assert.equal(st.requests.typedAheadHits - before.requests.typedAheadHits, 1);
  assert.equal(st.requests.cacheHits - before.requests.cacheHits, 1);
  assert.equal(st.requests.modelCalls - before.requests.modelCalls, 1);
  assert.ok(st.cache.hits >= 1 && st.cache.size >= 1);
  assert.ok(st.latencyMs.count >= 3 && st.latencyMs.p50 <= st.latencyMs.p95 && st.latencyMs.p95 <= st.latencyMs.p99);
  assert.ok(st.generatedTokens > 0 && st.tokensPerSecond > 0);
});

test('CRLF documents get CRLF suggestions', async () => {
  s.open('file:///crlf.js', 'alpha();\r\nbeta();\r\ngamma();\r\nalpha();\r\n');
  const r = await s.complete('file:///crlf.js', 4, 0);
  assert.equal(r?.items[0]?.insertText, 'beta();\r\ngamma();\r\nalpha();');
});

test('bad requests: line outside the document, negative position, a document never opened, no uri', async () => {
  s.open('file:///small.js', 'x = 1;\n');
  await rejects(s.complete('file:///small.js', 99, 0), -32602, /line 99 is outside the document .* 2 lines/);
  await rejects(s.complete('file:///small.js', -1, 0), -32602, /non-negative integer/);
  await rejects(s.complete('file:///never.js', 0, 0), -32602, /not open: send textDocument\/didOpen/);
  await rejects(s.conn.sendRequest('textDocument/inlineCompletion', { position: { line: 0, character: 0 } }), -32602, /textDocument.uri/);
  // A character past the line end is clamped to it, as LSP says: answered, no error.
  const r = await s.complete('file:///small.js', 0, 500);
  assert.ok(Array.isArray(r?.items));
});

test('unknown methods: a request gets MethodNotFound, a notification is ignored', async () => {
  await rejects(s.conn.sendRequest('memoryformer/noSuchThing', {}), -32601, /memoryformer\/noSuchThing/);
  void s.conn.sendNotification('memoryformer/noSuchNotification', {});
  assert.equal((await s.conn.sendRequest(StatusRequest)).state, 'ready');
});

test('fineTune refuses bad starts clearly (no paths, untrusted, the protocol-test model); cancel is harmless', async () => {
  await rejects(s.conn.sendRequest(FineTuneRequest, { action: 'start' }), ErrorCodes.FineTuneRefused, /needs paths/);
  await rejects(s.conn.sendRequest(FineTuneRequest, { action: 'start', paths: ['/tmp'], trusted: false }), ErrorCodes.FineTuneRefused, /untrusted workspace/);
  await rejects(s.conn.sendRequest(FineTuneRequest, { action: 'start', paths: ['/tmp'], trusted: true }), ErrorCodes.FineTuneRefused, /needs a real model/);
  assert.deepEqual(await s.conn.sendRequest(FineTuneRequest, { action: 'cancel' }), { state: 'not-running' });
  await rejects(s.conn.sendRequest(FineTuneRequest, { action: 'explode' } as never), -32602, /action/);
});

test('setModel: a bad folder fails clearly and the old model keeps serving; a good one switches', async () => {
  await rejects(s.conn.sendRequest(SetModelRequest, { modelDir: '/no/such/model' }), ErrorCodes.ModelLoadFailed, /\/no\/such\/model does not exist/);
  assert.equal((await s.conn.sendRequest(StatusRequest)).model?.name, 'test-echo');
  assert.equal((await s.complete('file:///fn.js', 4, 2))?.items[0]?.insertText, 'return a + b;');
  await rejects(s.conn.sendRequest(SetModelRequest, {}), -32602, /needs \{ modelDir/);
  const st = await s.conn.sendRequest(SetModelRequest, { modelKind: 'test-echo' });
  assert.equal(st.state, 'ready');
  assert.equal((await s.complete('file:///fn.js', 4, 2))?.items[0]?.insertText, 'return a + b;');
});

test('shutdown then exit ends the process with code 0', async () => {
  const other = await startTestServer();
  await other.conn.sendRequest('shutdown');
  void other.conn.sendNotification('exit');
  assert.equal(await other.exited, 0);
  other.conn.dispose();
});
