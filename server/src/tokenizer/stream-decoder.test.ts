import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { FIRST_BYTE_ID, SPECIAL_IDS } from './special-tokens.js';
import { TokenStreamDecoder } from './stream-decoder.js';
import { trainBpe } from './train-bpe.js';

const tokenizer = trainBpe(['function ä() { return "日本語😀"; }\n'.repeat(20), 'é€'.repeat(30)], { vocabSize: 400 });

test('streamed text equals the whole decode, and every chunk holds complete characters only', () => {
  const rng = new Rng(17);
  const atoms = ['a', ' ', '\n', 'é', '€', '😀', '日本', '<|endoftext|>', '{'];
  for (let t = 0; t < 100; t++) {
    let text = '';
    for (let i = rng.int(60); i > 0; i--) text += atoms[rng.int(atoms.length)];
    // Single-byte ids too, so that multi-byte characters really arrive split across tokens.
    const ids = rng.next() < 0.5 ? tokenizer.encode(text) : [...Buffer.from(text, 'utf8')].map((b) => FIRST_BYTE_ID + b);
    const stream = new TokenStreamDecoder(tokenizer);
    let out = '';
    for (const id of ids) {
      const chunk = stream.push(id);
      assert.ok(!chunk.includes('\ufffd'), 'no replacement characters for valid text');
      assert.ok(!/[\ud800-\udbff]$/.test(chunk), 'no dangling high surrogate');
      out += chunk;
    }
    out += stream.end();
    assert.equal(out, text);
  }
});

test('invalid bytes come out as U+FFFD, like a whole-buffer decode; skipSpecial drops specials', () => {
  const rng = new Rng(18);
  for (let t = 0; t < 50; t++) {
    const bytes = Array.from({ length: rng.int(40) }, () => (rng.next() < 0.5 ? 0x80 + rng.int(128) : rng.int(128)));
    const stream = new TokenStreamDecoder(tokenizer);
    let out = '';
    for (const b of bytes) out += stream.push(FIRST_BYTE_ID + b);
    out += stream.end();
    assert.equal(out, Buffer.from(bytes).toString('utf8'));
  }
  const quiet = new TokenStreamDecoder(tokenizer, { skipSpecial: true });
  assert.equal(quiet.push(SPECIAL_IDS.endOfText) + quiet.push(FIRST_BYTE_ID + 0x41) + quiet.end(), 'A');
});
