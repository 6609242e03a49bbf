/**
 * Reverse-mode differentiation at the level of the model's layer operations (llm.c style).
 *
 * Each differentiable operation (a "rule", see ./rules/) emits its forward ONNX nodes and records
 * on the tape a closure that, given the gradients of its outputs, emits the backward ONNX nodes and
 * hands the gradients of its inputs back to the tape. `backward()` replays the tape in reverse, so
 * any model written with the rules (MemoryFormer, dense, a single layer in a test) gets its
 * backward graph without a hand-written backward per architecture.
 *
 * Gradients that ORT cannot accumulate exactly (embedding rows and Memory Layer table rows: a
 * scatter-add, which loses updates with >1 ORT thread) are not formed in the graph: the rules
 * register "sparse gradient" pieces that the graph outputs and the trainer scatter-adds in JS.
 */
import { Graph, type Value } from '../onnx/graph.js';
import { Ops } from '../onnx/ops.js';

interface TapeEntry {
  name: string;
  outputs: Value[];
  backward: (grads: (Value | null)[]) => void;
}

/** Embedding gradient: dL/dx for each gathered row; the trainer adds row n into table row ids[n]. */
export interface SparseEmbeddingGrad {
  kind: 'embedding';
  param: string;
  /** [B, S, d] gradient of the gathered rows. */
  dRows: Value;
}

/** Memory Layer table gradient pieces: dT[k*2^tau + idx[n,k]] += p[n,k] * dy[n] (paper Eq. 12). */
export interface SparseTableGrad {
  kind: 'table';
  param: string;
  /** [B, S, K] int32: the row within each chunk's table. */
  idx: Value;
  /** [B, S, K] float32: the weight of each retrieved row. */
  p: Value;
  /** [B, S, out] gradient of the layer output. */
  dy: Value;
  /** [B, S, K*tau] the layer input (the native kernel recomputes idx and p from it). */
  x: Value;
  K: number;
  tau: number;
  temperature: number;
  rowsPerChunk: number;
  out: number;
}

export type SparseGrad = SparseEmbeddingGrad | SparseTableGrad;

export class Tape {
  readonly g: Graph;
  readonly o: Ops;
  private entries: TapeEntry[] = [];
  private grads = new Map<string, Value>();
  readonly sparse: SparseGrad[] = [];

  constructor(name: string) {
    this.g = new Graph(name);
    this.o = new Ops(this.g);
  }

  /** Records an operation's backward closure (called with one gradient or null per output). */
  record(name: string, outputs: Value[], backward: (grads: (Value | null)[]) => void): void {
    this.entries.push({ name, outputs, backward });
  }

  /** Adds a gradient contribution for v (values used twice, e.g. the residual stream, get a sum). */
  accumulate(v: Value, grad: Value): void {
    const prev = this.grads.get(v.name);
    this.grads.set(v.name, prev ? this.o.add(prev, grad, `grad_${v.name}`) : grad);
  }

  gradOf(v: Value): Value | undefined {
    return this.grads.get(v.name);
  }

  /** Emits the backward graph of everything recorded, seeded with dL/d(out) = seed. */
  backward(out: Value, seed: Value): void {
    this.accumulate(out, seed);
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]!;
      const gs = e.outputs.map((v) => this.grads.get(v.name) ?? null);
      if (gs.every((g) => g === null)) continue; // does not influence the output
      e.backward(gs);
    }
  }

  /** The zero gradient for an output nobody used (shape taken from the value itself). */
  zerosLike(v: Value): Value {
    return this.o.mul(v, this.o.f32(0));
  }
}
