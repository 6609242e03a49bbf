/**
 * Fine-tuning the current model on a workspace, start to end:
 *
 *   collect   workspace files (collect.ts), split by file into train / held-out (split.ts)
 *   tokenize  FIM examples as in pretraining, replay windows of the pretraining stream mixed in (examples.ts)
 *   evaluate  the base model on the held-out files: bits per byte, line exact match / edit similarity
 *   train     from the base weights, AdamW, cosine schedule sized to the time budget (after 3 steps), validation
 *             loss on the held-out windows every few steps, early stopping, best weights kept
 *   evaluate  the fine-tuned model on the same held-out files, same positions
 *   save      only when its held-out bits per byte beat the base model's: <storage>/finetuned/,
 *             atomically (store.ts); a report of every finished run in <storage>/last-fine-tune.json
 *
 * The time budget covers the whole run: the base model's evaluation is timed first, and training
 * gets what remains after reserving as much again for the second evaluation. Cancellation
 * (AbortSignal) is checked between steps and between evaluation positions; nothing is written
 * before the final atomic save, so a cancelled, crashed or killed run leaves the storage as it was.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FineTunePhase, FineTuneRunReport, FineTuneScores } from '../../../protocol/lsp.js';
import type { ProviderChoice } from '../engine/ort.js';
import { ModelRunner } from '../engine/model-runner.js';
import { evaluate, type EvalReport } from '../eval/evaluate.js';
import type { ModelConfig } from '../model/config.js';
import { CONFIG_FILE, loadModel, parseConfigJson, toFloat32Weights, toStoredTensors } from '../model/model-dir.js';
import type { Weights } from '../model/weights.js';
import { graphWeightsFromStored } from '../model/graph-weights.js';
import { readTokenStream } from '../corpus/token-stream.js';
import { loadTokenizer } from '../tokenizer/storage.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { Trainer } from '../train/trainer.js';
import { defaultTrainConfig, type TrainConfig } from '../train/train-config.js';
import { collectWorkspace, nothingToTrainOnMessage, NothingToTrainOnError, type Collected, type WorkspaceFile } from './collect.js';
import { buildTokenLayout } from './examples.js';
import { splitWorkspace, DEFAULT_HELD_OUT_FRACTION } from './split.js';
import { cleanFineTuneStorage, REPLAY_FILE, saveFineTuned, TOKENIZER_FILE, writeLastReport } from './store.js';
import { summarise } from './summary.js';

export interface FineTuneProgress {
  phase: FineTunePhase;
  message: string;
  /** Whole-run completion, 0..1. */
  fraction: number;
  elapsedMs: number;
  step?: number;
  totalSteps?: number;
  loss?: number;
  valLoss?: number;
  tokensPerSecond?: number;
  etaSeconds?: number;
}

export interface FineTuneOptions {
  /** The model to start from (config.json, model.safetensors, tokenizer.json; replay.bin optional). */
  modelDir: string;
  folders: string[];
  /** Results go to <storage>/finetuned/ and <storage>/last-fine-tune.json. */
  storageDir: string;
  exclude?: string[];
  /** Wall-clock budget of the whole run, seconds (default 600). */
  timeBudgetSec?: number;
  /** Most optimiser steps (default 2000; fewer when the time budget says so). */
  steps?: number;
  learningRate?: number;
  batch?: number;
  /** Tokens per training window (default 256, capped by the model's maxSeqLen). */
  seq?: number;
  heldOutFraction?: number;
  fimRate?: number;
  /** Pretraining tokens to mix in; default: <modelDir>/replay.bin when present. `null`: none. */
  replay?: ArrayLike<number> | null;
  /** Replay windows as a share of the training windows (default DEFAULT_REPLAY_SHARE). */
  replayShare?: number;
  provider?: ProviderChoice;
  threads?: number;
  /** Line-completion positions per evaluation (default 100) and bytes scored for bits per byte (default 64 KB). */
  evalLimit?: number;
  evalBpbBytes?: number;
  /** Validation every N steps (default: about 15 times per run); stop after `patience` checks without improvement (default 3). */
  evalEvery?: number;
  patience?: number;
  seed?: number;
  signal?: AbortSignal;
  onProgress?: (p: FineTuneProgress) => void;
  log?: (line: string) => void;
  /** Test hook: runs in the middle of the final save. */
  midSave?: () => Promise<void>;
}

