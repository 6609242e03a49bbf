import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { trainBpe } from '../tokenizer/train-bpe.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { encodeDocument, randomFimParts } from './fim-document.js';
import { randomSource } from './test-helpers.js';

const rng0 = new Rng(21);
const trainingText = Array.from({ length: 20 }, () => randomSource(rng0, 30)).join('');
const tokenizer = trainBpe([trainingText], { vocabSize: 600 });
const enc = (s: string) => new TextEncoder().encode(s);
const utf8 = (b: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(b);

/**
 * Independent reading of one encoded document: plain = text EOT; SPM FIM =
 * PRE SUF suffix MID prefix+middle EOT. Returns the document text and whether it was FIM.
 */
function reassemble(ids: number[]): { text: string; fim: boolean } {
  assert.equal(ids[ids.length - 1], SPECIAL_IDS.endOfText, 'every document ends with <|endoftext|>');
  const body = ids.slice(0, -1);
  if (body[0] !== SPECIAL_IDS.fimPrefix) {
    assert.ok(body.every((id) => id >= 6), 'plain documents hold no special tokens');
    return { text: utf8(tokenizer.decode(body)), fim: false };
  }
  assert.equal(body[1], SPECIAL_IDS.fimSuffix, 'SPM: <|fim_suffix|> right after <|fim_prefix|>');
  const mid = body.indexOf(SPECIAL_IDS.fimMiddle);
  assert.ok(mid >= 2);
  const rest = [...body.slice(2, mid), ...body.slice(mid + 1)];
  assert.ok(rest.every((id) => id >= 6), 'exactly three special tokens before <|endoftext|>');
  const suffix = utf8(tokenizer.decode(body.slice(2, mid)));
  const prefixAndMiddle = utf8(tokenizer.decode(body.slice(mid + 1)));
  return { text: prefixAndMiddle + suffix, fim: true };
}

test('every encoded document (plain or SPM FIM) decodes back to the document text', () => {
  const rng = new Rng(7);
  let fim = 0;
  const docs = Array.from({ length: 300 }, () => randomSource(rng, 1 + rng.int(15)));
  docs.push('', 'x', '名前🙂');
  for (const doc of docs) {
    const r = reassemble(encodeDocument(tokenizer, enc(doc), rng, 0.5));
    assert.equal(r.text, doc);
    if (r.fim) fim++;
  }
  // Binomial(303, 0.5): mean 151.5, sd 8.7; allow 5 sd.
  assert.ok(Math.abs(fim - 151.5) < 44, `${fim} FIM documents of 303`);
});

test('FIM parts cut at UTF-8 character boundaries and cover every cut position', () => {
  const rng = new Rng(8);
  const doc = enc('aé名🙂b'.repeat(3));
  const cuts = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const { prefix, middle, suffix } = randomFimParts(doc, rng);
    assert.equal(prefix.length + middle.length + suffix.length, doc.length);
    for (const part of [prefix, middle, suffix]) utf8(part); // throws on half a character
    cuts.add(prefix.length).add(prefix.length + middle.length);
  }
  // Character boundaries of 'aé名🙂b' x3: 5 per repeat plus the end = 16 positions.
  assert.equal(cuts.size, 16);
});

test('rate 0 gives only plain documents, rate 1 only FIM; the same seed gives the same tokens, another seed other tokens', () => {
  const rng = new Rng(9);
  const docs = Array.from({ length: 40 }, () => enc(randomSource(rng, 10)));
  const run = (seed: number, rate: number) => {
    const r = new Rng(seed);
    return docs.map((d) => encodeDocument(tokenizer, d, r, rate));
  };
  assert.ok(run(1, 0).every((ids) => ids[0] !== SPECIAL_IDS.fimPrefix));
  assert.ok(run(1, 1).every((ids) => ids[0] === SPECIAL_IDS.fimPrefix));
  assert.deepEqual(run(42, 0.5), run(42, 0.5));
  assert.notDeepEqual(run(42, 0.5), run(43, 0.5));
  assert.throws(() => encodeDocument(tokenizer, docs[0]!, rng, 1.5), /FIM rate/);
});
