/**
 * The model's layers as ONNX subgraphs: the Memory Layer, attention with rotary embedding and a
 * KV cache, and the dense projection. Shapes: activations are [B, S, width].
 */
import type { Value } from '../onnx/graph.js';
import type { Ops } from '../onnx/ops.js';
import type { GraphTensor } from './graph-weights.js';

/** Float32 index arithmetic is exact below 2^24 rows; beyond it the hash path would round. */
const MAX_TABLE_ROWS = 1 << 24;

export function tableInit(o: Ops, name: string, t: GraphTensor): Value {
  return o.g.initializer(name, t.dtype, t.shape, t.data);
}

/**
 * Memory Layer (paper Eq. 11), the fastest ONNX formulation measured (RESEARCH.md: Gather +
 * batched MatMul). The hash is computed in float (compare, cast, dot with powers of two) so that
 * no integer arithmetic pushes nodes off a GPU provider.
 *   x: [B, S, n]; table: [K * 2^tau, out] -> [B, S, out]
 */
export function memoryLayer(
  o: Ops,
  x: Value,
  spec: {
    n: number;
    tau: number;
    temperature: number;
    out: number;
    tableDtype: 'float32' | 'float16';
    /** 'matmul' (default, fastest measured) or 'reducesum' (rows * p summed), kept for the benchmark. */
    formulation?: 'matmul' | 'reducesum';
  },
  table: Value,
  bias: Value | null,
  hint: string,
): Value {
  const { n, tau, out } = spec;
  const K = n / tau;
  if (K * 2 ** tau > MAX_TABLE_ROWS) throw new Error(`${hint}: table of ${K * 2 ** tau} rows exceeds the float-index limit 2^24`);
  const z = o.reshape(x, [0, 0, K, tau], `${hint}_chunks`); // [B,S,K,tau]
  // bit_i = [z_i >= 0]; idx = sum_i bit_i 2^i + k 2^tau (row in the flat table)
  const bits = o.cast(o.greaterOrEqual(z, o.f32(0)), 'float32');
  const pow2 = o.f32(Array.from({ length: tau }, (_, i) => 2 ** i));
  const offsets = o.f32(Array.from({ length: K }, (_, k) => k * 2 ** tau));
  const idx = o.cast(o.add(o.matmul(bits, pow2), offsets), 'int32'); // [B,S,K]
  let rows = o.gather(table, idx, 0, `${hint}_rows`); // [B,S,K,out]
  if (spec.tableDtype === 'float16') rows = o.cast(rows, 'float32');
  // p = prod_i sigmoid(2 |z_i| / t)   (Eq. 10)
  const p = o.reduceProd(o.sigmoid(o.mul(o.abs(z), o.f32(2 / spec.temperature))), [-1]); // [B,S,K,1]
  let y: Value;
  if (spec.formulation === 'reducesum') {
    y = o.reduceSum(o.mul(rows, p), [2], false); // [B,S,out]
  } else {
    const pRow = o.reshape(p, [0, 0, 1, K]); // [B,S,1,K]
    y = o.reshape(o.matmul(pRow, rows), [0, 0, out], `${hint}_out`); // [B,S,out]
  }
  if (bias) y = o.add(y, bias);
  return y;
}

/** y = x W + b, W stored [in, out]. */
export function linear(o: Ops, x: Value, w: Value, b: Value | null, hint: string): Value {
  const y = o.matmul(x, w, hint);
  return b ? o.add(y, b) : y;
}

/** NeoX rotate-half on the first r dims of each head. x: [B, H, S, hd]; cos/sin: [S, r/2]. */
export function rotary(o: Ops, x: Value, headDim: number, r: number, cos: Value, sin: Value): Value {
  if (r === 0) return x;
  const half = r / 2;
  const sizes = headDim > r ? [half, half, headDim - r] : [half, half];
  const parts = o.split(x, sizes, -1);
  const x1 = parts[0]!;
  const x2 = parts[1]!;
  const r1 = o.sub(o.mul(x1, cos), o.mul(x2, sin));
  const r2 = o.add(o.mul(x2, cos), o.mul(x1, sin));
  return o.concat(parts.length === 3 ? [r1, r2, parts[2]!] : [r1, r2], -1);
}

export interface AttentionIo {
  cos: Value | null;
  sin: Value | null;
  /** [S, P + S]: 0 where a query may attend, a large negative number where it may not. */
  bias: Value;
  pastK: Value; // [B, P, d]   (keys already rotated)
  pastV: Value; // [B, P, d]
}

/**
 * Causal multi-head attention over the cached and the new positions.
 * q, k, v: [B, S, d]. Returns the heads' output [B, S, d] and the new (rotated) keys and values
 * [B, S, d] that the caller appends to its cache.
 */
export function attention(
  o: Ops,
  q: Value,
  k: Value,
  v: Value,
  io: AttentionIo,
  shape: { d: number; heads: number; headDim: number; rotaryDims: number },
): { out: Value; newK: Value; newV: Value } {
  const { d, heads: H, headDim: hd, rotaryDims: r } = shape;
  const toHeads = (t: Value) => o.transpose(o.reshape(t, [0, 0, H, hd]), [0, 2, 1, 3]); // [B,H,S,hd]
  const fromHeads = (t: Value) => o.reshape(o.transpose(t, [0, 2, 1, 3]), [0, 0, d]); // [B,S,d]
  const qh = io.cos && io.sin ? rotary(o, toHeads(q), hd, r, io.cos, io.sin) : toHeads(q);
  const kh = io.cos && io.sin ? rotary(o, toHeads(k), hd, r, io.cos, io.sin) : toHeads(k);
  const newK = fromHeads(kh);
  const allK = o.concat([io.pastK, newK], 1); // [B,T,d]
  const allV = o.concat([io.pastV, v], 1);
  const kT = o.transpose(o.reshape(allK, [0, 0, H, hd]), [0, 2, 3, 1]); // [B,H,hd,T]
  const vh = o.transpose(o.reshape(allV, [0, 0, H, hd]), [0, 2, 1, 3]); // [B,H,T,hd]
  const scores = o.add(o.mul(o.matmul(qh, kT), o.f32(1 / Math.sqrt(hd))), io.bias); // [B,H,S,T]
  const out = fromHeads(o.matmul(o.softmax(scores, -1), vh));
  return { out, newK, newV: v };
}
