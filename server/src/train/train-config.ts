/**
 * Training hyper-parameters: one typed object, every field with a default and the reason for it.
 * Defaults follow the paper's recipe (Pythia's, with the learning rate x3 for MemoryFormer).
 */
import type { ModelConfig } from '../model/config.js';

export type TableUpdate = 'dense' | 'lazy';

export interface TrainConfig {
  /** Sequences per micro-batch. */
  batch: number;
  /** Tokens per sequence (the model sees seq tokens and predicts the next seq). */
  seq: number;
  /** Micro-batches whose gradients are averaged into one optimiser step. */
  accumulation: number;
  /** Optimiser steps. */
  steps: number;
  /** Peak learning rate. */
  lr: number;
  /** Floor of the cosine schedule. */
  minLr: number;
  /** Fraction of the steps spent in linear warm-up. */
  warmupFraction: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW), not applied to norms and biases. */
  weightDecay: number;
  /** Global-norm gradient clipping threshold (0 disables). */
  clipNorm: number;
  /**
   * 'dense': exact AdamW over every table row each step (rows without a gradient still decay and
   * move with their momentum). 'lazy': only rows touched this step are updated (PyTorch SparseAdam
   * semantics, decay applied to touched rows only). Default 'dense' (see docs/TRAINING.md).
   */
  tableUpdate: TableUpdate;
  /** Seed of the data order (weights use the model seed). */
  seed: number;
  /** Fraction of the corpus' windows held out for validation. */
  valFraction: number;
  /** Steps between validation passes and checkpoints (0: only at the end). */
  evalEvery: number;
  checkpointEvery: number;
  /** Validation micro-batches per evaluation. */
  evalBatches: number;
  /** ORT intra-op threads (fixed: results are bit-identical run to run for a given count). */
  threads: number;
}

/**
 * Paper (Section 4 / public configs): lr 3e-3 for MemoryFormer (Pythia's lr x3, because table
 * rows get sparse gradients), betas (0.9, 0.95), eps 1e-8, weight decay 0.1, clip 1.0, cosine with
 * 1% warm-up down to lr/100. The dense baseline uses 1e-3, Pythia's own rate for its small models.
 */
export function defaultTrainConfig(model: ModelConfig): TrainConfig {
  const lr = model.arch === 'memoryformer' ? 3e-3 : 1e-3;
  return {
    batch: 8,
    seq: 128, // short windows: CPU training of the code presets; the model's maxSeqLen is the cap
    accumulation: 1,
    steps: 1000,
    lr,
    minLr: lr / 100,
    warmupFraction: 0.01,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    clipNorm: 1.0,
    tableUpdate: 'dense',
    seed: 1,
    valFraction: 0.05,
    evalEvery: 100,
    checkpointEvery: 100,
    evalBatches: 4,
    threads: 2,
  };
}

export function validateTrainConfig(tc: TrainConfig, model: ModelConfig): TrainConfig {
  const problems: string[] = [];
  for (const k of ['batch', 'seq', 'accumulation', 'steps', 'evalBatches', 'threads'] as const) {
    if (!Number.isInteger(tc[k]) || tc[k] <= 0) problems.push(`${k} must be a positive integer, got ${tc[k]}`);
  }
  if (tc.seq > model.maxSeqLen) problems.push(`seq ${tc.seq} exceeds the model's maxSeqLen ${model.maxSeqLen}`);
  if (!(tc.lr > 0)) problems.push(`lr must be > 0, got ${tc.lr}`);
  if (!(tc.minLr >= 0 && tc.minLr <= tc.lr)) problems.push(`minLr must be in [0, lr], got ${tc.minLr}`);
  if (!(tc.warmupFraction >= 0 && tc.warmupFraction < 1)) problems.push(`warmupFraction must be in [0, 1), got ${tc.warmupFraction}`);
  if (!(tc.beta1 >= 0 && tc.beta1 < 1 && tc.beta2 >= 0 && tc.beta2 < 1)) problems.push('betas must be in [0, 1)');
  if (!(tc.eps > 0)) problems.push(`eps must be > 0, got ${tc.eps}`);
  if (!(tc.weightDecay >= 0)) problems.push(`weightDecay must be >= 0, got ${tc.weightDecay}`);
  if (!(tc.clipNorm >= 0)) problems.push(`clipNorm must be >= 0, got ${tc.clipNorm}`);
  if (tc.tableUpdate !== 'dense' && tc.tableUpdate !== 'lazy') problems.push(`tableUpdate must be 'dense' or 'lazy', got '${String(tc.tableUpdate)}'`);
  if (!(tc.valFraction >= 0 && tc.valFraction < 1)) problems.push(`valFraction must be in [0, 1), got ${tc.valFraction}`);
  if (!Number.isInteger(tc.evalEvery) || tc.evalEvery < 0 || !Number.isInteger(tc.checkpointEvery) || tc.checkpointEvery < 0) problems.push('evalEvery and checkpointEvery must be integers >= 0');
  if (problems.length) throw new Error(`invalid training config: ${problems.join('; ')}`);
  return tc;
}

/** Cosine schedule with linear warm-up: lr at optimiser step `step` (0-based) of `total`. */
export function learningRate(tc: TrainConfig, step: number): number {
  const warmup = Math.max(1, Math.round(tc.warmupFraction * tc.steps));
  if (step < warmup) return (tc.lr * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, tc.steps - warmup));
  return tc.minLr + 0.5 * (tc.lr - tc.minLr) * (1 + Math.cos(Math.PI * progress));
}
