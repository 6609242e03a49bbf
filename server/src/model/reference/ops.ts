/**
 * Row-wise building blocks of the forward pass in plain float64: norms, dense layers, GELU.
 * Every array is row-major [rows, width]. Inputs may be float32 or float64; outputs are float64.
 */
import { expectLength, expectPositiveInt } from './check.js';

/** RMSNorm(x; w) = x / sqrt(mean(x^2) + eps) * w, per row. */
export function rmsNormRef(x: ArrayLike<number>, rows: number, width: number, w: ArrayLike<number>, eps: number): Float64Array {
  expectPositiveInt('rmsNormRef width', width);
  expectLength('rmsNormRef x', x, rows * width, `[${rows}, ${width}]`);
  expectLength('rmsNormRef weight', w, width, `[${width}]`);
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let sumSq = 0;
    for (let i = 0; i < width; i++) sumSq += x[o + i]! * x[o + i]!;
    const inv = 1 / Math.sqrt(sumSq / width + eps);
    for (let i = 0; i < width; i++) y[o + i] = x[o + i]! * inv * w[i]!;
  }
  return y;
}

/** LayerNorm(x; w, b) = (x - mean) / sqrt(var + eps) * w + b, biased variance, per row. */
export function layerNormRef(
  x: ArrayLike<number>, rows: number, width: number, w: ArrayLike<number>, b: ArrayLike<number>, eps: number,
): Float64Array {
  expectPositiveInt('layerNormRef width', width);
  expectLength('layerNormRef x', x, rows * width, `[${rows}, ${width}]`);
  expectLength('layerNormRef weight', w, width, `[${width}]`);
  expectLength('layerNormRef bias', b, width, `[${width}]`);
  const y = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[o + i]!;
    mean /= width;
    let variance = 0;
    for (let i = 0; i < width; i++) variance += (x[o + i]! - mean) ** 2;
    variance /= width;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < width; i++) y[o + i] = (x[o + i]! - mean) * inv * w[i]! + b[i]!;
  }
  return y;
}

/** y = x W + b with W stored [in, out] (the project's dense layout); b may be null. */
export function linearRef(
  x: ArrayLike<number>, rows: number, inWidth: number, W: ArrayLike<number>, b: ArrayLike<number> | null, outWidth: number,
): Float64Array {
  expectLength('linearRef x', x, rows * inWidth, `[${rows}, ${inWidth}]`);
  expectLength('linearRef weight', W, inWidth * outWidth, `[${inWidth}, ${outWidth}]`);
  if (b) expectLength('linearRef bias', b, outWidth, `[${outWidth}]`);
  const y = new Float64Array(rows * outWidth);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outWidth; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < inWidth; i++) s += x[r * inWidth + i]! * W[i * outWidth + o]!;
      y[r * outWidth + o] = s;
    }
  }
  return y;
}

/**
 * erf in float64 without a library (JavaScript has no Math.erf). Uses the everywhere-convergent
 * series erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), whose terms are all
 * positive (no cancellation). Beyond |x| = 6, 1 - |erf(x)| < 2e-17, below float64 resolution.
 */
export function erfRef(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a > 6) return Math.sign(x);
  let term = a;
  let sum = a;
  for (let n = 0; n < 500; n++) {
    term *= (2 * a * a) / (2 * n + 3);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return Math.sign(x) * Math.min(1, (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum);
}

/** Exact GELU: 0.5 u (1 + erf(u / sqrt 2)). */
export function geluRef(u: number): number {
  return 0.5 * u * (1 + erfRef(u / Math.SQRT2));
}
