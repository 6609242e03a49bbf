/**
 * `memoryformer finetune --model DIR --workspace DIR --out DIR`: fine-tunes a model on a
 * workspace's code (server/src/finetune/) and keeps the result in OUT/finetuned/ only if it beats
 * the model on held-out files. `--dry-run` only says what would be trained on.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { PROVIDERS, type ProviderChoice } from '../../engine/ort.js';
import { defaultModelDir } from '../../model/default-model.js';
import { collectWorkspace, nothingToTrainOnMessage, NothingToTrainOnError } from '../../finetune/collect.js';
import { summarise } from '../../finetune/summary.js';
import { DEFAULT_MAX_STEPS, DEFAULT_TIME_BUDGET_SEC, runFineTune } from '../../finetune/finetune.js';
import { LAST_REPORT_FILE } from '../../finetune/store.js';
import { intOption, usageError } from '../usage-error.js';

const USAGE = `Usage: memoryformer finetune --workspace DIR --out DIR [--model DIR] [--time-budget SEC] [--steps N]
                            [--exclude GLOB]... [--dry-run] [--json]

Fine-tunes a completion model on the code of a workspace:
  collects the workspace's code (honouring .gitignore; skipping binaries, lock files, vendored,
  generated, minified and huge files, symbolic links, duplicates), holds out ~10% of the files,
  trains from the model's weights on fill-in-the-middle examples (with the model's replay.bin
  mixed in when it ships one), and keeps the result in OUT/finetuned/ only if its bits per byte on
  the held-out files beat the model's. OUT/${LAST_REPORT_FILE} reports every run.

Options:
  --model DIR         model folder to start from (default: the shipped model)
  --workspace DIR     folder to train on (repeat for several)
  --out DIR           storage folder for the result
  --time-budget SEC   wall-clock budget of the whole run (default ${DEFAULT_TIME_BUDGET_SEC})
  --steps N           most optimiser steps (default: as many as fit the budget, at most ${DEFAULT_MAX_STEPS})
  --lr X              peak learning rate (default: pretraining rate / 3 with replay, / 10 without)
  --exclude GLOB      leave out files matching GLOB (workspace-relative, e.g. "**/*.spec.ts"); repeatable
  --eval-limit N      line-completion positions per evaluation (default 100)
  --device NAME       auto | ${PROVIDERS.join(' | ')} (default auto: the fastest available)
  --threads N         intra-op threads
  --seed N            seed of the data order and FIM cut points (default 1)
  --dry-run           list what would be trained on (files, bytes, languages, tokens, time) and stop
  --json              print the report (or the dry-run summary) as JSON
`;

export const finetuneCommand: Command = {
  summary: 'fine-tune a model on a workspace; keep it only if held-out bits per byte improve',
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        model: { type: 'string' },
        workspace: { type: 'string', multiple: true },
        out: { type: 'string' },
        'time-budget': { type: 'string' },
        steps: { type: 'string' },
        lr: { type: 'string' },
        exclude: { type: 'string', multiple: true },
        'eval-limit': { type: 'string' },
        device: { type: 'string', default: 'auto' },
        threads: { type: 'string' },
        seed: { type: 'string', default: '1' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    });
    const folders = values.workspace ?? [];
    if (!folders.length) throw usageError('--workspace DIR is required');
    const budget = intOption(values['time-budget'], 'time-budget');
    const steps = intOption(values.steps, 'steps');
    const evalLimit = intOption(values['eval-limit'], 'eval-limit');
    const threads = intOption(values.threads, 'threads');
    const seed = intOption(values.seed, 'seed', 0)!;
    const exclude = values.exclude ?? [];
    const say = (line: string) => {
      if (!values.json) process.stdout.write(line + '\n');
    };

    if (values['dry-run']) {
      const c = await collectWorkspace(folders, { exclude });
      const s = summarise(c, budget ?? DEFAULT_TIME_BUDGET_SEC);
      if (values.json) {
        process.stdout.write(JSON.stringify({ ...s, paths: c.files.map((f) => f.rel), skippedExamples: c.examples }, null, 2) + '\n');
        return;
      }
      if (!c.files.length) throw new NothingToTrainOnError(nothingToTrainOnMessage(folders, c));
      say(`${s.files} files, ${s.bytes} bytes, ~${s.estimatedTokens} tokens; training would take ~${s.estimatedTrainSeconds} s (budget ${budget ?? DEFAULT_TIME_BUDGET_SEC} s)`);
      for (const [lang, l] of Object.entries(s.languages).sort((a, b) => b[1].bytes - a[1].bytes)) say(`  ${lang.padEnd(12)} ${String(l.files).padStart(6)} files ${String(l.bytes).padStart(10)} bytes`);
      const skipped = Object.entries(s.skipped).sort((a, b) => b[1] - a[1]);
      if (skipped.length) say(`skipped: ${skipped.map(([r, n]) => `${r} ${n}`).join(', ')}`);
      return;
    }

    if (!values.out) throw usageError('--out DIR is required (the storage folder for the fine-tuned model)');
    const modelDir = values.model ?? defaultModelDir();
    if (!modelDir) throw new Error('no --model given and no default model is shipped in models/');
    const device = values.device as ProviderChoice;
    if (device !== 'auto' && !PROVIDERS.includes(device)) throw usageError(`--device must be auto or one of ${PROVIDERS.join(', ')}`);
    let lr: number | undefined;
    if (values.lr !== undefined) {
      lr = Number(values.lr);
      if (!(lr > 0 && lr < 1)) throw usageError(`--lr must be a number in (0, 1), got '${values.lr}'`);
    }
    const abort = new AbortController();
    const onSigint = () => {
      say('cancelling (the current model stays; nothing is written)...');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    let lastLine = 0;
    try {
      const { report, modelDir: saved } = await runFineTune({
        modelDir,
        folders,
        storageDir: values.out,
        exclude,
        timeBudgetSec: budget,
        steps,
        learningRate: lr,
        evalLimit,
        provider: device,
        threads,
        seed,
        signal: abort.signal,
        log: say,
        onProgress: (p) => {
          const now = Date.now();
          if (p.phase === 'train' && (p.valLoss !== undefined || now - lastLine > 10000)) {
            lastLine = now;
            say(`${p.message}, ${Math.round(p.tokensPerSecond ?? 0)} tok/s${p.etaSeconds !== undefined ? `, ETA ${Math.round(p.etaSeconds)} s` : ''}`);
          }
        },
      });
      if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else say(saved ? `fine-tuned model: ${saved}` : `no model written; report: ${values.out}/${LAST_REPORT_FILE}`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  },
};
