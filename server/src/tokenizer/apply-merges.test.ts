import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { applyMergesHeap, applyMergesRescan, type MergeTable } from './apply-merges.js';
import { MAX_VOCAB_SIZE } from './special-tokens.js';

/** A random merge table over a small alphabet whose merges only use earlier ids (as training produces). */
function randomTable(rng: Rng, alphabet: number, merges: number): MergeTable {
  const rankOfPair = new Map<number, number>();
  const idOfRank = new Int32Array(merges);
  for (let r = 0; r < merges; r++) {
    const id = alphabet + r;
    let key: number;
    do key = rng.int(id) * MAX_VOCAB_SIZE + rng.int(id);
    while (rankOfPair.has(key));
    rankOfPair.set(key, r);
    idOfRank[r] = id;
  }
  return { rankOfPair, idOfRank };
}

/** Reference from the definition: merge the single leftmost occurrence of the lowest-rank pair, repeat. */
function oneMergeAtATime(input: number[], t: MergeTable): number[] {
  const s = input.slice();
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < s.length; i++) {
      const r = t.rankOfPair.get(s[i]! * MAX_VOCAB_SIZE + s[i + 1]!);
      if (r !== undefined && r < bestRank) [best, bestRank] = [i, r];
    }
    if (best < 0) return s;
    s.splice(best, 2, t.idOfRank[bestRank]!);
  }
}

test('heap and rescan merging agree with the one-merge-at-a-time definition on random tables', () => {
  const rng = new Rng(21);
  for (let t = 0; t < 60; t++) {
    const alphabet = 2 + rng.int(4);
    const table = randomTable(rng, alphabet, 1 + rng.int(40));
    for (let k = 0; k < 10; k++) {
      const n = rng.int(150);
      const symbols = Array.from({ length: n }, () => rng.int(alphabet));
      const want = oneMergeAtATime(symbols, table);
      assert.deepEqual(applyMergesRescan(symbols, table), want);
      assert.deepEqual(applyMergesHeap(symbols, table), want);
    }
  }
});
