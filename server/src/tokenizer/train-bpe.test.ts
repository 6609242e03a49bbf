import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { countPieces, learnMerges, pairKey, trainBpe } from './train-bpe.js';
import { FIRST_BYTE_ID, FIRST_MERGE_ID } from './special-tokens.js';

/**
 * Textbook BPE, rescanning every word for every merge: count all adjacent pairs (weighted by word
 * count), take the most frequent (ties: smallest pair key), merge it left to right everywhere.
 */
function naiveMerges(pieceCounts: Map<string, number>, numMerges: number, minFrequency: number): Array<[number, number]> {
  let words = [...pieceCounts].map(([p, c]) => ({ s: [...p].map((ch) => FIRST_BYTE_ID + ch.charCodeAt(0)), c }));
  const merges: Array<[number, number]> = [];
  while (merges.length < numMerges) {
    const counts = new Map<number, number>();
    for (const w of words) for (let i = 0; i + 1 < w.s.length; i++) {
      const k = pairKey(w.s[i]!, w.s[i + 1]!);
      counts.set(k, (counts.get(k) ?? 0) + w.c);
    }
    let bestKey = -1;
    let bestCount = 0;
    for (const [k, c] of counts) if (c > bestCount || (c === bestCount && k < bestKey)) [bestKey, bestCount] = [k, c];
    if (bestKey < 0 || bestCount < minFrequency) break;
    const a = Math.floor(bestKey / 65536);
    const b = bestKey % 65536;
    const id = FIRST_MERGE_ID + merges.length;
    merges.push([a, b]);
    words = words.map((w) => {
      const s: number[] = [];
      for (let i = 0; i < w.s.length; ) {
        if (w.s[i] === a && w.s[i + 1] === b) { s.push(id); i += 2; } else { s.push(w.s[i]!); i += 1; }
      }
      return { s, c: w.c };
    });
  }
  return merges;
}

function randomCorpus(rng: Rng, docs: number): string[] {
  // Few distinct characters so that pairs tie often and overlapping runs ("aaaa") are common.
  const atoms = ['a', 'b', 'ab', 'aa', ' ', '  ', '\n  ', '(', ')', '1', 'é'];
  return Array.from({ length: docs }, () => {
    let s = '';
    const n = rng.int(200);
    for (let i = 0; i < n; i++) s += atoms[rng.int(atoms.length)];
    return s;
  });
}

test('incremental training learns exactly the merges of textbook BPE', () => {
  const rng = new Rng(3);
  for (let t = 0; t < 15; t++) {
    const counts = countPieces(randomCorpus(rng, 20));
    const minFrequency = 1 + rng.int(3);
    assert.deepEqual(learnMerges(counts, 120, minFrequency), naiveMerges(counts, 120, minFrequency));
  }
});

test('training is deterministic and independent of document order', () => {
  const rng = new Rng(8);
  const docs = randomCorpus(rng, 60);
  const first = trainBpe(docs, { vocabSize: FIRST_MERGE_ID + 80 }).merges;
  const again = trainBpe(docs, { vocabSize: FIRST_MERGE_ID + 80 }).merges;
  const shuffled = trainBpe(rng.shuffle(docs.slice()), { vocabSize: FIRST_MERGE_ID + 80 }).merges;
  assert.ok(first.length > 20);
  assert.deepEqual(again, first);
  assert.deepEqual(shuffled, first);
});

test('vocabSize bounds the merges, minFrequency stops early, bad options are refused', () => {
  const docs = randomCorpus(new Rng(4), 30);
  assert.equal(trainBpe(docs, { vocabSize: FIRST_MERGE_ID + 7 }).vocabSize, FIRST_MERGE_ID + 7);
  const rare = trainBpe(['xyzw'], { vocabSize: 1000, minFrequency: 2 });
  assert.equal(rare.vocabSize, FIRST_MERGE_ID, 'no pair occurs twice');
  assert.throws(() => trainBpe(docs, { vocabSize: 100 }), /vocabSize must be an integer from 262/);
  assert.throws(() => trainBpe(docs, { vocabSize: 70000 }), /65536/);
  assert.throws(() => trainBpe(docs, { vocabSize: 1000, minFrequency: 0 }), /minFrequency/);
});
