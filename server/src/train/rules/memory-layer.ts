/**
 * Gradient rule for the Memory Layer (paper Eqs. 10-12), for one or more tables that share one
 * hash of the same input (Q, K and V hash one RMSNorm output; only their tables differ).
 *
 * Forward, for x [B, S, n], K = n / tau chunks z:
 *   idx_k = sum_i [z_i >= 0] 2^i,  p_k = prod_i sigmoid(2|z_i|/t),  y_j = bias_j + sum_k p_k T_j[k 2^tau + idx_k]
 * Backward:
 *   dx_ki = (sum_j <dy_j, T_j[row_k]>) * p_k * (2/t) * sign(z_ki) * sigmoid(-2|z_ki|/t)   (in-graph,
 *           from the rows gathered in the forward pass)
 *   dbias_j = sum_{B,S} dy_j                                                             (in-graph)
 *   dT_j[row_k] += p_k * dy_j                                   (outside ORT: idx, p, dy_j are outputs)
 */
import type { Value } from '../../onnx/graph.js';
import type { Tape } from '../tape.js';

export interface MemoryTableArg {
  table: Value;
  /** Parameter name of the table (for the sparse-gradient output). */
  name: string;
  bias: Value | null;
  out: number;
}

export interface MemoryLayerShape {
  B: number;
  S: number;
  /** Input width n (K = n / tau chunks). */
  n: number;
  tau: number;
  temperature: number;
}

export function memoryLayer(t: Tape, x: Value, tables: MemoryTableArg[], sh: MemoryLayerShape, hint: string): Value[] {
  const o = t.o;
  const { B, S, n, tau } = sh;
  if (n % tau !== 0) throw new Error(`${hint}: input width ${n} is not a multiple of tau = ${tau}`);
  const K = n / tau;
  const z = o.reshape(x, [B, S, K, tau], `${hint}_chunks`);
  // Hash in float (compare, cast, dot with powers of two): exact below 2^24 and GPU-friendly.
  const bits = o.cast(o.greaterOrEqual(z, o.f32(0)), 'float32');
  const pow2 = o.f32(Array.from({ length: tau }, (_, i) => 2 ** i));
  const offsets = o.f32(Array.from({ length: K }, (_, k) => k * 2 ** tau));
  const local = o.matmul(bits, pow2); // [B,S,K] row within the chunk's table
  const idx = o.cast(o.add(local, offsets), 'int32');
  const absScaled = o.mul(o.abs(z), o.f32(2 / sh.temperature));
  const p = o.reduceProd(o.sigmoid(absScaled), [-1]); // [B,S,K,1]
  const pRow = o.reshape(p, [B, S, 1, K]);
  const rows: Value[] = [];
  const ys = tables.map((tb, j) => {
    const r = o.gather(tb.table, idx, 0, `${hint}_rows${j}`); // [B,S,K,out]
    rows.push(r);
    const y = o.reshape(o.matmul(pRow, r), [B, S, tb.out], `${hint}_out${j}`);
    return tb.bias ? o.add(y, tb.bias) : y;
  });
  t.record('memoryLayer', ys, (dys) => {
    let gsum: Value | null = null; // [B,S,K,1]: sum_j <dy_j, T_j[row_k]>
    const pFlat = o.reshape(p, [B, S, K]);
    const idxLocal = o.cast(local, 'int32');
    tables.forEach((tb, j) => {
      const dy = dys[j];
      if (!dy) return;
      const g = o.matmul(rows[j]!, o.reshape(dy, [B, S, tb.out, 1]));
      gsum = gsum ? o.add(gsum, g) : g;
      if (tb.bias) t.accumulate(tb.bias, o.reduceSum(dy, [0, 1], false));
      t.sparse.push({ kind: 'table', param: tb.name, idx: idxLocal, p: pFlat, dy, x, K, tau, temperature: sh.temperature, rowsPerChunk: 2 ** tau, out: tb.out });
    });
    if (!gsum) return;
    // sign(z) as (z > 0) - (z < 0): the Sign op is not on every GPU provider.
    const sign = o.sub(o.cast(t.g.node('Greater', [z, o.f32(0)])[0]!, 'float32'), o.cast(t.g.node('Less', [z, o.f32(0)])[0]!, 'float32'));
    const dpdz = o.mul(o.mul(o.mul(p, o.f32(2 / sh.temperature)), sign), o.sigmoid(o.neg(absScaled)));
    t.accumulate(x, o.reshape(o.mul(gsum, dpdz), [B, S, n]));
  });
  return ys;
}
