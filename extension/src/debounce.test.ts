import { test } from 'node:test';
import assert from 'node:assert/strict';
import { debounceDelay, MAX_ADAPTIVE_MS, RHYTHM_FACTOR, SMOOTHING, TYPING_GAP_MS, TypingRhythm } from './debounce.js';

/** Reference: the smoothed interval, written as a plain fold over the gaps that count as typing. */
function referenceInterval(times: number[]): number | undefined {
  const gaps = times.slice(1).map((t, i) => t - times[i]!).filter((g) => g >= 0 && g <= TYPING_GAP_MS);
  if (!gaps.length) return undefined;
  let ema = gaps[0]!;
  for (const g of gaps.slice(1)) ema = (1 - SMOOTHING) * ema + SMOOTHING * g;
  return ema;
}

test('the typing rhythm is the exponential moving average of the gaps between keystrokes, pauses left out', () => {
  for (let trial = 0; trial < 200; trial++) {
    const times: number[] = [];
    let t = Math.random() * 1e6;
    const n = 1 + Math.floor(Math.random() * 30);
    for (let i = 0; i < n; i++) {
      t += Math.random() < 0.15 ? TYPING_GAP_MS + 1 + Math.random() * 5000 : Math.random() * 600;
      times.push(t);
    }
    const r = new TypingRhythm();
    for (const x of times) r.record(x);
    const want = referenceInterval(times);
    if (want === undefined) assert.equal(r.interval, undefined);
    else assert.ok(Math.abs(r.interval! - want) < 1e-9 * Math.max(1, want), `trial ${trial}: ${r.interval} vs ${want}`);
  }
});

test('the adaptive delay follows the rhythm within [debounceMs, MAX_ADAPTIVE_MS]; fixed ignores it', () => {
  for (let trial = 0; trial < 500; trial++) {
    const base = Math.floor(Math.random() * 2000);
    const interval = Math.random() < 0.1 ? undefined : Math.random() * 2000;
    const fixed = debounceDelay(base, false, interval);
    assert.equal(fixed, base);
    const d = debounceDelay(base, true, interval);
    const want = interval === undefined ? base : Math.max(base, Math.min(MAX_ADAPTIVE_MS, RHYTHM_FACTOR * interval));
    assert.equal(d, want);
    assert.ok(d >= base);
  }
});
