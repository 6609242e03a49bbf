import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../util/rng.js';
import { Deduplicator } from './dedup.js';
import { randomSource } from './test-helpers.js';

test('exact copies and whitespace-only variants are duplicates of the first file; different files are not', () => {
  const rng = new Rng(5);
  const d = new Deduplicator();
  const files = Array.from({ length: 30 }, () => randomSource(rng, 20 + rng.int(20)));
  files.forEach((f, i) => assert.equal(d.check(`f${i}`, f), undefined, 'distinct random files are all new'));
  for (let k = 0; k < 30; k++) {
    const i = rng.int(files.length);
    const f = files[i]!;
    assert.deepEqual(d.check(`copy${k}`, f), { kind: 'exact-duplicate', of: `f${i}` });
    const variants = [f.replace(/\n/g, '\r\n'), f.replace(/^ {2}/gm, '\t'), f.replace(/\n/g, '  \n'), '\n' + f];
    for (const v of variants) assert.deepEqual(d.check(`near${k}`, v), { kind: 'near-duplicate', of: `f${i}` });
  }
  // Changing one character (not whitespace) makes a new file.
  const changed = files[0]!.replace(/\d/, (c) => String((Number(c) + 1) % 10));
  assert.equal(d.check('changed', changed), undefined);
});
