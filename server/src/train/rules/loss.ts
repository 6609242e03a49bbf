/** Gradient rule for the mean cross-entropy of next-token prediction. */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

/**
 * loss = mean over the B*S positions of logsumexp(logits) - logits[target].
 * logits [B, S, V] float32; targets [B, S] int32. Backward: dlogits = (softmax - onehot) * dloss / (B*S).
 */
export function crossEntropy(t: Tape, logits: Value, targets: Value, shape: { B: number; S: number; V: number }): Value {
  const o = t.o;
  const m = t.g.node('ReduceMax', [logits], { axes: [-1], keepdims: 1 })[0]!;
  const e = o.exp(o.sub(logits, m));
  const se = o.reduceSum(e, [-1]);
  const lse = o.add(m, o.log(se)); // [B,S,1]
  const iota = t.g.initializer('vocab_iota', 'int32', [shape.V], Int32Array.from({ length: shape.V }, (_, i) => i));
  const onehot = o.cast(t.g.node('Equal', [iota, o.unsqueeze(targets, [-1])])[0]!, 'float32'); // [B,S,V]
  const picked = o.reduceSum(o.mul(logits, onehot), [-1]);
  const loss = o.reduceMean(o.sub(lse, picked), [0, 1, 2], false); // scalar
  t.record('crossEntropy', [loss], ([dloss]) => {
    const P = o.div(e, se);
    const scale = o.mul(dloss!, o.f32(1 / (shape.B * shape.S)));
    t.accumulate(logits, o.mul(o.sub(P, onehot), scale));
  });
  return loss;
}
