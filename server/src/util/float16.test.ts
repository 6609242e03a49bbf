import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  float16ToFloat32,
  float32ToFloat16,
  fromHalfBits,
  roundToFloat16,
  toHalfBits,
} from './float16.js';
import { Rng } from './rng.js';

/**
 * Independent reference, in float64: the value of each half bit pattern from the IEEE formula,
 * and rounding by binary search over all finite halves (ties to the even bit pattern).
 */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

// Positive halves 0x0000..0x7bff in increasing order, then 65536 standing for infinity (0x7c00):
// IEEE rounds to infinity exactly when the value is at or beyond max + ulp/2 = 65520, which is
// what treating infinity as the next "value" 65536 (even pattern) gives.
const POSITIVE = Array.from({ length: 0x7c01 }, (_, h) => (h === 0x7c00 ? 65536 : halfValue(h)));

function referenceHalfBits(x: number): number {
  if (Number.isNaN(x)) return -1;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65536) return sign | 0x7c00;
  let lo = 0;
  let hi = 0x7c00; // POSITIVE[lo] <= a < POSITIVE[hi]
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (POSITIVE[mid]! <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - POSITIVE[lo]!;
  const dHi = POSITIVE[hi]! - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

const f32 = (x: number) => Math.fround(x);

test('known values', () => {
  const cases: Array<[number, number]> = [
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff], // largest half
    [65519, 0x7bff], // below the rounding point to infinity
    [65520, 0x7c00], // halfway between 65504 and "65536": ties to even = infinity
    [1e6, 0x7c00],
    [-1e6, 0xfc00],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [0, 0x0000],
    [-0, 0x8000],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // halfway to the smallest subnormal: ties to even = 0
    [f32(2 ** -25 * 1.0000001), 0x0001], // just above halfway
    [3 * 2 ** -25, 0x0002], // 1.5 ulp: ties to even = 2
    [5 * 2 ** -25, 0x0002], // 2.5 ulp: ties to even = 2
    [1023 * 2 ** -24, 0x03ff], // largest subnormal
    [2 ** -14 - 2 ** -26, 0x0400], // rounds up out of the subnormals into the smallest normal
    [1e-10, 0x0000],
    [1e-45, 0x0000], // float32 subnormal
    [-1e-45, 0x8000],
    [1 + 2 ** -11, 0x3c00], // tie, even stays
    [1 + 3 * 2 ** -11, 0x3c02], // tie, odd rounds up
    [f32(1 + 2 ** -11 + 2 ** -20), 0x3c01], // just above tie
    [f32(0.1), 0x2e66],
    [f32(1 / 3), 0x3555],
    [f32(Math.PI), 0x4248],
    [-f32(Math.E), 0xc170],
  ];
  for (const [x, h] of cases) {
    assert.equal(toHalfBits(x), h, `toHalfBits(${x}) = 0x${toHalfBits(x).toString(16)}, expected 0x${h.toString(16)}`);
    assert.equal(referenceHalfBits(f32(x)), h, `reference disagrees on ${x}`);
  }
  assert.equal(fromHalfBits(0x7bff), 65504);
  assert.equal(fromHalfBits(0x0001), 2 ** -24);
  assert.equal(fromHalfBits(0x03ff), 1023 * 2 ** -24);
  assert.ok(Object.is(fromHalfBits(0x8000), -0));
  assert.equal(fromHalfBits(0xfc00), -Infinity);
  assert.ok(Number.isNaN(fromHalfBits(0x7e00)));
  const nan = toHalfBits(NaN);
  assert.ok((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0, 'NaN stays a NaN');
});

test('half -> float32 matches the IEEE formula on all 65536 bit patterns', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const wide = float16ToFloat32(all);
  for (let h = 0; h < 65536; h++) {
    const want = halfValue(h);
    if (Number.isNaN(want)) assert.ok(Number.isNaN(wide[h]!), `0x${h.toString(16)} should be NaN`);
    else assert.ok(Object.is(wide[h], want), `0x${h.toString(16)}: got ${wide[h]}, expected ${want}`);
  }
});

test('fp16 -> fp32 -> fp16 is the identity on all 65536 bit patterns (NaN payloads included)', () => {
  const all = new Uint16Array(65536).map((_, i) => i);
  const back = float32ToFloat16(float16ToFloat32(all));
  for (let h = 0; h < 65536; h++) assert.equal(back[h], h, `0x${h.toString(16)} came back as 0x${back[h]!.toString(16)}`);
});

test('float32 -> half matches the float64 reference on random values across the whole range', () => {
  const rng = new Rng(20240611);
  const n = 60000;
  const src = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    let x: number;
    if (kind === 0) {
      // log-uniform magnitudes from far below the subnormals to beyond the largest half
      x = 2 ** (-30 + 48 * rng.next()) * (rng.next() < 0.5 ? -1 : 1);
    } else if (kind === 1) {
      // exact midpoints between adjacent halves (representable in float32), nudged or not
      const h = rng.int(0x7bff);
      const mid = (halfValue(h) + halfValue(h + 1)) / 2;
      const nudge = [0, 1, -1][rng.int(3)]!;
      const m = new Float32Array([mid]);
      new Int32Array(m.buffer)[0]! += nudge;
      x = m[0]! * (rng.next() < 0.5 ? -1 : 1);
    } else {
      x = rng.normal() * 0.02; // typical weights
    }
    src[i] = x;
  }
  const got = float32ToFloat16(src);
  for (let i = 0; i < n; i++) {
    const want = referenceHalfBits(src[i]!);
    assert.equal(got[i], want, `${src[i]}: got 0x${got[i]!.toString(16)}, expected 0x${want.toString(16)}`);
  }
  // roundToFloat16 is the same rounding, widened back
  const rounded = roundToFloat16(src);
  for (let i = 0; i < n; i++) assert.ok(Object.is(rounded[i], halfValue(got[i]!)));
});

test('array views with an offset and in-place rounding', () => {
  const rng = new Rng(7);
  const buf = new Float32Array(103).map(() => rng.normal());
  const view = buf.subarray(3, 100);
  const halves = float32ToFloat16(view);
  assert.equal(halves.length, 97);
  for (let i = 0; i < 97; i++) assert.equal(halves[i], referenceHalfBits(view[i]!));
  const copy = Float32Array.from(buf);
  roundToFloat16(view, view);
  for (let i = 0; i < 103; i++) {
    const want = i >= 3 && i < 100 ? halfValue(referenceHalfBits(copy[i]!)) : copy[i];
    assert.equal(buf[i], want);
  }
  assert.throws(() => float32ToFloat16(view, new Uint16Array(5)), /output has 5 elements but the input has 97/);
});
