/**
 * Evaluation of a completion model on a folder of code:
 * - bits per byte of the files (plain left-to-right language modelling, windows of the model's
 *   context), the tokenizer-independent measure of how well the model predicts code;
 * - line completion at sampled cursor positions (line starts after indentation, and mid-line):
 *   the model completes the rest of the line given the text before the cursor and, through the
 *   fill-in-the-middle prompt, the lines after; scored by exact match and edit similarity
 *   (CodeXGLUE / RepoBench convention). Deterministic given the seed.
 */
import { performance } from 'node:perf_hooks';
import { FimCompleter, fimOptionsFor } from '../engine/fim-completer.js';
import type { GenerateOptions } from '../engine/generate.js';
import type { ModelRunner } from '../engine/model-runner.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { Rng } from '../util/rng.js';
import { editSimilarity, normaliseLine } from './edit-similarity.js';
import { nextTokenNats } from './log-likelihood.js';
import type { SourceFile } from './source-files.js';

export interface EvalOptions {
  seed: number;
  /** Cursor positions for line completion. */
  limit: number;
  /** Bytes of code scored for bits per byte (files in a seeded order until this is reached). */
  maxBpbBytes: number;
  /** Longest completion, in tokens. */
  maxTokens: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_EVAL_OPTIONS: EvalOptions = { seed: 0, limit: 500, maxBpbBytes: 256 * 1024, maxTokens: 48 };

export interface LineScores {
  positions: number;
  exactMatch: number;
  editSimilarity: number;
}

export interface EvalReport {
  files: number;
  bpb: { bitsPerByte: number; bytes: number; tokens: number };
  lineCompletion: LineScores & { lineStart: LineScores; midLine: LineScores };
  seconds: number;
}

/** Natural-log likelihood of `ids[1..]` given what precedes each, in windows of `window`. */
async function negLogLikelihood(runner: ModelRunner, ids: number[], window: number): Promise<number> {
  let nats = 0;
  const V = runner.config.vocabSize;
  for (let start = 0; start + 1 < ids.length; start += window - 1) {
    const chunk = ids.slice(start, start + window);
    const { logits } = await runner.forward([chunk]);
    for (let i = 0; i + 1 < chunk.length; i++) nats += nextTokenNats(logits, i * V, V, chunk[i + 1]!);
  }
  return nats;
}

export async function bitsPerByte(runner: ModelRunner, tokenizer: Tokenizer, files: SourceFile[], o: EvalOptions): Promise<EvalReport['bpb']> {
  const order = new Rng(o.seed).shuffle(files.map((_, i) => i));
  const window = Math.min(runner.cache.capacity, 512);
  let nats = 0;
  let bytes = 0;
  let tokens = 0;
  for (const i of order) {
    if (bytes >= o.maxBpbBytes) break;
    const text = files[i]!.text;
    const ids = [SPECIAL_IDS.endOfText, ...tokenizer.encode(text)];
    nats += await negLogLikelihood(runner, ids, window);
    bytes += Buffer.byteLength(text, 'utf8');
    tokens += ids.length - 1;
  }
  return { bitsPerByte: bytes ? nats / Math.LN2 / bytes : NaN, bytes, tokens };
}

interface Position {
  file: number;
  offset: number;
  target: string;
  kind: 'lineStart' | 'midLine';
}

export function samplePositions(files: SourceFile[], o: Pick<EvalOptions, 'seed' | 'limit'>): Position[] {
  const candidates: { file: number; lineStart: number; indent: number; end: number }[] = [];
  files.forEach((f, file) => {
    let start = 0;
    while (start < f.text.length) {
      let end = f.text.indexOf('\n', start);
      if (end < 0) end = f.text.length;
      const line = f.text.slice(start, end);
      const indent = line.length - line.trimStart().length;
      if (line.trim().length >= 4) candidates.push({ file, lineStart: start, indent, end });
      start = end + 1;
    }
  });
  const rng = new Rng(o.seed + 1);
  rng.shuffle(candidates);
  return candidates.slice(0, o.limit).map((c, i) => {
    const contentStart = c.lineStart + c.indent;
    // Alternate: even positions at the line start (after indentation), odd ones mid-line.
    const kind: Position['kind'] = i % 2 === 0 ? 'lineStart' : 'midLine';
    const offset = kind === 'lineStart' ? contentStart : contentStart + 1 + rng.int(Math.max(1, c.end - contentStart - 2));
    const text = files[c.file]!.text;
    return { file: c.file, offset, target: text.slice(offset, c.end).replace(/\r$/, ''), kind };
  });
}

function summarise(rows: { em: number; es: number }[]): LineScores {
  const n = rows.length;
  return {
    positions: n,
    exactMatch: n ? rows.reduce((a, r) => a + r.em, 0) / n : NaN,
    editSimilarity: n ? rows.reduce((a, r) => a + r.es, 0) / n : NaN,
  };
}

export async function lineCompletion(completer: FimCompleter, files: SourceFile[], o: EvalOptions): Promise<EvalReport['lineCompletion']> {
  const positions = samplePositions(files, o);
  const rows: { kind: Position['kind']; em: number; es: number }[] = [];
  for (const [i, p] of positions.entries()) {
    const text = files[p.file]!.text;
    const lineEnd = text.indexOf('\n', p.offset);
    const suffix = lineEnd < 0 ? '' : text.slice(lineEnd);
    const r = await completer.complete({ prefix: text.slice(0, p.offset), suffix, maxTokens: o.maxTokens, temperature: 0, topP: 1, stop: ['\n'] });
    const pred = normaliseLine(r.text);
    const target = normaliseLine(p.target);
    rows.push({ kind: p.kind, em: pred === target ? 1 : 0, es: editSimilarity(pred, target) });
    o.onProgress?.(i + 1, positions.length);
  }
  return {
    ...summarise(rows),
    lineStart: summarise(rows.filter((r) => r.kind === 'lineStart')),
    midLine: summarise(rows.filter((r) => r.kind === 'midLine')),
  };
}

/**
 * Bits per byte (through the runner's forward passes) and line completion (through a FimCompleter
 * on the runner; with `decoder`, generated tokens are decoded by it, as the language server does).
 */
export async function evaluate(
  runner: ModelRunner, tokenizer: Tokenizer, files: SourceFile[], opts: Partial<EvalOptions> = {}, decoder?: GenerateOptions['decoder'],
): Promise<EvalReport> {
  const o = { ...DEFAULT_EVAL_OPTIONS, ...opts };
  if (files.length === 0) throw new Error('no source files to evaluate on (looked for code files by extension, skipping vendored folders)');
  const t0 = performance.now();
  const bpb = await bitsPerByte(runner, tokenizer, files, o);
  const completer = new FimCompleter(runner, tokenizer, fimOptionsFor(runner.cache.capacity), decoder);
  const lines = await lineCompletion(completer, files, o);
  return { files: files.length, bpb, lineCompletion: lines, seconds: (performance.now() - t0) / 1000 };
}
