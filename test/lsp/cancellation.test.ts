/**
 * Integration: cancellation ($/cancelRequest), supersession (newest request per document wins) and
 * a burst of 1,000 requests, against the real server with a slow (per-token delay) test model.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc/node';
import { StatsRequest } from '../../protocol/lsp.js';
import { startTestServer, type ServerSession } from './lsp-test-client.js';

// A completion at the end of LONG_LINE streams ~2,000 tokens (40 s at 20 ms/token) unless stopped;
// one in the function body ends after a dozen tokens.
const lines = ['function add(a, b) {', '  return a + b;', '}'];
for (let i = 1; i <= 300; i++) lines.push(`v${i} = ${i};`);
lines.push('v1 = 1;', 'function add(a, b) {', '  ', '}', '');
const TEXT = lines.join('\n');
const LONG_LINE = 303;
const BODY_LINE = 305;
const URI = 'file:///slow.js';

let s: ServerSession;
before(async () => {
  s = await startTestServer({
    args: ['--test-token-delay-ms', '20'],
    initializationOptions: { completion: { maxTokens: 2048, maxLines: 1000, prefixLines: 1000 } },
  });
  s.open(URI, TEXT);
});
after(async () => {
  await s.stop();
});

function busySoon(): Promise<void> {
  const seen = s.statuses.length;
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (s.statuses.slice(seen).some((x) => x.state === 'busy')) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
}

test('$/cancelRequest aborts the running model call: RequestCancelled, and the server is ready again', async () => {
  const before = await s.conn.sendRequest(StatsRequest);
  const source = new CancellationTokenSource();
  const busy = busySoon();
  const pending = s.complete(URI, LONG_LINE, 7, source.token);
  await busy;
  source.cancel();
  await assert.rejects(pending, (e: unknown) => e instanceof ResponseError && e.code === -32800);
  await s.waitForState('ready');
  const st = await s.conn.sendRequest(StatsRequest);
  assert.equal(st.requests.cancelled - before.requests.cancelled, 1);
  assert.equal(st.requests.modelCallsAborted - before.requests.modelCallsAborted, 1);
  // It stopped long before its 2,048 tokens.
  assert.ok(st.generatedTokens - before.generatedTokens < 1000);
});

test('a second quick request for the same document supersedes the first: first empty, second answered', async () => {
  const before = await s.conn.sendRequest(StatsRequest);
  const busy = busySoon();
  const first = s.complete(URI, LONG_LINE, 7);
  await busy;
  const second = s.complete(URI, BODY_LINE, 2);
  assert.deepEqual((await first)?.items, []);
  assert.equal((await second)?.items[0]?.insertText, 'return a + b;');
  const st = await s.conn.sendRequest(StatsRequest);
  assert.equal(st.requests.superseded - before.requests.superseded, 1);
  assert.equal(st.requests.modelCalls - before.requests.modelCalls, 2);
});

test('1,000 requests in a burst: all answered, few model calls, memory bounded, the last one wins', async () => {
  const before = await s.conn.sendRequest(StatsRequest);
  s.open('file:///burst.js', TEXT.replace(/add/g, 'mul'));
  const all: Promise<unknown>[] = [];
  for (let i = 0; i < 999; i++) all.push(s.complete('file:///burst.js', LONG_LINE, 7));
  const last = s.complete('file:///burst.js', BODY_LINE, 2);
  const results = await Promise.all(all);
  assert.ok(results.every((r) => Array.isArray((r as { items: unknown[] }).items)));
  assert.equal((await last)?.items[0]?.insertText, 'return a + b;');
  const st = await s.conn.sendRequest(StatsRequest);
  const d = (k: keyof typeof st.requests) => st.requests[k] - before.requests[k];
  assert.equal(d('total'), 1000);
  assert.equal(d('answered') + d('empty') + d('superseded') + d('dropped') + d('cancelled') + d('errors'), 1000);
  assert.ok(d('modelCalls') <= 10, `model calls: ${d('modelCalls')}`);
  if (process.env.LSP_TEST_VERBOSE) console.error(`burst: ${d('modelCalls')} model calls, heap ${st.memory.heapUsedBytes}`);
  assert.ok(st.memory.heapUsedBytes < 200 * 1024 * 1024, `heap ${st.memory.heapUsedBytes}`);
  await s.waitForState('ready');
});
