import assert from 'node:assert/strict';
import { test } from 'node:test';
import { echoContinuation, TestEchoModel, tokenizeForTest } from './test-model.js';

const req = { maxTokens: 64, temperature: 0, topP: 1, stop: [] as string[] };

test('test-echo continues with what followed the longest earlier match of the prefix tail', async () => {
  const prefix = 'function add(a, b) {\n  return a + b;\n}\nfunction add(a, b) {\n  ';
  assert.equal(echoContinuation(prefix, '\n}\n').startsWith('return a + b;\n}\n'), true);
  const m = new TestEchoModel();
  const r = await m.complete({ ...req, prefix, suffix: '', stop: ['\n'] }, new AbortController().signal);
  assert.equal(r.text, 'return a + b;');
  assert.equal(r.tokens, tokenizeForTest('return a + b;\n').length);
  assert.equal((await m.complete({ ...req, prefix: 'xyz', suffix: '' }, new AbortController().signal)).text, '');
  assert.equal(tokenizeForTest('ab  c(d)').join('|'), 'ab|  |c|(|d|)');
});

test('test-echo stops between tokens when aborted or when onToken says stop, and reports reused prompt tokens', async () => {
  const prefix = 'a b c d e f g h i j k l m n o p\nq r s\na b';
  const m = new TestEchoModel({ tokenDelayMs: 1 });
  const ac = new AbortController();
  let seen = 0;
  const r = await m.complete({ ...req, prefix, suffix: '' }, ac.signal, () => {
    if (++seen === 3) ac.abort();
    return true;
  });
  assert.equal(r.tokens, 3);
  const r2 = await m.complete({ ...req, prefix, suffix: '' }, new AbortController().signal, (t) => t.length < 4);
  assert.equal(r2.text, ' c d');
  assert.equal(r2.reusedTokens, tokenizeForTest(prefix).length);
});
