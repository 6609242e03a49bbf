/**
 * Gradient rules for RMSNorm and LayerNorm over the last axis of [B, S, n] activations.
 * The parameters' gradients are summed over the batch and sequence axes.
 */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

/**
 * y = x * inv * w, inv = 1/sqrt(mean(x^2) + eps).
 * Backward: with xhat = x * inv and gw = dy * w,
 *   dx = inv * (gw - xhat * mean(gw * xhat)),   dw = sum_{B,S} dy * xhat.
 */
export function rmsNorm(t: Tape, x: Value, w: Value, eps: number): Value {
  const o = t.o;
  const inv = o.div(o.f32(1), o.sqrt(o.add(o.reduceMean(o.mul(x, x), [-1]), o.f32(eps))));
  const xhat = o.mul(x, inv);
  const y = o.mul(xhat, w);
  t.record('rmsNorm', [y], ([dy]) => {
    const gw = o.mul(dy!, w);
    const dx = o.mul(inv, o.sub(gw, o.mul(xhat, o.reduceMean(o.mul(gw, xhat), [-1]))));
    t.accumulate(x, dx);
    t.accumulate(w, o.reduceSum(o.mul(dy!, xhat), [0, 1], false));
  });
  return y;
}

/**
 * y = (x - mean) * inv * w + b, inv = 1/sqrt(var + eps) (biased variance).
 * Backward: with xhat and gw = dy * w,
 *   dx = inv * (gw - mean(gw) - xhat * mean(gw * xhat)),   dw = sum dy * xhat,   db = sum dy.
 */
export function layerNorm(t: Tape, x: Value, w: Value, b: Value, eps: number): Value {
  const o = t.o;
  const xc = o.sub(x, o.reduceMean(x, [-1]));
  const inv = o.div(o.f32(1), o.sqrt(o.add(o.reduceMean(o.mul(xc, xc), [-1]), o.f32(eps))));
  const xhat = o.mul(xc, inv);
  const y = o.add(o.mul(xhat, w), b);
  t.record('layerNorm', [y], ([dy]) => {
    const gw = o.mul(dy!, w);
    const inner = o.sub(o.sub(gw, o.reduceMean(gw, [-1])), o.mul(xhat, o.reduceMean(o.mul(gw, xhat), [-1])));
    t.accumulate(x, o.mul(inv, inner));
    t.accumulate(w, o.reduceSum(o.mul(dy!, xhat), [0, 1], false));
    t.accumulate(b, o.reduceSum(dy!, [0, 1], false));
  });
  return y;
}
