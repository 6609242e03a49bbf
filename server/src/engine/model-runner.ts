/**
 * Runs a model graph on an execution provider: full-sequence forward passes (batched, no cache)
 * and incremental decoding with a KV cache that is reused across calls when a new prompt extends
 * (or shares a prefix with) what is cached.
 */
import { type ModelConfig } from '../model/config.js';
import type { GraphWeights } from '../model/graph-weights.js';
import { buildModelGraph, inputNames, outputNames, type ModelGraphOptions } from '../model/onnx-model.js';
import { KvCache } from './kv-cache.js';
import { createSession, type EngineSession, type HostTensor, type SessionOptions } from './ort.js';
import { causalBias, rotaryAngles } from './positional-inputs.js';

export interface RunnerOptions extends SessionOptions, ModelGraphOptions {
  /** Longest context the KV cache holds. Default: the config's maxSeqLen. */
  maxContext?: number;
  /**
   * Build the graph and its session on the first run instead of at creation (a concrete provider
   * only): when another engine (the native decoder) computes every position, the runner only keeps
   * the KV cache and its prefix bookkeeping, and the graph is never built.
   */
  lazy?: boolean;
}

export class TokenRangeError extends Error {
  override name = 'TokenRangeError';
}

export interface ForwardResult {
  /** [B, n, vocab] row-major. */
  logits: Float32Array;
  /** Block outputs when the graph was built with blockOutputs. */
  blocks?: Float32Array[];
}

export class ModelRunner {
  readonly cache: KvCache;
  /** Model runs so far (each crosses into ORT once). */
  runs = 0;

  private session: EngineSession | null = null;
  private opening: Promise<EngineSession> | null = null;

  private constructor(
    readonly config: ModelConfig,
    private readonly weights: (() => GraphWeights) | null,
    private readonly opts: RunnerOptions,
  ) {
    this.cache = new KvCache(config.nLayers, config.dModel, opts.maxContext ?? config.maxSeqLen);
  }

  /**
   * `weights` may be a function that makes them: a lazy runner calls it only when it builds its
   * graph, so the graph's copy of the weights (an int8 model's tables widened to fp16) is never made
   * when the native decoder computes every position.
   */
  static async create(config: ModelConfig, weights: GraphWeights | (() => GraphWeights), opts: RunnerOptions = {}): Promise<ModelRunner> {
    const make = typeof weights === 'function' ? weights : () => weights;
    if (opts.lazy) {
      if (!opts.provider || opts.provider === 'auto') throw new Error('a lazy runner needs a concrete provider (cpu, webgpu or cuda)');
      return new ModelRunner(config, make, opts);
    }
    const r = new ModelRunner(config, null, opts);
    r.session = await createSession(buildModelGraph(config, make(), opts).bytes, opts);
    return r;
  }

  /** The session, built on first use for a lazy runner. */
  private async graphSession(): Promise<EngineSession> {
    if (this.session) return this.session;
    this.opening ??= createSession(buildModelGraph(this.config, this.weights!(), this.opts).bytes, this.opts);
    this.session = await this.opening;
    return this.session;
  }

  get provider(): string {
    return this.session?.provider ?? this.opts.provider!;
  }

  /** Ends ORT profiling (a runner created with profileFilePrefix) and returns the profile's path. */
  async endProfiling(): Promise<string | undefined> {
    return (await this.graphSession()).endProfiling();
  }

