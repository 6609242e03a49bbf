/**
 * One forward+backward of a MemoryFormer micro-batch with the Memory Layers in the native kernels
 * and everything between them in ORT (segments.ts): per block, 3 ORT runs and 5 kernel calls
 * forward (Q, K, V share one input; ML1; ML2) and the same backward. The kernels' backward adds
 * the table and bias gradients straight into the trainer's buffers (exact, deterministic at any
 * thread count), so nothing of size [B, S, K, out] is ever formed.
 *
 * Same contract as GradStep.accumulate (grad-step.ts); segmented-step.test.ts checks that both give
 * the same loss and gradients (and marks the same touched rows, for lazy table updates). Requires the
 * native addon and the CPU provider.
 */
import { createSession, type EngineSession, type HostTensor, type SessionOptions } from '../engine/ort.js';
import { dims, type ModelConfig } from '../model/config.js';
import type { Weights } from '../model/weights.js';
import { backward as kernelBackward, forward as kernelForward, type MemoryTable } from '../kernels/memory-layer-kernel.js';
import { buildSegment, EMBED_ROWS, SEGMENT_KINDS, type SegmentGraph, type SegmentKind } from './segments.js';
import { markRowsOfInput, scatterEmbedding } from './sparse-grads.js';
import { trainingPositionalFeeds, type StepTimings } from './grad-step.js';
import { TRAIN_INPUTS } from './train-graph.js';

interface Session {
  graph: SegmentGraph;
  session: EngineSession;
}

/** A Memory Layer of one block: its input width, tau, and the tables (with biases) it feeds. */
interface LayerSpec {
  n: number;
  tau: number;
  tables: Array<{ table: string; bias: string; out: number }>;
}

export class SegmentedStep {
  private constructor(
    readonly cfg: ModelConfig,
    readonly B: number,
    readonly S: number,
    private readonly forwardRuns: Map<SegmentKind, Session>,
    private readonly backwardRuns: Map<SegmentKind, Session>,
    private readonly positional: Record<string, HostTensor>,
    private readonly threads: number,
  ) {}

  static async create(cfg: ModelConfig, B: number, S: number, session: SessionOptions = {}): Promise<SegmentedStep> {
    const fw = new Map<SegmentKind, Session>();
    const bw = new Map<SegmentKind, Session>();
    for (const kind of SEGMENT_KINDS) {
      for (const backward of [false, true]) {
        if (kind === 'head' && !backward) continue; // the head's backward graph outputs the loss too
        const graph = buildSegment(cfg, B, S, kind, backward);
        // No spinning: the kernels' threads run between these short runs and need the cores.
        (backward ? bw : fw).set(kind, { graph, session: await createSession(graph.bytes, { ...session, provider: 'cpu', spinning: false }) });
      }
    }
    const positional = trainingPositionalFeeds(cfg, S);
    return new SegmentedStep(cfg, B, S, fw, bw, positional, session.intraOpThreads ?? 2);
  }

  get provider(): string {
    return 'cpu';
  }

  /** The Memory Layers of block i, in forward order. */
  private layers(i: number): { qkv: LayerSpec; ml1: LayerSpec; ml2: LayerSpec } {
    const d = this.cfg.dModel;
    const dm = dims(this.cfg);
    const p = `blocks.${i}.`;
    return {
      qkv: { n: d, tau: this.cfg.tau, tables: ['q', 'k', 'v'].map((n) => ({ table: `${p}attn.${n}.table`, bias: `${p}attn.${n}.bias`, out: d })) },
      ml1: { n: d, tau: this.cfg.tau, tables: [{ table: `${p}ml1.table`, bias: `${p}ml1.bias`, out: dm.expandedWidth }] },
      ml2: { n: dm.expandedWidth, tau: dm.ml2Tau, tables: [{ table: `${p}ml2.table`, bias: `${p}ml2.bias`, out: d }] },
    };
  }

  private table(weights: Weights, name: string, n: number, tau: number, out: number): MemoryTable {
    const K = n / tau;
    return { dtype: 'fp32', layout: 'row', data: weights.get(name)!, scales: null, K, tau, out, rows: K * 2 ** tau };
  }

  private mlForward(weights: Weights, L: LayerSpec, x: Float32Array): Float32Array[] {
    const N = this.B * this.S;
    return L.tables.map((tb) => {
      const y = new Float32Array(N * tb.out);
      kernelForward(x, N, this.table(weights, tb.table, L.n, L.tau, tb.out), weights.get(tb.bias)!, this.cfg.hashTemperature, y, { threads: this.threads });
      return y;
    });
  }

