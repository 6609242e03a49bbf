import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addSamples, bucketLabels, bucketOf, emptyHistogram, LATENCY_EDGES_MS } from './histogram.js';

/** A seeded generator (mulberry32) so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random latencies land in the bucket a linear scan picks, and every sample is counted once', () => {
  const r = rng(7);
  const samples = Array.from({ length: 3000 }, () => Math.exp(r() * Math.log(20000)) - 1 + (r() < 0.05 ? LATENCY_EDGES_MS[Math.floor(r() * 11)]! + 1 : 0));
  // Exact edges too: an edge belongs to the bucket that starts there.
  samples.push(...LATENCY_EDGES_MS);
  const h = addSamples(emptyHistogram(), samples);
  const expected = LATENCY_EDGES_MS.map(() => 0);
  for (const v of samples) {
    let i = 0;
    for (let j = 0; j < LATENCY_EDGES_MS.length; j++) if (v >= LATENCY_EDGES_MS[j]!) i = j;
    expected[i]!++;
  }
  assert.deepEqual(h.counts, expected);
  assert.equal(h.counts.reduce((a, b) => a + b, 0), samples.length);
});

test('adding in two parts equals adding at once; bad samples are ignored; the input is not mutated', () => {
  const r = rng(11);
  const a = Array.from({ length: 500 }, () => r() * 6000);
  const b = Array.from({ length: 500 }, () => r() * 300);
  const empty = emptyHistogram();
  const once = addSamples(empty, [...a, ...b]);
  const twice = addSamples(addSamples(empty, a), [...b, NaN, -1, Infinity]);
  assert.deepEqual(twice.counts, once.counts);
  assert.ok(empty.counts.every((c) => c === 0));
});

test('bucketOf on random edges agrees with a linear scan', () => {
  const r = rng(3);
  const edges = [0, ...Array.from({ length: 20 }, () => r() * 1000)].sort((x, y) => x - y);
  for (let k = 0; k < 1000; k++) {
    const v = r() * 1100;
    let want = 0;
    edges.forEach((e, j) => { if (v >= e) want = j; });
    assert.equal(bucketOf(edges, v), want);
  }
});

test('labels name each bucket and the open last one', () => {
  assert.deepEqual(bucketLabels([0, 5, 10, 1000, 2500]), ['0–5', '5–10', '10–1k', '1k–2.5k', '≥2.5k']);
});
