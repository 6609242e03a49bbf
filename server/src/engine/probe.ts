/** A small MatMul-heavy model used to time execution providers against each other. */
import { Graph } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';
import { encodeModel } from '../onnx/encode.js';
import { Rng } from '../util/rng.js';
import type { HostTensor } from './ort.js';

const N = 64;
const D = 256;

export function probeModel(): Uint8Array {
  const g = new Graph('provider_probe');
  const o = new Ops(g);
  const rng = new Rng(1);
  const w = Float32Array.from({ length: D * D }, () => rng.normal() * 0.05);
  let x = g.input('x', 'float32', [N, D]);
  const W = g.initializer('w', 'float32', [D, D], w);
  for (let i = 0; i < 4; i++) x = o.sigmoid(o.matmul(x, W));
  g.output(x, 'y', 'float32', [N, D]);
  return encodeModel(g);
}

export function probeFeeds(): Record<string, HostTensor> {
  const rng = new Rng(2);
  return { x: { type: 'float32', data: Float32Array.from({ length: N * D }, () => rng.normal()), dims: [N, D] } };
}
