/**
 * What a fine-tune would train on, without training (the dry run): files, bytes, languages,
 * an estimate of the tokens and of the time the training would take.
 */
import type { Collected, SkipReason } from './collect.js';

/** Bytes per token of the shipped tokenizer on code (docs/CORPUS.md measured 3.15 to 3.69). */
export const ESTIMATED_BYTES_PER_TOKEN = 3.3;
/**
 * Training throughput assumed for the estimate: code-mini on 2 CPU cores (docs/TRAINING.md:
 * 1800-4200 tokens/s). A real run measures its own and sizes the schedule to the time budget.
 */
export const ESTIMATED_TRAIN_TOKENS_PER_SEC = 2500;
/** Workspace passes a run is worth at most (early stopping usually ends it sooner). */
const USEFUL_EPOCHS = 4;

export interface WorkspaceSummary {
  files: number;
  bytes: number;
  languages: Record<string, { files: number; bytes: number }>;
  skipped: Record<string, number>;
  estimatedTokens: number;
  /** Training seconds for USEFUL_EPOCHS passes over the tokens at the assumed throughput, capped by the budget. */
  estimatedTrainSeconds: number;
}

export function summarise(c: Collected, timeBudgetSec?: number, tokensPerSec = ESTIMATED_TRAIN_TOKENS_PER_SEC): WorkspaceSummary {
  const languages: WorkspaceSummary['languages'] = {};
  let bytes = 0;
  for (const f of c.files) {
    const l = (languages[f.language] ??= { files: 0, bytes: 0 });
    l.files++;
    l.bytes += f.bytes;
    bytes += f.bytes;
  }
  const skipped: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.skipped) as Array<[SkipReason, number]>) skipped[k] = v;
  const estimatedTokens = Math.round(bytes / ESTIMATED_BYTES_PER_TOKEN);
  let estimatedTrainSeconds = (USEFUL_EPOCHS * estimatedTokens) / tokensPerSec;
  if (timeBudgetSec !== undefined) estimatedTrainSeconds = Math.min(estimatedTrainSeconds, timeBudgetSec);
  return { files: c.files.length, bytes, languages, skipped, estimatedTokens, estimatedTrainSeconds: Math.round(estimatedTrainSeconds) };
}
