/** `memoryformer pretrain`: rebuilds the shipped default model from scratch (server/src/pretrain/recipe.ts). */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import type { Command } from '../main.js';
import { intOption } from '../usage-error.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_RECIPE, reevaluate, runRecipe } from '../../pretrain/recipe.js';
import { renderModelCard, type RecipeResults } from '../../pretrain/model-card.js';
import { machineDescription } from '../../bench/timing.js';

/** Writes README.md (the model card) into a model folder from its results.json and config.json. */
export function writeModelCard(modelDir: string): void {
  const results = JSON.parse(readFileSync(join(modelDir, 'results.json'), 'utf8')) as RecipeResults;
  results.mfConfig ??= JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  writeFileSync(join(modelDir, 'README.md'), renderModelCard(results));
}

const D = DEFAULT_RECIPE;
const USAGE = `Usage: memoryformer pretrain [--work DIR] [--out DIR] [options]

Rebuilds the default code model from scratch on this machine: corpus (pinned sources, fetched once
into ${D.corpusCache}), tokenizer, token streams, MemoryFormer training, the dense twin with the same
recipe and token budget, evaluation of both on held-out files, and the model folder with its
sources and results. About an hour on 2 cores with the defaults.

Options:
  --work DIR           working folder (default .cache/pretrain)
  --out DIR            model folder to write (default models/${D.modelName})
  --preset NAME        model preset (default ${D.preset})
  --steps N            training steps per model (default ${D.steps})
  --time-budget SEC    cap on each model's training time (default ${D.timeBudgetSec})
  --seq N              training sequence length (default ${D.seq})
  --batch N            sequences per step (default ${D.batch})
  --vocab N            tokenizer vocabulary (default ${D.vocabSize})
  --eval-limit N       line-completion positions in the evaluation (default ${D.evalLimit})
  --seed N             seed of everything random (default ${D.seed})
  --card-only          only (re)write the model card README.md from the folder's results.json
  --reevaluate         evaluate the two trained models in the work folder again (after an engine
                       change), update results.json and the model card
`;

function int(v: string | undefined, what: string, dflt: number): number {
  return intOption(v, what) ?? dflt;
}

export const pretrainCommand: Command = {
  summary: 'rebuild the default code model from scratch (corpus, tokenizer, training, evaluation)',
  usage: USAGE,
  async run(argv) {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        work: { type: 'string', default: '.cache/pretrain' },
        out: { type: 'string' },
        preset: { type: 'string', default: D.preset },
        steps: { type: 'string' },
        'time-budget': { type: 'string' },
        seq: { type: 'string' },
        batch: { type: 'string' },
        vocab: { type: 'string' },
        'eval-limit': { type: 'string' },
        seed: { type: 'string' },
        'card-only': { type: 'boolean', default: false },
        reevaluate: { type: 'boolean', default: false },
      },
    });
    const modelOut = v.out ?? join('models', D.modelName);
    if (v.reevaluate) {
      await reevaluate(v.work, modelOut, (l) => process.stdout.write(l + '\n'));
      writeModelCard(modelOut);
      return;
    }
    if (v['card-only']) {
      writeModelCard(modelOut);
      return;
    }
    const t0 = Date.now();
    const log = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
    await runRecipe({
      ...D,
      work: v.work,
      modelOut,
      preset: v.preset,
      steps: int(v.steps, 'steps', D.steps),
      timeBudgetSec: int(v['time-budget'], 'time-budget', D.timeBudgetSec),
      seq: int(v.seq, 'seq', D.seq),
      batch: int(v.batch, 'batch', D.batch),
      vocabSize: int(v.vocab, 'vocab', D.vocabSize),
      evalLimit: int(v['eval-limit'], 'eval-limit', D.evalLimit),
      seed: int(v.seed, 'seed', D.seed),
      log,
      machine: machineDescription(),
    });
    writeModelCard(modelOut);
  },
};
