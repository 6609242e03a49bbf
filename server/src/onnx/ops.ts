/**
 * Typed helpers for the ONNX operators the project uses (opset 17). Each helper documents the
 * shapes it expects; broadcasting follows ONNX (numpy) rules.
 */
import { Graph, type Value } from './graph.js';

export class Ops {
  private constCache = new Map<string, Value>();

  constructor(readonly g: Graph) {}

  // ---- constants ----
  /** A float32 constant (deduplicated). Scalars have dims []. */
  f32(values: number | number[], dims?: number[]): Value {
    const arr = typeof values === 'number' ? [values] : values;
    const shape = dims ?? (typeof values === 'number' ? [] : [arr.length]);
    const key = `f32:${shape.join('x')}:${arr.join(',')}`;
    let v = this.constCache.get(key);
    if (!v) {
      v = this.g.initializer('c_f32', 'float32', shape, Float32Array.from(arr));
      this.constCache.set(key, v);
    }
    return v;
  }

  /** An int64 constant vector (shapes, axes, split sizes). */
  i64(values: number[]): Value {
    const key = `i64:${values.join(',')}`;
    let v = this.constCache.get(key);
    if (!v) {
      v = this.g.initializer('c_i64', 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
      this.constCache.set(key, v);
    }
    return v;
  }

  private one(op: string, inputs: (Value | null)[], attrs = {}, hint?: string): Value {
    return this.g.node(op, inputs, attrs, 1, hint)[0]!;
  }

  // ---- elementwise ----
  add(a: Value, b: Value, hint?: string): Value { return this.one('Add', [a, b], {}, hint); }
  sub(a: Value, b: Value, hint?: string): Value { return this.one('Sub', [a, b], {}, hint); }
  mul(a: Value, b: Value, hint?: string): Value { return this.one('Mul', [a, b], {}, hint); }
  div(a: Value, b: Value, hint?: string): Value { return this.one('Div', [a, b], {}, hint); }
  neg(a: Value): Value { return this.one('Neg', [a]); }
  abs(a: Value): Value { return this.one('Abs', [a]); }
  sqrt(a: Value): Value { return this.one('Sqrt', [a]); }
  sigmoid(a: Value): Value { return this.one('Sigmoid', [a]); }
  erf(a: Value): Value { return this.one('Erf', [a]); }
  exp(a: Value): Value { return this.one('Exp', [a]); }
  log(a: Value): Value { return this.one('Log', [a]); }
  greaterOrEqual(a: Value, b: Value): Value { return this.one('GreaterOrEqual', [a, b]); }
  cast(a: Value, to: 'float32' | 'int32' | 'int64' | 'float16'): Value {
    const code = { float32: 1, int32: 6, int64: 7, float16: 10 }[to];
    return this.one('Cast', [a], { to: code });
  }

  // ---- linear algebra ----
  matmul(a: Value, b: Value, hint?: string): Value { return this.one('MatMul', [a, b], {}, hint); }

  // ---- reductions (opset 17: ReduceSum takes axes as an input, the others as an attribute) ----
  reduceSum(a: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceSum', [a, this.i64(axes)], { keepdims: keepdims ? 1 : 0 });
  }
  reduceMean(a: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceMean', [a], { axes, keepdims: keepdims ? 1 : 0 });
  }
  reduceProd(a: Value, axes: number[], keepdims = true): Value {
    return this.one('ReduceProd', [a], { axes, keepdims: keepdims ? 1 : 0 });
  }
  softmax(a: Value, axis = -1): Value { return this.one('Softmax', [a], { axis }); }

  // ---- shape ----
  /** Reshape; 0 in `shape` copies that input dimension, -1 is inferred. */
  reshape(a: Value, shape: number[], hint?: string): Value { return this.one('Reshape', [a, this.i64(shape)], {}, hint); }
  transpose(a: Value, perm: number[]): Value { return this.one('Transpose', [a], { perm }); }
  concat(vs: Value[], axis: number): Value { return this.one('Concat', vs, { axis }); }
  split(a: Value, sizes: number[], axis: number): Value[] {
    return this.g.node('Split', [a, this.i64(sizes)], { axis }, sizes.length);
  }
  unsqueeze(a: Value, axes: number[]): Value { return this.one('Unsqueeze', [a, this.i64(axes)]); }
  squeeze(a: Value, axes: number[]): Value { return this.one('Squeeze', [a, this.i64(axes)]); }
  gather(data: Value, indices: Value, axis = 0, hint?: string): Value { return this.one('Gather', [data, indices], { axis }, hint); }

  // ---- normalisation ----
  layerNorm(x: Value, scale: Value, bias: Value, eps: number): Value {
    return this.one('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: eps } });
  }
  /** RMSNorm over the last axis, composed from primitives (opset 17 has no RMSNormalization). */
  rmsNorm(x: Value, scale: Value, eps: number): Value {
    const ms = this.reduceMean(this.mul(x, x), [-1]);
    const inv = this.div(this.f32(1), this.sqrt(this.add(ms, this.f32(eps))));
    return this.mul(this.mul(x, inv), scale);
  }
  /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)). */
  gelu(x: Value): Value {
    const e = this.erf(this.mul(x, this.f32(Math.SQRT1_2)));
    return this.mul(this.mul(x, this.f32(0.5)), this.add(e, this.f32(1)));
  }
}
