/**
 * Gradient rules for rotary position embedding and causal scaled-dot-product attention.
 * Both work on heads: [B, H, S, hd].
 */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

/**
 * NeoX rotate-half on the first r dims of each head; cos/sin [S, r/2] are inputs (not learned).
 * r1 = x1 c - x2 s, r2 = x2 c + x1 s. The backward rotates by -a:
 *   dx1 = d1 c + d2 s,   dx2 = d2 c - d1 s,   the untouched dims pass through.
 */
export function rotary(t: Tape, x: Value, headDim: number, r: number, cos: Value, sin: Value): Value {
  if (r === 0) return x;
  const o = t.o;
  const half = r / 2;
  const sizes = headDim > r ? [half, half, headDim - r] : [half, half];
  const parts = o.split(x, sizes, -1);
  const x1 = parts[0]!;
  const x2 = parts[1]!;
  const r1 = o.sub(o.mul(x1, cos), o.mul(x2, sin));
  const r2 = o.add(o.mul(x2, cos), o.mul(x1, sin));
  const y = o.concat(parts.length === 3 ? [r1, r2, parts[2]!] : [r1, r2], -1);
  t.record('rotary', [y], ([dy]) => {
    const d = o.split(dy!, sizes, -1);
    const d1 = d[0]!;
    const d2 = d[1]!;
    const dx1 = o.add(o.mul(d1, cos), o.mul(d2, sin));
    const dx2 = o.sub(o.mul(d2, cos), o.mul(d1, sin));
    t.accumulate(x, o.concat(d.length === 3 ? [dx1, dx2, d[2]!] : [dx1, dx2], -1));
  });
  return y;
}

/**
 * out = softmax(q k^T / sqrt(hd) + bias) v, bias [S, S] the causal mask (0 or a large negative).
 * Backward with P the attention weights:
 *   dv = P^T dout;  dP = dout v^T;  ds = P * (dP - rowsum(dP * P));  dq = ds k / sqrt(hd);  dk = ds^T q / sqrt(hd).
 */
export function causalAttention(t: Tape, q: Value, k: Value, v: Value, bias: Value, headDim: number): Value {
  const o = t.o;
  const scale = o.f32(1 / Math.sqrt(headDim));
  const T = (a: Value) => o.transpose(a, [0, 1, 3, 2]);
  const P = o.softmax(o.add(o.mul(o.matmul(q, T(k)), scale), bias), -1); // [B,H,S,S]
  const out = o.matmul(P, v);
  t.record('causalAttention', [out], ([dout]) => {
    t.accumulate(v, o.matmul(T(P), dout!));
    const dP = o.matmul(dout!, T(v));
    const ds = o.mul(o.mul(P, o.sub(dP, o.reduceSum(o.mul(dP, P), [-1]))), scale);
    t.accumulate(q, o.matmul(ds, k));
    t.accumulate(k, o.matmul(T(ds), q));
  });
  return out;
}
