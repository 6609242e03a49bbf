/**
 * Choosing the next token from logits: greedy (temperature 0), or temperature + nucleus (top-p)
 * sampling with a seeded generator so that a given seed reproduces a completion.
 */
import type { Rng } from '../util/rng.js';

export interface SamplingOptions {
  /** 0 = greedy. Typical for code: 0 (deterministic) to 0.4. */
  temperature: number;
  /** Keep the smallest set of tokens whose probability sums to >= topP. 1 = no cut. */
  topP: number;
}

export const GREEDY: SamplingOptions = { temperature: 0, topP: 1 };

export function argmax(logits: ArrayLike<number>, from = 0, length = logits.length - from): number {
  let best = from;
  for (let i = from + 1; i < from + length; i++) if (logits[i]! > logits[best]!) best = i;
  return best - from;
}

/** Probabilities after temperature and top-p, as a sparse list sorted by probability. */
export function nucleus(logits: ArrayLike<number>, opts: SamplingOptions): { ids: number[]; probs: number[] } {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[i]!);
  const weights = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = Math.exp((logits[i]! - max) / opts.temperature);
    sum += weights[i]!;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
  const ids: number[] = [];
  const probs: number[] = [];
  let acc = 0;
  for (const i of order) {
    const p = weights[i]! / sum;
    ids.push(i);
    probs.push(p);
    acc += p;
    if (acc >= opts.topP) break;
  }
  const kept = probs.reduce((a, b) => a + b, 0);
  return { ids, probs: probs.map((p) => p / kept) };
}

export function sampleToken(logits: ArrayLike<number>, opts: SamplingOptions, rng: Rng): number {
  if (opts.temperature <= 0) return argmax(logits);
  const { ids, probs } = nucleus(logits, opts);
  let u = rng.next();
  for (let i = 0; i < ids.length; i++) {
    u -= probs[i]!;
    if (u < 0) return ids[i]!;
  }
  return ids[ids.length - 1]!;
}