export interface FineTuneResult {
  report: FineTuneRunReport;
  /** The saved model folder when the fine-tuned model was better. */
  modelDir?: string;
}

export const DEFAULT_TIME_BUDGET_SEC = 600;
export const DEFAULT_MAX_STEPS = 2000;
/**
 * Half the windows come from the pretraining stream. Measured on vscode-languageclient's sources,
 * 480 s from the default model (docs/BENCHMARKS.md section 8): 0.25 -> workspace held-out 0.425
 * bits/byte, pretraining held-out +11.6%; 0.5 -> 0.407 and +8.1%: less forgetting at no cost.
 */
export const DEFAULT_REPLAY_SHARE = 0.5;

export class FineTuneCancelled extends Error {
  override name = 'FineTuneCancelled';
  constructor() {
    super('fine-tuning was cancelled; the current model stays in use');
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FineTuneCancelled();
}

/** Rough share of the run's time per phase, for one overall percentage. */
const PHASE_SPAN: Record<'collect' | 'tokenize' | 'before' | 'train' | 'after' | 'save', [number, number]> = {
  collect: [0, 0.03],
  tokenize: [0.03, 0.06],
  before: [0.06, 0.15],
  train: [0.15, 0.9],
  after: [0.9, 0.98],
  save: [0.98, 1],
};

function scores(r: EvalReport, validLoss?: number): FineTuneScores {
  const s: FineTuneScores = {
    bitsPerByte: r.bpb.bitsPerByte,
    exactMatch: r.lineCompletion.exactMatch,
    editSimilarity: r.lineCompletion.editSimilarity,
    bytes: r.bpb.bytes,
    positions: r.lineCompletion.positions,
  };
  if (validLoss !== undefined) s.validLoss = validLoss;
  return s;
}

function copyWeights(w: Weights): Weights {
  return new Map([...w].map(([n, a]) => [n, Float32Array.from(a)]));
}

async function loadReplay(o: FineTuneOptions, cfg: ModelConfig, log: (l: string) => void): Promise<ArrayLike<number> | undefined> {
  let replay: ArrayLike<number> | undefined;
  if (o.replay === null) return undefined;
  if (o.replay) replay = o.replay;
  else if (existsSync(join(o.modelDir, REPLAY_FILE))) replay = readTokenStream(join(o.modelDir, REPLAY_FILE));
  if (!replay) return undefined;
  for (let i = 0; i < replay.length; i++) {
    if (replay[i]! >= cfg.vocabSize) {
      log(`replay data ignored: token id ${replay[i]} at ${i} is outside this model's vocabulary (${cfg.vocabSize})`);
      return undefined;
    }
  }
  return replay;
}

async function evaluateWeights(cfg: ModelConfig, weights: Weights, tokenizer: Tokenizer, files: WorkspaceFile[], o: FineTuneOptions, onPos: (d: number, t: number) => void): Promise<EvalReport> {
  const runner = await ModelRunner.create(cfg, graphWeightsFromStored(toStoredTensors(cfg, weights)), { provider: o.provider ?? 'cpu', intraOpThreads: o.threads });
  try {
    return await evaluate(runner, tokenizer, files, {
      seed: o.seed ?? 1,
      limit: o.evalLimit ?? 100,
      maxBpbBytes: o.evalBpbBytes ?? 64 * 1024,
      onProgress: (d, t) => {
        checkAbort(o.signal); // thrown out of evaluate(): cancels between positions
        onPos(d, t);
      },
    });
  } finally {
    await runner.dispose();
  }
}

export async function runFineTune(o: FineTuneOptions): Promise<FineTuneResult> {
  try {
    return await fineTune(o);
  } catch (e) {
    // Whatever an abort interrupted (a folder walk, a session start), it reads as a cancel.
    if (o.signal?.aborted && !(e instanceof FineTuneCancelled)) throw new FineTuneCancelled();
    throw e;
  }
}

async function fineTune(o: FineTuneOptions): Promise<FineTuneResult> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const runId = randomBytes(6).toString('hex');
  const budget = o.timeBudgetSec ?? DEFAULT_TIME_BUDGET_SEC;
  const log = o.log ?? (() => {});
  const elapsedMs = () => performance.now() - t0;
  const progress = (phase: FineTuneProgress['phase'], span: keyof typeof PHASE_SPAN, within: number, message: string, extra: Partial<FineTuneProgress> = {}) => {
    const [a, b] = PHASE_SPAN[span];
    o.onProgress?.({ phase, message, fraction: a + (b - a) * Math.min(1, Math.max(0, within)), elapsedMs: elapsedMs(), ...extra });
  };
  const seconds = { total: 0, collect: 0, tokenize: 0, evaluate: 0, train: 0, save: 0 };
  const lap = (k: keyof typeof seconds, since: number) => (seconds[k] += (performance.now() - since) / 1000);

