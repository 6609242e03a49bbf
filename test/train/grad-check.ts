/**
 * Checks a gradient rule against central finite differences of a float64 reference:
 * builds a graph with the rule, seeds the backward with a random dL/dy = R (so L = sum(y * R)),
 * runs it on ORT (float32), and compares each input's gradient with
 * (L(x + h e_i) - L(x - h e_i)) / 2h computed by the reference in float64.
 */
import assert from 'node:assert/strict';
import type { Value } from '../../server/src/onnx/graph.js';
import { encodeModel } from '../../server/src/onnx/encode.js';
import { createSession, type HostTensor } from '../../server/src/engine/ort.js';
import { Tape } from '../../server/src/train/tape.js';
import { scatterEmbedding, scatterTable } from '../../server/src/train/sparse-grads.js';
import { relativeError } from '../support/compare.js';
import { Rng } from '../../server/src/util/rng.js';

export interface CheckInput {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array;
  /** Check this input's gradient (float inputs only). */
  diff?: boolean;
}

export interface CheckSpec {
  inputs: CheckInput[];
  /** Builds the rule on the tape; returns its output. */
  build: (t: Tape, v: Record<string, Value>) => Value;
  outShape: number[];
  /** The float64 reference of the output from the (perturbed) input values. */
  ref: (v: Record<string, Float64Array>) => ArrayLike<number>;
  /** Elements per input checked by finite differences (random sample; all when fewer). Default 40. */
  samples?: number;
  h?: number;
  tol?: number;
  /** Only check elements whose analytic gradient is this input's own (e.g. touched table rows). */
  seed?: number;
}

export async function checkRule(spec: CheckSpec): Promise<Record<string, number>> {
  const rng = new Rng(spec.seed ?? 7);
  const t = new Tape('rule_check');
  const vals: Record<string, Value> = {};
  for (const i of spec.inputs) vals[i.name] = t.g.input(i.name, i.data instanceof Int32Array ? 'int32' : 'float32', i.shape);
  const R = t.g.input('R', 'float32', spec.outShape);
  const y = spec.build(t, vals);
  t.g.output(y, 'y', 'float32');
  t.backward(y, R);
  const sparseOf = new Map(t.sparse.map((s) => [s.param, s]));
  const outNames: string[] = [];
  for (const i of spec.inputs) {
    if (!i.diff) continue;
    const s = sparseOf.get(i.name);
    if (s?.kind === 'embedding') {
      t.g.output(s.dRows, `rows.${i.name}`, 'float32');
    } else if (s?.kind === 'table') {
      t.g.output(s.idx, `idx.${i.name}`, 'int32');
      t.g.output(s.p, `p.${i.name}`, 'float32');
      t.g.output(s.dy, `dy.${i.name}`, 'float32');
    } else {
      const g = t.gradOf(vals[i.name]!);
      assert.ok(g, `rule produced no gradient for ${i.name}`);
      t.g.output(g, `grad.${i.name}`, 'float32');
      outNames.push(i.name);
    }
  }
  const rData = Float32Array.from({ length: spec.outShape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const session = await createSession(encodeModel(t.g), { intraOpThreads: 1 });
  const feeds: Record<string, HostTensor> = { R: { type: 'float32', data: rData, dims: spec.outShape } };
  for (const i of spec.inputs) feeds[i.name] = { type: i.data instanceof Int32Array ? 'int32' : 'float32', data: i.data, dims: i.shape };
  const out = await session.run(feeds);
  await session.release();

  const base: Record<string, Float64Array> = {};
  for (const i of spec.inputs) base[i.name] = Float64Array.from(i.data);
  // The forward itself must match the reference first.
  const yRef = spec.ref(base);
  assert.ok(relativeError(out.y!.data as Float32Array, yRef) < 1e-5, `forward differs from the reference: ${relativeError(out.y!.data as Float32Array, yRef)}`);

  const L = (v: Record<string, Float64Array>) => {
    const yy = spec.ref(v);
    let s = 0;
    for (let k = 0; k < yy.length; k++) s += yy[k]! * rData[k]!;
    return s;
  };
  const errors: Record<string, number> = {};
  const h = spec.h ?? 1e-5;
  for (const i of spec.inputs) {
    if (!i.diff) continue;
    const s = sparseOf.get(i.name);
    let analytic: Float32Array;
    if (s?.kind === 'embedding') {
      analytic = new Float32Array(i.data.length);
      const ids = spec.inputs.find((x) => x.data instanceof Int32Array)!.data as Int32Array;
      scatterEmbedding(analytic, i.shape[1]!, ids, out[`rows.${i.name}`]!.data as Float32Array);
    } else if (s?.kind === 'table') {
      analytic = new Float32Array(i.data.length);
      scatterTable(analytic, s.out, s.K, s.rowsPerChunk, out[`idx.${i.name}`]!.data as Int32Array, out[`p.${i.name}`]!.data as Float32Array, out[`dy.${i.name}`]!.data as Float32Array);
    } else {
      analytic = out[`grad.${i.name}`]!.data as Float32Array;
    }
    assert.equal(analytic.length, i.data.length, `gradient of ${i.name} has ${analytic.length} values for ${i.data.length} inputs`);
    // Sample elements; for sparse gradients prefer non-zero ones but include some zeros too.
    const n = i.data.length;
    const nonzero = [...analytic.keys()].filter((k) => analytic[k] !== 0);
    const pool = s ? [...rng.shuffle(nonzero).slice(0, (spec.samples ?? 40) - 5), ...rng.shuffle([...Array(n).keys()]).slice(0, 5)] : rng.shuffle([...Array(n).keys()]).slice(0, spec.samples ?? 40);
    const fd: number[] = [];
    const an: number[] = [];
    for (const k of pool) {
      const v = { ...base, [i.name]: Float64Array.from(base[i.name]!) };
      v[i.name]![k] = base[i.name]![k]! + h;
      const lp = L(v);
      v[i.name]![k] = base[i.name]![k]! - h;
      const lm = L(v);
      fd.push((lp - lm) / (2 * h));
      an.push(analytic[k]!);
    }
    errors[i.name] = relativeError(an, fd);
    assert.ok(errors[i.name]! < (spec.tol ?? 1e-4), `d/d${i.name}: relative error ${errors[i.name]!.toExponential(2)} vs finite differences`);
  }
  return errors;
}

export function randn(rng: Rng, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}