  private checkIds(ids: readonly number[]): void {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) {
        throw new TokenRangeError(`token id ${id} is out of range: this model's vocabulary has ids 0..${this.config.vocabSize - 1}`);
      }
    }
  }

  private feeds(batch: number, S: number, past: number, pastKV: (l: number) => [Float32Array, Float32Array]): Record<string, HostTensor> {
    const f: Record<string, HostTensor> = {};
    const { cos, sin, half } = rotaryAngles(this.config, past, S);
    if (half > 0) {
      f[inputNames.cos] = { type: 'float32', data: cos, dims: [S, half] };
      f[inputNames.sin] = { type: 'float32', data: sin, dims: [S, half] };
    }
    f[inputNames.bias] = { type: 'float32', data: causalBias(past, S), dims: [S, past + S] };
    for (let l = 0; l < this.config.nLayers; l++) {
      const [k, v] = pastKV(l);
      f[inputNames.pastK(l)] = { type: 'float32', data: k, dims: [batch, past, this.config.dModel] };
      f[inputNames.pastV(l)] = { type: 'float32', data: v, dims: [batch, past, this.config.dModel] };
    }
    return f;
  }

  /**
   * Full forward pass over a batch of equal-length sequences, no cache. `logitsAt` selects the
   * positions whose logits are returned (default: all).
   */
  async forward(batch: readonly (readonly number[])[], logitsAt?: readonly number[]): Promise<ForwardResult> {
    const B = batch.length;
    const S = batch[0]?.length ?? 0;
    if (B === 0 || S === 0) throw new Error('forward needs at least one non-empty sequence');
    const ids = new Int32Array(B * S);
    batch.forEach((seq, b) => {
      if (seq.length !== S) throw new Error(`forward: sequences differ in length (${seq.length} vs ${S})`);
      this.checkIds(seq);
      ids.set(seq, b * S);
    });
    const empty = new Float32Array(0);
    const f = this.feeds(B, S, 0, () => [empty, empty]);
    f[inputNames.ids] = { type: 'int32', data: ids, dims: [B, S] };
    const at = logitsAt ?? Array.from({ length: S }, (_, i) => i);
    f[inputNames.logitIndex] = { type: 'int32', data: Int32Array.from(at), dims: [at.length] };
    const out = await (await this.graphSession()).run(f);
    this.runs++;
    const blocks = this.opts.blockOutputs
      ? Array.from({ length: this.config.nLayers }, (_, l) => out[outputNames.block(l)]!.data as Float32Array)
      : undefined;
    return { logits: out[outputNames.logits]!.data as Float32Array, blocks };
  }

  /**
   * Feeds `ids` after what is cached (batch 1) and returns the logits of the last new position
   * ([vocab]), or of every new position with `all`.
   */
  async extend(ids: readonly number[], all = false): Promise<Float32Array> {
    if (ids.length === 0) throw new Error('extend needs at least one token');
    this.checkIds(ids);
    const past = this.cache.length;
    const S = ids.length;
    if (past + S > this.cache.capacity) {
      throw new TokenRangeError(`context of ${past + S} tokens exceeds this model's maximum of ${this.cache.capacity}`);
    }
    const f = this.feeds(1, S, past, (l) => [this.cache.pastKeys(l), this.cache.pastValues(l)]);
    f[inputNames.ids] = { type: 'int32', data: Int32Array.from(ids), dims: [1, S] };
    const at = all ? Array.from({ length: S }, (_, i) => i) : [S - 1];
    f[inputNames.logitIndex] = { type: 'int32', data: Int32Array.from(at), dims: [at.length] };
    const out = await (await this.graphSession()).run(f);
    this.runs++;
    const L = this.config.nLayers;
    this.cache.append(
      ids,
      Array.from({ length: L }, (_, l) => out[outputNames.newK(l)]!.data as Float32Array),
      Array.from({ length: L }, (_, l) => out[outputNames.newV(l)]!.data as Float32Array),
    );
    return out[outputNames.logits]!.data as Float32Array;
  }

  /**
   * Makes the cache hold exactly `prompt` and returns the last position's logits, recomputing
   * only what is not already cached. Returns how many positions were reused. `extend` computes the
   * new positions (default: this graph; a NativeDecoder's prefill appends to the same cache).
   */
  async prefill(
    prompt: readonly number[], extend: (ids: readonly number[]) => Promise<Float32Array> = (ids) => this.extend(ids),
  ): Promise<{ logits: Float32Array; reused: number }> {
    if (prompt.length === 0) throw new Error('prefill needs a non-empty prompt');
    let reused = this.cache.commonPrefix(prompt);
    // The last prompt position must be run to get its logits.
    if (reused === prompt.length) reused--;
    this.cache.truncate(reused);
    const logits = await extend(prompt.slice(reused));
    return { logits, reused };
  }

  async dispose(): Promise<void> {
    const s = this.session ?? (this.opening ? await this.opening : null);
    await s?.release();
  }
}