  await cleanFineTuneStorage(o.storageDir);

  // --- collect --------------------------------------------------------------------------------
  let t = performance.now();
  progress('collect', 'collect', 0, `collecting files in ${o.folders.join(', ')}`);
  const collected: Collected = await collectWorkspace(o.folders, { exclude: o.exclude, signal: o.signal });
  if (collected.files.length === 0) throw new NothingToTrainOnError(nothingToTrainOnMessage(o.folders, collected));
  const split = splitWorkspace(collected.files, o.heldOutFraction ?? DEFAULT_HELD_OUT_FRACTION);
  const summary = summarise(collected);
  lap('collect', t);
  log(`collected ${collected.files.length} files (${summary.bytes} bytes): ${split.train.length} to train on, ${split.heldOut.length} held out`);
  progress('collect', 'collect', 1, `${collected.files.length} files: ${split.train.length} train, ${split.heldOut.length} held out`);
  checkAbort(o.signal);

  // --- tokenize -------------------------------------------------------------------------------
  t = performance.now();
  const base = await loadModel(o.modelDir);
  const cfg = base.config;
  const baseSaveId = parseConfigJson(await fsp.readFile(join(o.modelDir, CONFIG_FILE), 'utf8'), join(o.modelDir, CONFIG_FILE)).saveId;
  const tokenizerPath = join(o.modelDir, TOKENIZER_FILE);
  if (!existsSync(tokenizerPath)) throw new Error(`${o.modelDir} has no ${TOKENIZER_FILE}: fine-tuning needs the model's tokenizer next to its weights`);
  const tokenizer = await loadTokenizer(tokenizerPath);
  if (tokenizer.vocabSize > cfg.vocabSize) throw new Error(`the tokenizer in ${o.modelDir} has ${tokenizer.vocabSize} tokens but the model only ${cfg.vocabSize}; they do not belong together`);
  const replay = await loadReplay(o, cfg, log);
  const replayShare = replay ? (o.replayShare ?? DEFAULT_REPLAY_SHARE) : 0;
  const baseTc = defaultTrainConfig(cfg);
  // Lower than pretraining: the model already knows code; with no replay data, lower still so
  // the weights move less far from what was pretrained (forgetting grows with the distance).
  const lr = o.learningRate ?? (replay ? baseTc.lr / 3 : baseTc.lr / 10);
  if (!replay) log(`no replay data (${join(o.modelDir, REPLAY_FILE)} absent): regularising with a lower learning rate (${lr}) instead`);
  const seq = Math.min(o.seq ?? 256, cfg.maxSeqLen);
  const batch = o.batch ?? 8;
  const layout = buildTokenLayout(
    tokenizer,
    split.train.map((f) => f.text),
    split.heldOut.map((f) => f.text),
    { seq, seed: o.seed ?? 1, fimRate: o.fimRate, replay, replayShare },
  );
  lap('tokenize', t);
  log(`tokens: ${layout.workspaceTokens} per pass x ${layout.passes} passes (${layout.workspaceWindows} windows), ${layout.replayWindows} replay windows, ${layout.heldOutWindows} held-out windows of ${seq}`);
  progress('tokenize', 'tokenize', 1, `${layout.workspaceTokens} workspace tokens`);
  checkAbort(o.signal);

  // --- evaluate the base model ----------------------------------------------------------------
  t = performance.now();
  const baseWeights = toFloat32Weights(base.tensors);
  const before = await evaluateWeights(cfg, baseWeights, tokenizer, split.heldOut, o, (d, n) => progress('evaluate', 'before', d / n, `evaluating the current model: ${d}/${n}`));
  const evalSec = (performance.now() - t) / 1000;
  lap('evaluate', t);
  log(`current model on ${split.heldOut.length} held-out files: bpb ${before.bpb.bitsPerByte.toFixed(4)}, EM ${(100 * before.lineCompletion.exactMatch).toFixed(1)}% (${evalSec.toFixed(1)} s)`);
  checkAbort(o.signal);

