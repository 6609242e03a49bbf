import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editSimilarity, levenshtein } from './edit-similarity.js';
import { Rng } from '../util/rng.js';

/** Exponential-time definition, as an independent reference on short strings. */
function naive(a: string, b: string): number {
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  return Math.min(naive(a.slice(1), b) + 1, naive(a, b.slice(1)) + 1, naive(a.slice(1), b.slice(1)) + (a[0] === b[0] ? 0 : 1));
}

test('Levenshtein distance equals its recursive definition on random short strings', () => {
  const rng = new Rng(3);
  const word = () => Array.from({ length: rng.int(7) }, () => 'ab(c '[rng.int(5)]).join('');
  for (let i = 0; i < 300; i++) {
    const [a, b] = [word(), word()];
    assert.equal(levenshtein(a, b), naive(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  }
});

test('edit similarity: known values', () => {
  assert.equal(editSimilarity('', ''), 1);
  assert.equal(editSimilarity('abc', 'abc'), 1);
  assert.equal(editSimilarity('abc', ''), 0);
  assert.equal(editSimilarity('kitten', 'sitting'), 1 - 3 / 7);
});
