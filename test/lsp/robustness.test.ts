/**
 * Integration: input no well-behaved editor sends (malformed JSON-RPC, binary and invalid UTF-8
 * documents, a 50 MB document) and the server's end when its editor goes away.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { StatsRequest, StatusRequest } from '../../protocol/lsp.js';
import { frame, startTestServer } from './lsp-test-client.js';

test('malformed JSON-RPC is survived: bad JSON, a message with a bad method, then normal service', async () => {
  const s = await startTestServer();
  try {
    s.child.stdin.write(frame('{this is not json'));
    s.child.stdin.write(frame('{"jsonrpc":"2.0","id":9001,"method":42}'));
    s.child.stdin.write(frame('[1,2,3]'));
    s.child.stdin.write(frame('{"jsonrpc":"2.0","id":9002,"method":"textDocument/inlineCompletion","params":"nonsense"}'));
    assert.equal((await s.conn.sendRequest(StatusRequest)).state, 'ready');
    s.open('file:///after.js', 'alpha();\nbeta();\nalpha();\n');
    assert.equal((await s.complete('file:///after.js', 3, 0))?.items[0]?.insertText, 'beta();\nalpha();');
  } finally {
    await s.stop();
  }
});

test('binary (NUL) and invalid UTF-8 documents get no suggestion and do not hurt the server', async () => {
  const s = await startTestServer();
  try {
    s.open('file:///bin.dat', 'ELF\0\0\0\x01\x02abc\0abc\0abc');
    assert.deepEqual((await s.complete('file:///bin.dat', 0, 10))?.items, []);
    // A didOpen whose text bytes are not UTF-8 (the reader decodes them to U+FFFD).
    const head = Buffer.from('{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///bad.txt","languageId":"plaintext","version":1,"text":"ab', 'utf8');
    const junk = Buffer.from(Array.from({ length: 64 }, (_, i) => 0x80 + ((i * 37) % 0x40)).concat([0xff, 0xfe, 0xc0]));
    const tail = Buffer.from('\\nab"}}}', 'utf8');
    s.child.stdin.write(frame(Buffer.concat([head, junk, tail])));
    assert.deepEqual((await s.complete('file:///bad.txt', 1, 2))?.items, []);
    assert.equal((await s.conn.sendRequest(StatusRequest)).state, 'ready');
    const st = await s.conn.sendRequest(StatsRequest);
    assert.equal(st.requests.empty, 2);
    assert.equal(st.requests.modelCalls, 0);
  } finally {
    await s.stop();
  }
});

test('a 50 MB document is opened and completed in (the window is bounded, not the file)', async () => {
  const s = await startTestServer();
  try {
    const unit = 'function add(a, b) {\n  return a + b;\n}\n';
    const big = unit.repeat(Math.ceil((50 * 1024 * 1024) / unit.length)) + 'function add(a, b) {\n  ';
    s.open('file:///big.js', big);
    const lastLine = big.split('\n').length - 1;
    const r = await s.complete('file:///big.js', lastLine, 2);
    assert.equal(r?.items[0]?.insertText, 'return a + b;');
    const st = await s.conn.sendRequest(StatsRequest);
    assert.ok(st.memory.rssBytes < 2 * 1024 ** 3, `rss ${st.memory.rssBytes}`);
  } finally {
    await s.stop();
  }
});

test('the server exits when the client process (initialize processId) dies', async () => {
  const parent = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const s = await startTestServer({ processId: parent.pid ?? null, args: ['--parent-check-ms', '100'] });
  parent.kill();
  assert.equal(await s.exited, 1); // no shutdown request came first
  s.conn.dispose();
});

test('the server exits when stdin ends', async () => {
  const s = await startTestServer();
  s.child.stdin.end();
  assert.notEqual(await s.exited, null);
  s.conn.dispose();
});
