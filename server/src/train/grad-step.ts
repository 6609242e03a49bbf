/**
 * One forward+backward on ORT for a micro-batch: feeds the parameters zero-copy, runs the
 * training graph, and adds the gradients (dense outputs, and the scatter-added sparse parts)
 * into the caller's gradient buffers.
 */
import { createSession, type EngineSession, type HostTensor, type SessionOptions } from '../engine/ort.js';
import { causalBias, rotaryAngles } from '../engine/positional-inputs.js';
import { dims, type ModelConfig } from '../model/config.js';
import { weightSpecs, type Weights } from '../model/weights.js';
import { buildTrainGraph, TRAIN_INPUTS, type TrainGraph, type TrainGraphOptions } from './train-graph.js';
import { defaultScatterBackend, markTableRows, scatterEmbedding, scatterTable, scatterTableNative, type ScatterBackend } from './sparse-grads.js';

export interface StepTimings {
  /** ORT run (forward + backward graph), ms. */
  graph: number;
  /** Adding dense gradient outputs into the buffers, ms. */
  copies: number;
  /** Sparse scatter-adds, ms. */
  scatter: number;
  /** Segmented steps: the Memory Layers' forward and backward in the native kernels, ms. */
  kernels: number;
}

/** The positional inputs of a training sequence of S tokens: the causal bias and rotary angles. */
export function trainingPositionalFeeds(cfg: ModelConfig, S: number): Record<string, HostTensor> {
  const positional: Record<string, HostTensor> = { [TRAIN_INPUTS.bias]: { type: 'float32', data: causalBias(0, S), dims: [S, S] } };
  const r = dims(cfg).rotaryDims;
  if (r > 0) {
    const { cos, sin } = rotaryAngles(cfg, 0, S);
    positional[TRAIN_INPUTS.cos] = { type: 'float32', data: cos, dims: [S, r / 2] };
    positional[TRAIN_INPUTS.sin] = { type: 'float32', data: sin, dims: [S, r / 2] };
  }
  return positional;
}

export class GradStep {
  private constructor(
    readonly cfg: ModelConfig,
    readonly graph: TrainGraph,
    private readonly session: EngineSession,
    private readonly positional: Record<string, HostTensor>,
    readonly scatter: ScatterBackend,
    private readonly threads: number,
  ) {}

  /** scatter: how table gradients are scatter-added (default: native kernel when it loaded). */
  static async create(cfg: ModelConfig, B: number, S: number, session: SessionOptions = {}, graphOpts: TrainGraphOptions & { scatter?: ScatterBackend } = {}): Promise<GradStep> {
    const graph = buildTrainGraph(cfg, B, S, graphOpts);
    const s = await createSession(graph.bytes, session);
    const positional = trainingPositionalFeeds(cfg, S);
    return new GradStep(cfg, graph, s, positional, graphOpts.scatter ?? defaultScatterBackend(), session.intraOpThreads ?? 2);
  }

  get provider(): string {
    return this.session.provider;
  }

  /** Runs the graph; returns every output (for tests and debugging). */
  async run(weights: Weights, ids: Int32Array, targets: Int32Array): Promise<Record<string, HostTensor>> {
    const { B, S } = this.graph;
    if (ids.length !== B * S || targets.length !== B * S) throw new Error(`training step: expected ${B * S} ids and targets (batch ${B} x seq ${S}), got ${ids.length} and ${targets.length}`);
    const feeds: Record<string, HostTensor> = { ...this.positional };
    for (const [name, shape] of this.shapes()) {
      const data = weights.get(name);
      if (!data) throw new Error(`training step: weight '${name}' is missing; pass weights built for this config`);
      feeds[name] = { type: 'float32', data, dims: shape };
    }
    feeds[TRAIN_INPUTS.ids] = { type: 'int32', data: ids, dims: [B, S] };
    feeds[TRAIN_INPUTS.targets] = { type: 'int32', data: targets, dims: [B, S] };
    return this.session.run(feeds);
  }

  private shapeCache?: Map<string, number[]>;
  private shapes(): Map<string, number[]> {
    this.shapeCache ??= new Map(weightSpecs(this.cfg).map((s) => [s.name, s.shape]));
    return this.shapeCache;
  }

  /**
   * Forward + backward; adds gradients into `grads` (zero them before the first micro-batch).
   * `touched` (optional, per sparse parameter, one byte per row) records the rows that got a gradient.
   */
  async accumulate(weights: Weights, ids: Int32Array, targets: Int32Array, grads: Weights, touched?: Map<string, Uint8Array>, timings?: StepTimings): Promise<number> {
    const t0 = performance.now();
    const out = await this.run(weights, ids, targets);
    const t1 = performance.now();
    for (const name of this.graph.denseParams) {
      const g = grads.get(name)!;
      const src = out[`grad.${name}`]!.data as Float32Array;
      for (let i = 0; i < g.length; i++) g[i] = g[i]! + src[i]!;
    }
    const t2 = performance.now();
    for (const s of this.graph.sparse) {
      const g = grads.get(s.param)!;
      const mark = touched?.get(s.param);
      if (s.kind === 'embedding') scatterEmbedding(g, s.out, ids, out[s.rows!]!.data as Float32Array, mark);
      else if (this.scatter === 'native') {
        scatterTableNative(g, weights.get(s.param)!, out[s.x!]!.data as Float32Array, s.K, s.tau!, s.out, s.temperature!, out[s.dy!]!.data as Float32Array, this.threads);
        if (mark) markTableRows(mark, s.K, s.rowsPerChunk, out[s.idx!]!.data as Int32Array);
      } else scatterTable(g, s.out, s.K, s.rowsPerChunk, out[s.idx!]!.data as Int32Array, out[s.p!]!.data as Float32Array, out[s.dy!]!.data as Float32Array, mark);
    }
    const t3 = performance.now();
    if (timings) {
      timings.graph += t1 - t0;
      timings.copies += t2 - t1;
      timings.scatter += t3 - t2;
    }
    return (out.loss!.data as Float32Array)[0]!;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
