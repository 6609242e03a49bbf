/**
 * Gradient rules for shape operations and the residual add. Shapes are concrete (one training
 * graph per batch and sequence length), so a reshape's backward knows the shape to return to.
 */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

/** y = a + b (same shape: the residual stream). */
export function add(t: Tape, a: Value, b: Value, hint?: string): Value {
  const y = t.o.add(a, b, hint);
  t.record('add', [y], ([dy]) => {
    t.accumulate(a, dy!);
    t.accumulate(b, dy!);
  });
  return y;
}

/** Reshape from inShape to outShape (both concrete). */
export function reshape(t: Tape, x: Value, inShape: number[], outShape: number[], hint?: string): Value {
  const y = t.o.reshape(x, outShape, hint);
  t.record('reshape', [y], ([dy]) => t.accumulate(x, t.o.reshape(dy!, inShape)));
  return y;
}

export function transpose(t: Tape, x: Value, perm: number[]): Value {
  const y = t.o.transpose(x, perm);
  const inverse = perm.map((_, i) => perm.indexOf(i));
  t.record('transpose', [y], ([dy]) => t.accumulate(x, t.o.transpose(dy!, inverse)));
  return y;
}

/** Split along an axis; the backward concatenates (zeros for parts that got no gradient). */
export function split(t: Tape, x: Value, sizes: number[], axis: number): Value[] {
  const parts = t.o.split(x, sizes, axis);
  t.record('split', parts, (gs) => {
    t.accumulate(x, t.o.concat(gs.map((g, i) => g ?? t.zerosLike(parts[i]!)), axis));
  });
  return parts;
}

export function concat(t: Tape, xs: Value[], sizes: number[], axis: number): Value {
  const y = t.o.concat(xs, axis);
  t.record('concat', [y], ([dy]) => {
    const gs = t.o.split(dy!, sizes, axis);
    xs.forEach((x, i) => t.accumulate(x, gs[i]!));
  });
  return y;
}
