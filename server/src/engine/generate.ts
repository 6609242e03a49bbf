/**
 * Autoregressive generation over a ModelRunner: prefill the prompt (reusing whatever prefix is
 * already in the KV cache), then decode one token per model run until a stop condition.
 */
import { Rng } from '../util/rng.js';
import type { ModelRunner } from './model-runner.js';
import { sampleToken, type SamplingOptions } from './sampling.js';

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  /** Token ids that end generation (not included in the output), e.g. end-of-text. */
  stopTokens?: readonly number[];
  seed?: number;
  signal?: AbortSignal;
  /**
   * Restricts the first generated token to these ids (token healing: the prompt's last, partial
   * token was removed and the model must produce a token that starts with its bytes).
   */
  allowedFirstTokens?: readonly number[];
  /** > 1 discourages tokens already generated in this call (CTRL-style). Default 1 (off). */
  repetitionPenalty?: number;
  /**
   * Computes the prompt's uncached positions and the generated steps with this instead of the ONNX
   * graph (NativeDecoder: the native kernels); it appends to the runner's cache.
   */
  decoder?: {
    step(id: number, cache: ModelRunner['cache']): Promise<Float32Array>;
    prefill(ids: readonly number[], cache: ModelRunner['cache']): Promise<Float32Array>;
  };
  /** Called after each token with all generated ids so far; return false to stop. */
  onToken?: (ids: readonly number[]) => boolean | void;
}

export type StopReason = 'max-tokens' | 'stop-token' | 'callback' | 'aborted' | 'context-full';

export interface GenerateResult {
  tokens: number[];
  stopReason: StopReason;
  promptTokens: number;
  reusedTokens: number;
  prefillMs: number;
  decodeMs: number;
}

export async function generate(runner: ModelRunner, prompt: readonly number[], opts: GenerateOptions): Promise<GenerateResult> {
  const rng = new Rng(opts.seed ?? 0);
  const stop = new Set(opts.stopTokens ?? []);
  const t0 = performance.now();
  const dec = opts.decoder;
  const { logits: first, reused } = await runner.prefill(prompt, dec ? (ids) => dec.prefill(ids, runner.cache) : undefined);
  const t1 = performance.now();
  const tokens: number[] = [];
  let logits = first;
  let stopReason: StopReason = 'max-tokens';
  while (tokens.length < opts.maxTokens) {
    if (opts.signal?.aborted) {
      stopReason = 'aborted';
      break;
    }
    if (tokens.length === 0 && opts.allowedFirstTokens?.length) logits = restrictTo(logits, opts.allowedFirstTokens);
    if (opts.repetitionPenalty && opts.repetitionPenalty !== 1 && tokens.length) logits = penalise(logits, tokens, opts.repetitionPenalty);
    const next = sampleToken(logits, opts, rng);
    if (stop.has(next)) {
      stopReason = 'stop-token';
      break;
    }
    tokens.push(next);
    if (opts.onToken?.(tokens) === false) {
      stopReason = 'callback';
      break;
    }
    if (tokens.length >= opts.maxTokens) break;
    if (runner.cache.length + 1 > runner.cache.capacity) {
      stopReason = 'context-full';
      break;
    }
    logits = opts.decoder ? await opts.decoder.step(next, runner.cache) : await runner.extend([next]);
  }
  return { tokens, stopReason, promptTokens: prompt.length, reusedTokens: reused, prefillMs: t1 - t0, decodeMs: performance.now() - t1 };
}

/** Logits with every id outside `allowed` set to -Infinity. */
function restrictTo(logits: Float32Array, allowed: readonly number[]): Float32Array {
  const out = new Float32Array(logits.length).fill(-Infinity);
  for (const id of allowed) out[id] = logits[id]!;
  return out;
}

/** CTRL-style penalty on tokens already generated: positive logits divided, negative multiplied. */
export function penalise(logits: Float32Array, seen: readonly number[], penalty: number): Float32Array {
  const out = Float32Array.from(logits);
  for (const id of new Set(seen)) out[id] = out[id]! > 0 ? out[id]! / penalty : out[id]! * penalty;
  return out;
}
