import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeletionOnly, type TextChange } from './edit-kind.js';

function randomChange(): TextChange {
  const r = Math.random();
  if (r < 0.4) return { rangeLength: 1 + Math.floor(Math.random() * 20), text: '' }; // a deletion
  if (r < 0.7) return { rangeLength: 0, text: String.fromCharCode(97 + Math.floor(Math.random() * 26)) }; // typing
  if (r < 0.85) return { rangeLength: 1 + Math.floor(Math.random() * 5), text: 'x'.repeat(1 + Math.floor(Math.random() * 3)) }; // replace
  return { rangeLength: 0, text: '' }; // no-op
}

test('only changes that all remove text and insert nothing count as deletion-only', () => {
  for (let trial = 0; trial < 500; trial++) {
    const changes = Array.from({ length: Math.floor(Math.random() * 4) }, randomChange);
    let want = changes.length > 0;
    for (const c of changes) if (!(c.text.length === 0 && c.rangeLength > 0)) want = false;
    assert.equal(isDeletionOnly(changes), want, JSON.stringify(changes));
  }
});