  /** Adds the tables' and biases' gradients into `grads` (and marks the rows in `touched`); returns dL/dx (summed over the tables). */
  private mlBackward(weights: Weights, grads: Weights, L: LayerSpec, x: Float32Array, dys: Float32Array[], touched?: Map<string, Uint8Array>): Float32Array {
    const N = this.B * this.S;
    // Tables that share this input select the same rows: hash the marks once, copy them to the rest.
    const marks = L.tables.map((tb) => touched?.get(tb.table)).filter((m): m is Uint8Array => m !== undefined);
    if (marks.length) {
      markRowsOfInput(marks[0]!, x, L.n / L.tau, L.tau);
      for (const m of marks.slice(1)) for (let r = 0; r < m.length; r++) m[r] = m[r]! | marks[0]![r]!;
    }
    const dx = new Float32Array(N * L.n);
    const part = L.tables.length > 1 ? new Float32Array(N * L.n) : dx;
    L.tables.forEach((tb, j) => {
      kernelBackward(x, N, this.table(weights, tb.table, L.n, L.tau, tb.out), this.cfg.hashTemperature, dys[j]!, {
        dx: part, dTable: grads.get(tb.table)!, dBias: grads.get(tb.bias)!,
      }, { threads: this.threads });
      if (part !== dx) for (let i = 0; i < dx.length; i++) dx[i] = dx[i]! + part[i]!;
    });
    return dx;
  }

  /** Runs one segment; `acts` by the segment's input names, params mapped from its names to weight names. */
  private async run(
    s: Session, acts: Record<string, Float32Array>, param: (name: string) => string, weights: Weights, extra: Record<string, HostTensor> = {},
  ): Promise<Record<string, HostTensor>> {
    const { B, S } = this;
    const feeds: Record<string, HostTensor> = { ...extra };
    for (const [name, width] of s.graph.activations) {
      const data = acts[name];
      if (!data) throw new Error(`segment ${s.graph.kind}: activation '${name}' missing`);
      feeds[name] = { type: 'float32', data, dims: [B, S, width] };
    }
    for (const [name, shape] of s.graph.params) feeds[name] = { type: 'float32', data: weights.get(param(name))!, dims: shape };
    return s.session.run(feeds);
  }

