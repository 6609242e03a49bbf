import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { bytesToLatin1 } from './byte-level.js';
import { SPLIT_PATTERN, splitPieces } from './pretokenize.js';

const pieces = (text: string) => splitPieces(bytesToLatin1(Buffer.from(text, 'utf8'))).map((p) => Buffer.from(p, 'latin1').toString('utf8'));

test('code is split into words, indentation, punctuation runs and short digit groups', () => {
  assert.deepEqual(pieces('if (x) {\n    return a.map(v => v + 12345);\n}\n'), [
    'if', ' (', 'x', ')', ' {', '\n    ', 'return', ' a', '.map', '(v', ' =>', ' v', ' +', ' 123', '45', ');', '\n', '}', '\n',
  ]);
  assert.deepEqual(pieces('a   = 1;  \n\n\tb'), ['a', '  ', ' =', ' 1', ';', '  \n\n\t', 'b']);
  assert.deepEqual(pieces('const héllo_wörld = "<|endoftext|>";'), [
    'const', ' héllo_wörld', ' =', ' "<|', 'endoftext', '|>";',
  ]);
});

test('pieces tile any byte sequence, invalid UTF-8 included', () => {
  const rng = new Rng(5);
  for (let t = 0; t < 200; t++) {
    const bytes = new Uint8Array(rng.int(400));
    // Mostly a small alphabet of code-like bytes so that every alternative gets exercised.
    const alphabet = [0x20, 0x20, 0x0a, 0x0d, 0x09, 0x0b, 0x0c, 0x61, 0x5f, 0x31, 0x28, 0x2e, 0xc3, 0xa9, 0xa0, 0x85, 0xff, 0x00];
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.next() < 0.7 ? alphabet[rng.int(alphabet.length)]! : rng.int(256);
    const s = bytesToLatin1(bytes);
    const parts = splitPieces(s);
    assert.equal(parts.join(''), s);
    for (const p of parts) assert.ok(p.length > 0);
  }
  assert.deepEqual(splitPieces(''), []);
});

test('the pattern splits unicode text (u flag, as transformers.js reads tokenizer.json) as it splits the UTF-8 bytes', () => {
  const unicodeRe = new RegExp(SPLIT_PATTERN, 'gu');
  const rng = new Rng(9);
  const atoms = [' ', '  ', '\n', '\r\n', '\t', 'a', 'Z', '_', '7', '(', '.', '"', '=', 'é', '€', '😀', '中', '\u00a0', '\u0085', '\u2028', '\x00', '\x7f'];
  for (let t = 0; t < 300; t++) {
    let text = '';
    const n = rng.int(40);
    for (let i = 0; i < n; i++) text += atoms[rng.int(atoms.length)];
    const viaUnicode = [...text.matchAll(unicodeRe)].map((m) => m[0]);
    assert.deepEqual(pieces(text), viaUnicode, JSON.stringify(text));
  }
});