  // --- train ----------------------------------------------------------------------------------
  t = performance.now();
  const maxSteps = o.steps ?? DEFAULT_MAX_STEPS;
  const tc: TrainConfig = {
    ...baseTc,
    batch,
    seq,
    steps: maxSteps,
    lr,
    minLr: lr / 10,
    warmupFraction: 0.05,
    // Decay pulls weights towards zero, i.e. away from the pretrained model: keep it light.
    weightDecay: 0.01,
    seed: o.seed ?? 1,
    valFraction: layout.valFraction,
    evalEvery: 0,
    checkpointEvery: 0,
    evalBatches: Math.max(1, Math.min(4, Math.ceil(layout.heldOutWindows / batch))),
    threads: o.threads ?? baseTc.threads,
  };
  const weights = copyWeights(baseWeights);
  const trainer = await Trainer.create(cfg, tc, layout.tokens, { provider: o.provider ?? 'cpu', state: { weights } });
  let best = { step: 0, valLoss: Infinity, weights: baseWeights };
  const curve: Array<{ step: number; validLoss: number }> = [];
  let stoppedBy: FineTuneRunReport['training']['stoppedBy'] = 'steps';
  let tokensSeen = 0;
  let evalEvery = o.evalEvery ?? 0;
  try {
    const v0 = (await trainer.evaluate())!;
    curve.push({ step: 0, validLoss: v0 });
    best = { step: 0, valLoss: v0, weights: baseWeights };
    const trainBudgetSec = Math.max(0, budget - elapsedMs() / 1000 - evalSec * 1.1 - 2);
    const trainStart = performance.now();
    let afterFirstStep = trainStart;
    let sized = o.steps !== undefined && o.timeBudgetSec === undefined;
    let sinceBest = 0;
    const patience = o.patience ?? 3;
    if (!evalEvery && sized) evalEvery = Math.max(1, Math.min(50, Math.round(maxSteps / 15)));
    for (;;) {
      checkAbort(o.signal);
      const el = (performance.now() - trainStart) / 1000;
      if (trainer.step >= tc.steps) break;
      if (trainer.step > 0 && el >= trainBudgetSec) {
        stoppedBy = 'time';
        break;
      }
      const r = await trainer.trainStep();
      tokensSeen += r.tokens;
      if (trainer.step === 1) afterFirstStep = performance.now();
      if (!sized && trainer.step === 3) {
        // Size the cosine schedule to the time left, timing steps 2-3 (the first one pays for
        // session start-up and warm-up). The first steps ran at warm-up rates of a longer schedule.
        const per = (performance.now() - afterFirstStep) / 1000 / 2;
        const left = trainBudgetSec - (performance.now() - trainStart) / 1000;
        tc.steps = Math.max(4, Math.min(maxSteps, 3 + Math.floor(left / (per * 1.08))));
        if (!evalEvery) evalEvery = Math.max(1, Math.min(50, Math.round(tc.steps / 15)));
        sized = true;
        log(`${per.toFixed(3)} s per step: ${tc.steps} steps fit the budget; validation every ${evalEvery}`);
      }
      let valLoss: number | undefined;
      if (sized && (trainer.step % evalEvery === 0 || trainer.step === tc.steps)) {
        valLoss = (await trainer.evaluate())!;
        curve.push({ step: trainer.step, validLoss: valLoss });
        if (valLoss < best.valLoss - 1e-4) {
          best = { step: trainer.step, valLoss, weights: copyWeights(trainer.weights) };
          sinceBest = 0;
        } else sinceBest++;
      }
      const trainEl = (performance.now() - trainStart) / 1000;
      const tps = tokensSeen / Math.max(1e-9, trainEl);
      // Until the schedule is sized (3 steps) the total is unknown: no total, no ETA.
      const eta = Math.max(0, (trainEl / trainer.step) * (tc.steps - trainer.step)) + evalSec + 1;
      progress('train', 'train', sized ? trainer.step / tc.steps : 0, `step ${trainer.step}${sized ? `/${tc.steps}` : ''}, loss ${r.loss.toFixed(3)}${valLoss !== undefined ? `, held-out ${valLoss.toFixed(3)}` : ''}`, {
        step: trainer.step,
        ...(sized ? { totalSteps: tc.steps, etaSeconds: eta } : {}),
        loss: r.loss,
        ...(valLoss !== undefined ? { valLoss } : {}),
        tokensPerSecond: tps,
      });
      if (sinceBest >= patience) {
        stoppedBy = 'early-stop';
        log(`held-out loss has not improved for ${patience} checks since step ${best.step}: stopping`);
        break;
      }
    }
    if (curve[curve.length - 1]!.step !== trainer.step) {
      const v = (await trainer.evaluate())!;
      curve.push({ step: trainer.step, validLoss: v });
      if (v < best.valLoss - 1e-4) best = { step: trainer.step, valLoss: v, weights: copyWeights(trainer.weights) };
    }
  } finally {
    await trainer.release();
  }
  const steps = trainer.step;
  lap('train', t);
  log(`trained ${steps} steps (${stoppedBy}); best held-out loss ${best.valLoss.toFixed(4)} at step ${best.step} (was ${curve[0]!.validLoss.toFixed(4)})`);
  checkAbort(o.signal);