  /** Forward + backward; adds gradients into `grads` (zero them first). Returns the loss. */
  async accumulate(weights: Weights, ids: Int32Array, targets: Int32Array, grads: Weights, touched?: Map<string, Uint8Array>, timings?: StepTimings): Promise<number> {
    const { cfg, B, S } = this;
    if (ids.length !== B * S || targets.length !== B * S) throw new Error(`training step: expected ${B * S} ids and targets (batch ${B} x seq ${S}), got ${ids.length} and ${targets.length}`);
    const t0 = performance.now();
    let kernelMs = 0;
    let copyMs = 0;
    let scatterMs = 0;
    const f32 = (o: Record<string, HostTensor>, name: string) => o[name]!.data as Float32Array;
    const block = (i: number) => (name: string) => `blocks.${i}.${name}`;
    const global = (name: string) => name;
    const idsFeed = { [TRAIN_INPUTS.ids]: { type: 'int32' as const, data: ids, dims: [B, S] } };
    const pos = this.positional;
    const timeKernels = <T>(f: () => T): T => {
      const k0 = performance.now();
      const r = f();
      kernelMs += performance.now() - k0;
      return r;
    };

    // Forward: keep every segment's inputs for the backward pass.
    type Acts = { x: Float32Array; h: Float32Array; q: Float32Array; k: Float32Array; v: Float32Array; x1: Float32Array; h2: Float32Array; u: Float32Array; un: Float32Array; y: Float32Array };
    const saved: Acts[] = [];
    const embedParam = (n: string) => (n === 'embed.weight' ? n : `blocks.0.${n}`);
    const e = await this.run(this.forwardRuns.get('embed')!, {}, embedParam, weights, idsFeed);
    let x = f32(e, 'x');
    let h = f32(e, 'h');
    for (let i = 0; i < cfg.nLayers; i++) {
      const L = this.layers(i);
      const [q, k, v] = timeKernels(() => this.mlForward(weights, L.qkv, h)) as [Float32Array, Float32Array, Float32Array];
      const a = await this.run(this.forwardRuns.get('attn')!, { x, q, k, v }, block(i), weights, pos);
      const x1 = f32(a, 'x1');
      const h2 = f32(a, 'h2');
      const [u] = timeKernels(() => this.mlForward(weights, L.ml1, h2)) as [Float32Array];
      const un = f32(await this.run(this.forwardRuns.get('ln')!, { u }, block(i), weights), 'un');
      const [y] = timeKernels(() => this.mlForward(weights, L.ml2, un)) as [Float32Array];
      saved.push({ x, h, q, k, v, x1, h2, u, un, y });
      if (i + 1 < cfg.nLayers) {
        const r = await this.run(this.forwardRuns.get('residual')!, { x1, y }, block(i + 1), weights);
        x = f32(r, 'x');
        h = f32(r, 'h');
      }
    }

    // Backward, block by block in reverse.
    const add = (out: Record<string, HostTensor>, param: (name: string) => string, names: Array<[string, number[]]>) => {
      const c0 = performance.now();
      for (const [name] of names) {
        const src = out[`grad.${name}`];
        if (!src) continue;
        const g = grads.get(param(name))!;
        const s = src.data as Float32Array;
        for (let j = 0; j < g.length; j++) g[j] = g[j]! + s[j]!;
      }
      copyMs += performance.now() - c0;
    };
    const last = saved[cfg.nLayers - 1]!;
    const headRun = this.backwardRuns.get('head')!;
    const hb = await this.run(headRun, { x1: last.x1, y: last.y }, global, weights, { [TRAIN_INPUTS.targets]: { type: 'int32', data: targets, dims: [B, S] } });
    add(hb, global, headRun.graph.params);
    const loss = (hb.loss!.data as Float32Array)[0]!;
    let dX1 = f32(hb, 'd.x1');
    let dY = f32(hb, 'd.y');
    for (let i = cfg.nLayers - 1; i >= 0; i--) {
      const s = saved[i]!;
      const L = this.layers(i);
      const dUn = timeKernels(() => this.mlBackward(weights, grads, L.ml2, s.un, [dY], touched));
      const lnRun = this.backwardRuns.get('ln')!;
      const lb = await this.run(lnRun, { u: s.u, 'd.un': dUn }, block(i), weights);
      add(lb, block(i), lnRun.graph.params);
      const dH2 = timeKernels(() => this.mlBackward(weights, grads, L.ml1, s.h2, [f32(lb, 'd.u')], touched));
      const attnRun = this.backwardRuns.get('attn')!;
      const ab = await this.run(attnRun, { x: s.x, q: s.q, k: s.k, v: s.v, 'd.x1': dX1, 'd.h2': dH2 }, block(i), weights, pos);
      add(ab, block(i), attnRun.graph.params);
      const dH = timeKernels(() => this.mlBackward(weights, grads, L.qkv, s.h, [f32(ab, 'd.q'), f32(ab, 'd.k'), f32(ab, 'd.v')], touched));
      const dX = f32(ab, 'd.x');
      if (i > 0) {
        const prev = saved[i - 1]!;
        const resRun = this.backwardRuns.get('residual')!;
        const rb = await this.run(resRun, { x1: prev.x1, y: prev.y, 'd.x': dX, 'd.h': dH }, block(i), weights);
        add(rb, block(i), resRun.graph.params);
        dX1 = f32(rb, 'd.x1');
        dY = f32(rb, 'd.y');
      } else {
        const embRun = this.backwardRuns.get('embed')!;
        const eb = await this.run(embRun, { 'd.x': dX, 'd.h': dH }, embedParam, weights, idsFeed);
        add(eb, embedParam, embRun.graph.params); // the embedding's own gradient is the rows below
        const s0 = performance.now();
        scatterEmbedding(grads.get('embed.weight')!, cfg.dModel, ids, f32(eb, EMBED_ROWS), touched?.get('embed.weight'));
        scatterMs += performance.now() - s0;
      }
    }
    if (timings) {
      const total = performance.now() - t0;
      timings.kernels += kernelMs;
      timings.copies += copyMs;
      timings.scatter += scatterMs;
      timings.graph += total - kernelMs - copyMs - scatterMs;
    }
    return loss;
  }

  async release(): Promise<void> {
    for (const s of [...this.forwardRuns.values(), ...this.backwardRuns.values()]) await s.session.release();
  }
}
