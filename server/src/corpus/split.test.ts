import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { splitOf, stableUnit } from './split.js';
import { randomIdentifier } from './test-helpers.js';

test('a file keeps its split: same answer every call, independent of other files, pinned values', () => {
  const rng = new Rng(3);
  const names = Array.from({ length: 2000 }, (_, i) => `src/${randomIdentifier(rng)}/${i}.ts`);
  const first = names.map((n) => splitOf('pkg@1.0.0', n));
  const again = [...names].reverse().map((n) => splitOf('pkg@1.0.0', n)).reverse();
  assert.deepEqual(again, first);
  // Pinned values: a change of the hash would silently move files between splits (test leakage).
  assert.equal(stableUnit('lodash@4.18.1/add.js').toFixed(9), '0.270892595');
  assert.equal(stableUnit('a@1/b').toFixed(9), '0.047198062');
  assert.deepEqual(['f15.ts', 'f20.ts', 'f26.ts', 'f39.ts', 'f0.ts'].map((f) => splitOf('pkg@1.0.0', f)), ['val', 'test', 'val', 'test', 'train']);
  // The package is part of the key: the same path in two packages is split independently.
  const moved = names.filter((n) => splitOf('pkg@1.0.0', n) !== splitOf('other@2.0.0', n)).length;
  assert.ok(moved > 100, `${moved} of 2000 paths differ between packages`);
});

test('split shares follow the fractions (90/5/5 by default, and custom)', () => {
  const rng = new Rng(4);
  const n = 20000;
  const counts = { train: 0, val: 0, test: 0 };
  const custom = { train: 0, val: 0, test: 0 };
  for (let i = 0; i < n; i++) {
    const path = `lib/${randomIdentifier(rng)}-${i}.js`;
    counts[splitOf('p@1', path)]++;
    custom[splitOf('p@1', path, { val: 0.2, test: 0.1 })]++;
  }
  // Binomial standard deviation at n = 20000, p = 0.05 is 0.0015; allow 4 sigma.
  assert.ok(Math.abs(counts.val / n - 0.05) < 0.006 && Math.abs(counts.test / n - 0.05) < 0.006, JSON.stringify(counts));
  assert.ok(Math.abs(custom.val / n - 0.2) < 0.012 && Math.abs(custom.test / n - 0.1) < 0.009, JSON.stringify(custom));
  assert.throws(() => splitOf('p', 'a', { val: 0.6, test: 0.5 }), /leave room/);
});
