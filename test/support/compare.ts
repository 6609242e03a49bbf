/** Comparison helpers shared by tests. */
import assert from 'node:assert/strict';

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs expected ${expected.length}`);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= maxDiff)) maxDiff = d; // NaN propagates as a failure
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  assert.ok(scale > 0, 'reference is all zeros: the comparison would prove nothing');
  return maxDiff / scale;
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): number {
  const e = relativeError(actual, expected);
  assert.ok(e < tol, `${what}: relative error ${e.toExponential(2)} >= ${tol}`);
  return e;
}

export function randomArray(n: number, rng: { normal(): number }, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}
