/**
 * A training run: creates or resumes the trainer, steps until the step count or the time budget
 * is reached, evaluates and checkpoints on schedule, and saves the final model for inference.
 * Used by `memoryformer train` and by the tests (which run it in a child process and kill it).
 */
import { join } from 'node:path';
import { saveModel } from '../model/model-dir.js';
import { cleanStaleTemps } from '../util/atomic-write.js';
import type { ModelConfig } from '../model/config.js';
import type { ProviderChoice } from '../engine/ort.js';
import { Trainer, type StepRecord } from './trainer.js';
import { loadCheckpoint, saveCheckpoint, type CheckpointMeta, type SaveHooks } from './checkpoint.js';
import type { TrainConfig } from './train-config.js';

export const CHECKPOINT_DIR = 'checkpoint';
export const MODEL_DIR = 'model';

export interface RunOptions {
  model: ModelConfig;
  train: TrainConfig;
  tokens: Int32Array;
  out: string;
  /** Continue from <out>/checkpoint (its model and training configs win over the ones given). */
  resume?: boolean;
  provider?: ProviderChoice;
  /** Stop (and checkpoint) after this many seconds even if steps remain. */
  timeBudgetSec?: number;
  onStep?: (r: StepRecord & { valLoss?: number }) => void;
  log?: (line: string) => void;
  meta?: CheckpointMeta;
  hooks?: SaveHooks;
}

export interface RunResult {
  steps: number;
  lastLoss: number;
  valLoss?: number;
  stoppedBy: 'steps' | 'time';
  provider: string;
}

export async function runTraining(o: RunOptions): Promise<RunResult> {
  const ckDir = join(o.out, CHECKPOINT_DIR);
  let model = o.model;
  let train = o.train;
  let trainer: Trainer;
  await cleanStaleTemps(o.out); // half-written checkpoints of a killed run
  if (o.resume) {
    const ck = await loadCheckpoint(ckDir);
    model = ck.model;
    train = ck.train;
    trainer = await Trainer.create(model, train, o.tokens, { provider: o.provider, state: ck.state });
    o.log?.(`resumed from ${ckDir} at step ${ck.state.optimizer.step}`);
  } else {
    trainer = await Trainer.create(model, train, o.tokens, { provider: o.provider });
  }
  const save = () => saveCheckpoint(ckDir, { model, train, state: trainer.state(), meta: o.meta ?? {} }, o.hooks);
  const started = performance.now();
  let last: StepRecord | undefined;
  let valLoss: number | undefined;
  let stoppedBy: RunResult['stoppedBy'] = 'steps';
  try {
    while (trainer.step < train.steps) {
      if (o.timeBudgetSec !== undefined && (performance.now() - started) / 1000 >= o.timeBudgetSec) {
        stoppedBy = 'time';
        break;
      }
      last = await trainer.trainStep();
      const rec: StepRecord & { valLoss?: number } = { ...last };
      if (train.evalEvery && last.step % train.evalEvery === 0) rec.valLoss = valLoss = await trainer.evaluate();
      o.onStep?.(rec);
      if (train.checkpointEvery && last.step % train.checkpointEvery === 0 && last.step < train.steps) await save();
    }
    if (trainer.step >= train.steps && (!train.evalEvery || trainer.step % train.evalEvery !== 0)) valLoss = await trainer.evaluate();
    await save();
    await saveModel(join(o.out, MODEL_DIR), model, trainer.weights);
    return { steps: trainer.step, lastLoss: last?.loss ?? NaN, valLoss, stoppedBy, provider: trainer.provider };
  } finally {
    await trainer.release();
  }
}
