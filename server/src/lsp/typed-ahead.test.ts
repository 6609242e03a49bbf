import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { rememberSuggestion, typedAheadRemainder } from './typed-ahead.js';

test('typed-ahead: typing the first k characters of a suggestion leaves exactly its remainder (random texts)', () => {
  const rng = new Rng(9);
  const chars = 'abc xyz();\n';
  const rand = (n: number) => Array.from({ length: n }, () => chars[rng.nextU32() % chars.length]).join('');
  for (let t = 0; t < 300; t++) {
    const prefix = rand(1 + (rng.nextU32() % 400));
    const suffix = rand(rng.nextU32() % 50);
    const text = 'q' + rand(1 + (rng.nextU32() % 30)) + 'z';
    const offset = 1000 + (rng.nextU32() % 1000);
    const shown = rememberSuggestion(offset, prefix, suffix, text);
    const k = 1 + (rng.nextU32() % (text.length - 1));
    const typed = text.slice(0, k);
    const rest = text.slice(k);
    const want = rest.trim() === '' ? undefined : rest;
    assert.equal(typedAheadRemainder(shown, offset + k, prefix + typed, suffix), want);
    // Something else typed, the rest of the file changed, or the cursor went back: no reuse.
    assert.equal(typedAheadRemainder(shown, offset + k, prefix + 'Q' + typed.slice(1), suffix), undefined);
    assert.equal(typedAheadRemainder(shown, offset + k, prefix + typed, suffix + '!'), undefined);
    assert.equal(typedAheadRemainder(shown, offset, prefix, suffix), undefined);
    assert.equal(typedAheadRemainder(shown, offset + text.length, prefix + text, suffix), undefined);
  }
});
