import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { CompletionCache } from './completion-cache.js';
import { LatencyRecorder, nearestRank } from './latency-stats.js';

test('CompletionCache behaves like a reference LRU (array, most recent last) on random operations', () => {
  const rng = new Rng(3);
  for (const capacity of [1, 3, 8]) {
    const cache = new CompletionCache(capacity);
    const ref: { k: string; v: string }[] = [];
    let hits = 0;
    let misses = 0;
    for (let i = 0; i < 2000; i++) {
      const k = `k${rng.nextU32() % 12}`;
      if (rng.nextU32() % 2) {
        const v = `v${rng.nextU32()}`;
        const at = ref.findIndex((e) => e.k === k);
        if (at >= 0) ref.splice(at, 1);
        ref.push({ k, v });
        if (ref.length > capacity) ref.shift();
        cache.set(k, v);
      } else {
        const at = ref.findIndex((e) => e.k === k);
        const want = at >= 0 ? (ref[at] as { v: string }).v : undefined;
        if (at >= 0) {
          hits++;
          ref.push(...ref.splice(at, 1));
        } else misses++;
        assert.equal(cache.get(k), want);
      }
      assert.equal(cache.size, ref.length);
    }
    assert.equal(cache.hits, hits);
    assert.equal(cache.misses, misses);
    assert.equal(cache.hitRate, hits / (hits + misses));
  }
});

test('CompletionCache.key separates fields and settings', () => {
  const a = CompletionCache.key({ prefix: 'ab', suffix: 'c', settings: [1], model: 'm' });
  assert.notEqual(a, CompletionCache.key({ prefix: 'a', suffix: 'bc', settings: [1], model: 'm' }));
  assert.notEqual(a, CompletionCache.key({ prefix: 'ab', suffix: 'c', settings: [2], model: 'm' }));
  assert.notEqual(a, CompletionCache.key({ prefix: 'ab', suffix: 'c', settings: [1], model: 'n' }));
  assert.equal(a, CompletionCache.key({ prefix: 'ab', suffix: 'c', settings: [1], model: 'm' }));
});

test('LatencyRecorder percentiles equal nearest-rank on the sorted samples (random data, and a full ring)', () => {
  const rng = new Rng(5);
  const rec = new LatencyRecorder(500);
  const all: number[] = [];
  for (let i = 0; i < 1300; i++) {
    const ms = 1 + (rng.nextU32() / 2 ** 32) * 300;
    rec.record(ms);
    all.push(ms);
  }
  const recent = all.slice(-500).sort((a, b) => a - b);
  const s = rec.summary();
  for (const [p, got] of [[0.5, s.p50], [0.95, s.p95], [0.99, s.p99]] as const) {
    // Independent reference: count how many samples are <= the answer.
    const atOrBelow = recent.filter((x) => x <= got).length;
    assert.ok(atOrBelow >= p * recent.length, `p${p * 100}`);
    assert.ok(recent.filter((x) => x < got).length < p * recent.length, `p${p * 100} is the smallest such value`);
  }
  assert.equal(s.count, 1300);
  assert.ok(Math.abs(s.mean - all.reduce((a, b) => a + b, 0) / all.length) < 1e-9);
  assert.equal(s.max, recent[recent.length - 1]);
  assert.equal(nearestRank([], 0.5), 0);
});
