import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { bytesToLatin1 } from './byte-level.js';
import { splitPieces } from './pretokenize.js';
import { findNodeModules, findSourceFiles, isHeldOut, readCorpus } from './source-corpus.js';
import { FIRST_BYTE_ID, FIRST_MERGE_ID, SPECIAL_IDS, SPECIAL_TOKENS, isSpecialId } from './special-tokens.js';
import { trainBpe } from './train-bpe.js';
import type { Tokenizer } from './tokenizer.js';

const nodeModules = findNodeModules([process.cwd(), __dirname]);
assert.ok(nodeModules, 'the tests need the installed node_modules (run npm install)');
// Train on TypeScript's own sources; test on the language-server packages, which training never saw.
const trainFiles = findSourceFiles(join(nodeModules, 'typescript', 'lib')).filter((f) => !isHeldOut(f, nodeModules, 0.5));
const tokenizer = trainBpe(readCorpus(trainFiles, 1_500_000, 64 * 1024), { vocabSize: 3000 });
const lspFiles = ['vscode-languageserver', 'vscode-languageserver-protocol'].flatMap((p) => findSourceFiles(join(nodeModules, p)));

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

/** Reference encoder from the definition, sharing nothing with Tokenizer but the pre-tokenizer. */
function referenceEncode(tok: Tokenizer, bytes: Uint8Array): number[] {
  const rank = new Map(tok.merges.map(([a, b], r) => [`${a},${b}`, r]));
  const out: number[] = [];
  for (const piece of splitPieces(bytesToLatin1(bytes))) {
    const s = [...piece].map((c) => FIRST_BYTE_ID + c.charCodeAt(0));
    for (;;) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = rank.get(`${s[i]},${s[i + 1]}`);
        if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
      }
      if (best < 0) break;
      s.splice(best, 2, FIRST_MERGE_ID + bestRank);
    }
    out.push(...s);
  }
  return out;
}

test('special tokens have their documented fixed ids', () => {
  assert.deepEqual(
    SPECIAL_TOKENS.map((t) => [t.id, t.content]),
    [[0, '<|endoftext|>'], [1, '<|fim_prefix|>'], [2, '<|fim_suffix|>'], [3, '<|fim_middle|>'], [4, '<|file_sep|>'], [5, '<|pad|>']],
  );
  assert.equal(tokenizer.specialId('fimMiddle'), 3);
  assert.equal(SPECIAL_IDS.endOfText, 0);
  assert.equal(Buffer.from(tokenizer.tokenBytes(SPECIAL_IDS.fileSep)).toString(), '<|file_sep|>');
});

test('round trip is exact for random bytes, invalid UTF-8 and empty input', () => {
  const rng = new Rng(1);
  assert.deepEqual(tokenizer.encode(new Uint8Array(0)), []);
  assert.deepEqual(tokenizer.encode(''), []);
  assert.deepEqual(tokenizer.decode([]), new Uint8Array(0));
  for (let t = 0; t < 300; t++) {
    const bytes = randomBytes(rng, rng.int(t < 290 ? 300 : 20000));
    const ids = tokenizer.encode(bytes);
    assert.deepEqual(tokenizer.decode(ids), bytes);
  }
  for (const bad of [[0xff], [0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x80, 0x80, 0x20, 0x61]]) {
    const bytes = Uint8Array.from(bad);
    assert.deepEqual(tokenizer.decode(tokenizer.encode(bytes)), bytes);
  }
});

test('round trip is exact on every source file of the installed language-server packages', () => {
  assert.ok(lspFiles.length > 50);
  for (const f of lspFiles) {
    const bytes = new Uint8Array(readFileSync(f));
    assert.deepEqual(tokenizer.decode(tokenizer.encode(bytes)), bytes, f);
  }
});

test('encoding matches the merge-by-merge definition (cache and long-piece path included)', () => {
  const rng = new Rng(2);
  const texts: Uint8Array[] = lspFiles.slice(0, 6).map((f) => new Uint8Array(readFileSync(f)));
  texts.push(new Uint8Array(Buffer.from(' '.repeat(300) + 'x'.repeat(500) + '=='.repeat(100))));
  for (let t = 0; t < 20; t++) texts.push(randomBytes(rng, 200));
  for (const bytes of texts) {
    const want = referenceEncode(tokenizer, bytes);
    assert.deepEqual(tokenizer.encode(bytes), want);
    assert.deepEqual(tokenizer.encode(bytes), want, 'second encode (cached pieces) is the same');
  }
});

test('text never encodes to special tokens, even when it spells them out', () => {
  const rng = new Rng(3);
  const specials = SPECIAL_TOKENS.map((t) => t.content);
  for (let t = 0; t < 100; t++) {
    let text = '';
    for (let i = 0; i < 10; i++) text += rng.next() < 0.5 ? specials[rng.int(specials.length)] : 'x = f(y);\n'.slice(rng.int(5));
    const ids = tokenizer.encode(text);
    assert.ok(ids.every((id) => !isSpecialId(id)), text);
    assert.equal(tokenizer.decodeText(ids), text);
  }
});

test('strings are encoded as UTF-8; tokenBytes concatenate to decode; skipSpecial drops specials', () => {
  const text = 'const grüße = "日本語 😀";\n';
  const ids = tokenizer.encode(text);
  assert.deepEqual(ids, tokenizer.encode(new Uint8Array(Buffer.from(text, 'utf8'))));
  assert.equal(Buffer.concat(ids.map((id) => tokenizer.tokenBytes(id))).toString('utf8'), text);
  assert.equal(tokenizer.decodeText(ids), text);
  const withSpecials = [SPECIAL_IDS.fimPrefix, ...ids, SPECIAL_IDS.endOfText];
  assert.equal(tokenizer.decodeText(withSpecials), `<|fim_prefix|>${text}<|endoftext|>`);
  assert.equal(tokenizer.decodeText(withSpecials, { skipSpecial: true }), text);
  assert.throws(() => tokenizer.tokenBytes(tokenizer.vocabSize), /not in the vocabulary/);
  assert.throws(() => tokenizer.decode([-1]), /not in the vocabulary/);
});

test('a token spelled __proto__ survives a save/load round trip (tokenizer.json vocab is a plain JSON object)', async () => {
  const { trainBpe } = await import('./train-bpe.js');
  const { toTokenizerJson, fromTokenizerJson } = await import('./tokenizer-json.js');
  const text = '__proto__\nx = 1;\n'.repeat(100);
  const tok = trainBpe([text], { vocabSize: 300 });
  const spelled = Array.from({ length: tok.vocabSize }, (_, id) => Buffer.from(tok.tokenBytes(id)).toString('latin1'));
  assert.ok(spelled.includes('__proto__'), 'the tokenizer learned a __proto__ token');
  const back = fromTokenizerJson(JSON.parse(JSON.stringify(toTokenizerJson(tok))), 'round-trip');
  assert.deepEqual(back.encode(text), tok.encode(text));
  assert.equal(back.vocabSize, tok.vocabSize);
});
