/** Gradient rules for the dense projection, the GELU activation and the token embedding. */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

/**
 * y = x W + b for x [B, S, in], W [in, out].
 * Backward: dx = dy W^T; dW = x^T dy over all B*S rows (one Gemm); db = sum_{B,S} dy.
 */
export function linear(t: Tape, x: Value, w: Value, b: Value | null, shape: { B: number; S: number; in: number; out: number }, hint: string): Value {
  const o = t.o;
  const mm = o.matmul(x, w, hint);
  const y = b ? o.add(mm, b) : mm;
  t.record('linear', [y], ([dy]) => {
    t.accumulate(x, o.matmul(dy!, o.transpose(w, [1, 0])));
    const N = shape.B * shape.S;
    const x2 = o.reshape(x, [N, shape.in]);
    const dy2 = o.reshape(dy!, [N, shape.out]);
    t.accumulate(w, t.g.node('Gemm', [x2, dy2], { transA: 1 }, 1, `d_${hint}_w`)[0]!);
    if (b) t.accumulate(b, o.reduceSum(dy!, [0, 1], false));
  });
  return y;
}

/** Exact GELU. Backward: dy * (Phi(u) + u * phi(u)), Phi the normal CDF, phi its density. */
export function gelu(t: Tape, u: Value): Value {
  const o = t.o;
  const cdf = o.mul(o.add(o.erf(o.mul(u, o.f32(Math.SQRT1_2))), o.f32(1)), o.f32(0.5));
  const y = o.mul(u, cdf);
  t.record('gelu', [y], ([dy]) => {
    const pdf = o.mul(o.exp(o.mul(o.mul(u, u), o.f32(-0.5))), o.f32(1 / Math.sqrt(2 * Math.PI)));
    t.accumulate(u, o.mul(dy!, o.add(cdf, o.mul(u, pdf))));
  });
  return y;
}

/**
 * x = table[ids]. The table's gradient is a scatter-add of dy's rows by token id, done outside
 * ORT (exact and deterministic); the graph only outputs dy.
 */
export function embedding(t: Tape, table: Value, tableName: string, ids: Value): Value {
  const x = t.o.gather(table, ids, 0, 'embed');
  t.record('embedding', [x], ([dy]) => t.sparse.push({ kind: 'embedding', param: tableName, dRows: dy! }));
  return x;
}
