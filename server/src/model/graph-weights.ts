/**
 * Weights as the ONNX graph consumes them: float32, or raw IEEE-half bits for fp16 tables
 * (kept narrow in memory; the graph widens only the rows it gathers).
 */
import type { Weights } from './weights.js';
import { storedToFloat32, type StoredTensor } from './model-dir.js';
import { float32ToFloat16 } from '../util/float16.js';

export interface GraphTensor {
  dtype: 'float32' | 'float16';
  shape: number[];
  data: Float32Array | Uint16Array;
}

export type GraphWeights = Map<string, GraphTensor>;

export function fromFloat32(weights: Weights, shapes: Map<string, number[]>): GraphWeights {
  const out: GraphWeights = new Map();
  for (const [name, data] of weights) {
    const shape = shapes.get(name);
    if (!shape) throw new Error(`weight '${name}' is not part of this model's config`);
    out.set(name, { dtype: 'float32', shape, data });
  }
  return out;
}

/**
 * Stored tensors as the graph takes them: float32 and float16 as they are; int8 tables widened to
 * float16 (the graph's Gather reads one dtype; an int8 Gather would need a per-row scale beside
 * every gathered row, and Q/K/V tables side by side carry three scales per row).
 */
export function graphWeightsFromStored(tensors: ReadonlyMap<string, StoredTensor>): GraphWeights {
  const out: GraphWeights = new Map();
  for (const [name, t] of tensors) {
    if (t.dtype === 'int8') out.set(name, { dtype: 'float16', shape: t.shape, data: float32ToFloat16(storedToFloat32(t)) });
    else out.set(name, { dtype: t.dtype, shape: t.shape, data: t.data as Float32Array | Uint16Array });
  }
  return out;
}

export function getWeight<T = GraphTensor>(w: ReadonlyMap<string, T>, name: string): T {
  const t = w.get(name);
  if (!t) throw new Error(`missing weight '${name}'`);
  return t;
}

/** Concatenates [rows, a], [rows, b], ... along columns into [rows, a + b + ...] (same dtype). */
export function concatColumns(parts: GraphTensor[]): GraphTensor {
  const rows = parts[0]!.shape[0]!;
  const dtype = parts[0]!.dtype;
  const widths = parts.map((p) => {
    if (p.shape[0] !== rows || p.dtype !== dtype) throw new Error('concatColumns: parts differ in rows or dtype');
    return p.shape[1]!;
  });
  const total = widths.reduce((a, b) => a + b, 0);
  const data = dtype === 'float16' ? new Uint16Array(rows * total) : new Float32Array(rows * total);
  for (let r = 0; r < rows; r++) {
    let off = r * total;
    for (let i = 0; i < parts.length; i++) {
      const w = widths[i]!;
      data.set(parts[i]!.data.subarray(r * w, (r + 1) * w), off);
      off += w;
    }
  }
  return { dtype, shape: [rows, total], data };
}
