/**
 * `memoryformer train`: trains a preset on a directory of text files with onnxruntime-node
 * (training graphs built by server/src/train), checkpointing to <out>/checkpoint and saving the
 * final model to <out>/model.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { getPreset, PRESETS } from '../../model/config.js';
import { PROVIDERS, type ProviderChoice } from '../../engine/ort.js';
import { readCorpusDir } from '../../train/corpus.js';
import { defaultTrainConfig, type TableUpdate, type TrainConfig } from '../../train/train-config.js';
import { runTraining } from '../../train/train-run.js';
import { Trainer } from '../../train/trainer.js';
import { intOption, usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer train --preset NAME --data DIR --out DIR [options]

Trains a model on the text files under DIR (recursively) on this machine.
Checkpoints go to OUT/checkpoint (atomic; --resume continues from it exactly), the final model to
OUT/model (model-dir format, loadable for completions).

Options:
  --preset NAME       model preset (${Object.keys(PRESETS).join(', ')})
  --data DIR          directory of text files
  --tokenizer FILE    tokenizer file (saveTokenizer format); default: bytes (ids 0..255)
  --out DIR           output directory
  --steps N           optimiser steps (default 1000; with --time-budget alone: as many as fit)
  --time-budget SEC   stop after SEC seconds (checkpointing first)
  --device NAME       cpu | webgpu | cuda | auto (default cpu)
  --batch B           sequences per micro-batch (default 8)
  --seq S             tokens per sequence (default 128)
  --accumulate N      micro-batches per step (default 1)
  --lr X              peak learning rate (default 3e-3 MemoryFormer, 1e-3 dense)
  --table-update M    dense | lazy AdamW on table rows (default dense)
  --threads N         ORT intra-op threads (default 2)
  --seed N            data-order and initialisation seed (default 1)
  --eval-every N      validation every N steps (default 100)
  --checkpoint-every N (default 100)
  --resume            continue from OUT/checkpoint
  --json              print one JSON record per step instead of progress lines
`;

function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const m = Math.floor(sec / 60);
  return m > 0 ? `${m}m${String(Math.round(sec % 60)).padStart(2, '0')}s` : `${Math.round(sec)}s`;
}

export const trainCommand: Command = {
  summary: 'train a model (MemoryFormer or dense) on a directory of text files',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        preset: { type: 'string' }, data: { type: 'string' }, out: { type: 'string' }, tokenizer: { type: 'string' },
        steps: { type: 'string' }, 'time-budget': { type: 'string' }, device: { type: 'string', default: 'cpu' },
        batch: { type: 'string' }, seq: { type: 'string' }, accumulate: { type: 'string' }, lr: { type: 'string' },
        'table-update': { type: 'string' }, threads: { type: 'string' }, seed: { type: 'string' },
        'eval-every': { type: 'string' }, 'checkpoint-every': { type: 'string' }, resume: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    if (!values.data) throw usageError('--data DIR is required (a directory of text files)');
    if (!values.out) throw usageError('--out DIR is required');
    if (!values.preset && !values.resume) throw usageError('--preset NAME is required (or --resume an existing run)');
    const device = values.device as ProviderChoice;
    if (device !== 'auto' && !PROVIDERS.includes(device as never)) throw usageError(`--device must be one of ${PROVIDERS.join(', ')}, auto`);
    const say = (line: string) => process.stderr.write(line + '\n');

    const corpus = await readCorpusDir(values.data, values.tokenizer);
    let model = values.preset ? getPreset(values.preset) : getPreset('code-mini');
    if (corpus.tokenizer === 'bytes') {
      say(`note: no --tokenizer given: byte-level tokens (ids 0..255); the model's vocabulary (${model.vocabSize}) is kept so that a BPE tokenizer can be used later`);
    }
    if (corpus.vocabSize > model.vocabSize) throw new Error(`the tokenizer has ${corpus.vocabSize} tokens but preset ${values.preset} has vocabSize ${model.vocabSize}; pick a larger preset or a smaller tokenizer`);
    // Training keeps float32 tables; the saved model stores them in the preset's tableDtype.
    model = { ...model };
    const tc: TrainConfig = { ...defaultTrainConfig(model) };
    const set = <K extends keyof TrainConfig>(k: K, v: TrainConfig[K] | undefined) => { if (v !== undefined) tc[k] = v; };
    set('batch', intOption(values.batch, 'batch'));
    set('seq', intOption(values.seq, 'seq'));
    set('accumulation', intOption(values.accumulate, 'accumulate'));
    set('threads', intOption(values.threads, 'threads'));
    set('evalEvery', intOption(values['eval-every'], 'eval-every'));
    set('checkpointEvery', intOption(values['checkpoint-every'], 'checkpoint-every'));
    if (values.seed !== undefined) {
      const s = Number(values.seed);
      if (!Number.isInteger(s) || s < 0) throw usageError(`--seed must be an integer >= 0, got '${values.seed}'`);
      tc.seed = s;
    }
    if (values.lr !== undefined) {
      const lr = Number(values.lr);
      if (!(lr > 0)) throw usageError(`--lr must be a positive number, got '${values.lr}'`);
      tc.lr = lr;
      tc.minLr = lr / 100;
    }
    if (values['table-update'] !== undefined) {
      if (values['table-update'] !== 'dense' && values['table-update'] !== 'lazy') throw usageError(`--table-update must be dense or lazy`);
      tc.tableUpdate = values['table-update'] as TableUpdate;
    }
    const budget = values['time-budget'] !== undefined ? Number(values['time-budget']) : undefined;
    if (budget !== undefined && !(budget > 0)) throw usageError(`--time-budget must be a positive number of seconds, got '${values['time-budget']}'`);
    const steps = intOption(values.steps, 'steps');
    if (steps !== undefined) tc.steps = steps;
    else if (budget !== undefined && !values.resume) {
      // Size the cosine schedule to the budget: time two steps on a throwaway trainer.
      const probe = await Trainer.create(model, { ...tc, steps: 1000 }, corpus.tokens, { provider: device });
      await probe.trainStep();
      const t0 = performance.now();
      await probe.trainStep();
      const per = (performance.now() - t0) / 1000;
      await probe.release();
      tc.steps = Math.max(1, Math.floor((budget * 0.95) / per));
      say(`time budget ${budget}s at ~${per.toFixed(3)}s per step: ${tc.steps} steps`);
    }
    say(`training ${values.preset ?? '(resumed)'} (${model.arch}) on ${corpus.files} files, ${corpus.tokens.length} tokens (${corpus.tokenizer}); batch ${tc.batch} x seq ${tc.seq} x ${tc.accumulation}, ${tc.steps} steps, lr ${tc.lr}, device ${device}`);

    const started = performance.now();
    let tokensDone = 0;
    const result = await runTraining({
      model, train: tc, tokens: corpus.tokens, out: values.out, resume: values.resume, provider: device,
      timeBudgetSec: budget, log: say,
      meta: { data: values.data, tokenizer: corpus.tokenizer },
      onStep: (r) => {
        tokensDone += r.tokens;
        const elapsed = (performance.now() - started) / 1000;
        const tps = tokensDone / elapsed;
        const stepsLeft = tc.steps - r.step;
        const eta = (stepsLeft * elapsed) / Math.max(1, tokensDone / r.tokens);
        if (values.json) {
          process.stdout.write(JSON.stringify({ step: r.step, loss: r.loss, valLoss: r.valLoss, lr: r.lr, gradNorm: r.gradNorm, tokensPerSec: tps, ms: r.ms, timings: r.timings }) + '\n');
        } else {
          const val = r.valLoss !== undefined ? ` val ${r.valLoss.toFixed(4)}` : '';
          process.stdout.write(`step ${r.step}/${tc.steps} loss ${r.loss.toFixed(4)}${val} lr ${r.lr.toExponential(2)} ${Math.round(tps)} tok/s ETA ${fmtTime(eta)}\n`);
        }
      },
    });
    say(`done: ${result.steps} steps (${result.stoppedBy === 'time' ? 'time budget reached' : 'all steps'}), loss ${result.lastLoss.toFixed(4)}${result.valLoss !== undefined ? `, validation ${result.valLoss.toFixed(4)}` : ''}; model in ${values.out}/model, checkpoint in ${values.out}/checkpoint`);
  },
};