  // --- evaluate the fine-tuned model ----------------------------------------------------------
  t = performance.now();
  const after = best.step === 0 ? before : await evaluateWeights(cfg, best.weights, tokenizer, split.heldOut, o, (d, n) => progress('evaluate', 'after', d / n, `evaluating the fine-tuned model: ${d}/${n}`));
  lap('evaluate', t);
  checkAbort(o.signal);

  // --- save -----------------------------------------------------------------------------------
  t = performance.now();
  const kept = best.step > 0 && after.bpb.bitsPerByte < before.bpb.bitsPerByte;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const verdict =
    best.step === 0
      ? 'not kept: the held-out loss never went below the current model\'s'
      : kept
        ? `kept: held-out bits per byte ${before.bpb.bitsPerByte.toFixed(3)} -> ${after.bpb.bitsPerByte.toFixed(3)}, exact match ${pct(before.lineCompletion.exactMatch)} -> ${pct(after.lineCompletion.exactMatch)}`
        : `not kept: held-out bits per byte ${before.bpb.bitsPerByte.toFixed(3)} -> ${after.bpb.bitsPerByte.toFixed(3)} is no better`;
  const report: FineTuneRunReport = {
    format: 'memoryformer-finetune-report',
    version: 1,
    runId,
    startedAt,
    finishedAt: '',
    baseModel: baseSaveId ? { dir: o.modelDir, saveId: baseSaveId } : { dir: o.modelDir },
    kept,
    verdict,
    files: { train: split.train.length, heldOut: split.heldOut.length, bytes: summary.bytes, languages: summary.languages, skipped: summary.skipped },
    tokens: { workspace: layout.workspaceTokens, replay: layout.replayWindows * seq, heldOut: layout.heldOutTokens, seen: tokensSeen },
    training: {
      steps,
      bestStep: best.step,
      stoppedBy,
      learningRate: lr,
      batch,
      seq,
      provider: trainer.provider,
      regularisation: replay ? 'replay' : 'low-lr',
      replayShare,
      validLossCurve: curve,
    },
    before: scores(before, curve[0]!.validLoss),
    after: scores(after, best.valLoss),
    seconds,
  };
  let modelDir: string | undefined;
  progress('save', 'save', 0, kept ? 'saving the fine-tuned model' : 'the fine-tuned model is no better; keeping the current one');
  const finish = () => {
    seconds.save = (performance.now() - t) / 1000;
    seconds.total = elapsedMs() / 1000;
    report.finishedAt = new Date().toISOString();
  };
  if (kept) {
    finish();
    modelDir = await saveFineTuned(o.storageDir, { config: cfg, weights: best.weights, baseDir: o.modelDir, report: { ...report, modelDir: join(o.storageDir, 'finetuned') }, midWrite: o.midSave });
    report.modelDir = modelDir;
  }
  finish();
  await writeLastReport(o.storageDir, report);
  log(verdict);
  progress('save', 'save', 1, verdict);
  return modelDir ? { report, modelDir } : { report };
}
