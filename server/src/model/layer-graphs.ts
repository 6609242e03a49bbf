/**
 * Single-layer graphs: one Memory Layer, or the dense layer it replaces. Used by tests (against
 * the float64 reference) and by benchmarks (side by side in the same engine).
 *   input x [B, S, n] -> output y [B, S, out]
 */
import { Graph } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';
import { encodeModel } from '../onnx/encode.js';
import { linear, memoryLayer } from './onnx-layers.js';

export interface MemoryLayerGraphSpec {
  n: number;
  out: number;
  tau: number;
  temperature: number;
  /** [K * 2^tau, out] as float32, or raw half bits. */
  table: Float32Array | Uint16Array;
  tableDtype: 'float32' | 'float16';
  bias: Float32Array | null;
  formulation?: 'matmul' | 'reducesum';
}

export function memoryLayerGraph(spec: MemoryLayerGraphSpec): Uint8Array {
  const g = new Graph('memory_layer');
  const o = new Ops(g);
  const x = g.input('x', 'float32', ['batch', 'seq', spec.n]);
  const rows = (spec.n / spec.tau) * 2 ** spec.tau;
  const table = g.initializer('table', spec.tableDtype, [rows, spec.out], spec.table);
  const bias = spec.bias ? g.initializer('bias', 'float32', [spec.out], spec.bias) : null;
  const y = memoryLayer(o, x, { n: spec.n, tau: spec.tau, temperature: spec.temperature, out: spec.out, tableDtype: spec.tableDtype, formulation: spec.formulation }, table, bias, 'ml');
  g.output(y, 'y', 'float32', ['batch', 'seq', spec.out]);
  return encodeModel(g);
}

/** y = x W (+ b), W [n, out]: the fully-connected layer a Memory Layer replaces. */
export function denseLayerGraph(n: number, out: number, weight: Float32Array, bias: Float32Array | null): Uint8Array {
  const g = new Graph('dense_layer');
  const o = new Ops(g);
  const x = g.input('x', 'float32', ['batch', 'seq', n]);
  const w = g.initializer('weight', 'float32', [n, out], weight);
  const b = bias ? g.initializer('bias', 'float32', [out], bias) : null;
  g.output(linear(o, x, w, b, 'fc'), 'y', 'float32', ['batch', 'seq', out]);
  return encodeModel(g);
}
