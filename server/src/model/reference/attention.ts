/**
 * Rotary position embedding and causal multi-head attention in plain float64.
 * Activations are [rows, d] row-major with heads side by side: head h owns columns h*hd .. h*hd+hd-1.
 */
import { expectLength, expectNonNegativeInt, expectPositiveInt } from './check.js';

/**
 * GPT-NeoX "rotate half" rotary on the first r dims of every head (dims r..hd-1 untouched).
 * Row i is at position startPos + i. Returns a new array; r = 0 returns an unchanged copy.
 *   theta_j = base^(-2j/r), a = pos * theta_j, for j < r/2:
 *   v'[j] = v[j] cos a - v[j + r/2] sin a;   v'[j + r/2] = v[j + r/2] cos a + v[j] sin a.
 */
export function rotaryRef(
  x: ArrayLike<number>, rows: number, nHeads: number, headDim: number, rotaryDims: number, base: number, startPos = 0,
): Float64Array {
  expectPositiveInt('rotaryRef nHeads', nHeads);
  expectPositiveInt('rotaryRef headDim', headDim);
  expectNonNegativeInt('rotaryRef startPos', startPos);
  if (!Number.isInteger(rotaryDims) || rotaryDims < 0 || rotaryDims % 2 !== 0 || rotaryDims > headDim) {
    throw new RangeError(`rotaryRef: rotaryDims must be an even integer in [0, headDim = ${headDim}], got ${rotaryDims}`);
  }
  const d = nHeads * headDim;
  expectLength('rotaryRef x', x, rows * d, `[${rows}, ${d}]`);
  const y = Float64Array.from(x);
  const half = rotaryDims / 2;
  for (let r = 0; r < rows; r++) {
    const pos = startPos + r;
    for (let h = 0; h < nHeads; h++) {
      const o = r * d + h * headDim;
      for (let j = 0; j < half; j++) {
        const a = pos * base ** ((-2 * j) / rotaryDims);
        const x1 = x[o + j]!;
        const x2 = x[o + j + half]!;
        y[o + j] = x1 * Math.cos(a) - x2 * Math.sin(a);
        y[o + j + half] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
  }
  return y;
}

/**
 * Causal attention, per head softmax(q.k / sqrt(hd)) v, heads concatenated back to width d.
 * q: [S, d] are the last S of kvLen positions (kvLen - S .. kvLen - 1), so a KV-cache step is
 * q of one row against k, v of every position so far; k, v: [kvLen, d]. Default kvLen = S.
 * A query at position p sees keys at positions <= p.
 */
export function attentionRef(
  q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, S: number, nHeads: number, headDim: number, kvLen = S,
): Float64Array {
  expectNonNegativeInt('attentionRef S', S);
  expectPositiveInt('attentionRef nHeads', nHeads);
  expectPositiveInt('attentionRef headDim', headDim);
  if (!Number.isInteger(kvLen) || kvLen < S) throw new RangeError(`attentionRef: kvLen must be an integer >= S = ${S}, got ${kvLen}`);
  const d = nHeads * headDim;
  expectLength('attentionRef q', q, S * d, `[${S}, ${d}]`);
  expectLength('attentionRef k', k, kvLen * d, `[${kvLen}, ${d}]`);
  expectLength('attentionRef v', v, kvLen * d, `[${kvLen}, ${d}]`);
  const y = new Float64Array(S * d);
  const scale = 1 / Math.sqrt(headDim);
  const scores = new Float64Array(kvLen);
  for (let i = 0; i < S; i++) {
    const pos = kvLen - S + i;
    for (let h = 0; h < nHeads; h++) {
      const qo = i * d + h * headDim;
      let max = -Infinity;
      for (let j = 0; j <= pos; j++) {
        let s = 0;
        for (let c = 0; c < headDim; c++) s += q[qo + c]! * k[j * d + h * headDim + c]!;
        scores[j] = s * scale;
        if (scores[j]! > max) max = scores[j]!;
      }
      let total = 0;
      for (let j = 0; j <= pos; j++) {
        scores[j] = Math.exp(scores[j]! - max);
        total += scores[j]!;
      }
      for (let j = 0; j <= pos; j++) {
        const w = scores[j]! / total;
        for (let c = 0; c < headDim; c++) y[qo + c] = y[qo + c]! + w * v[j * d + h * headDim + c]!;
      }
    }
  }
  return y;
}
