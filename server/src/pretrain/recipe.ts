/**
 * The recipe of the shipped default model, end to end and offline after the first corpus fetch:
 * corpus -> tokenizer -> token streams (half the documents in SPM fill-in-the-middle form) ->
 * MemoryFormer training -> the dense twin trained with the identical recipe and token budget ->
 * evaluation of both on held-out files -> the model folder with its card and sources.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildCorpus, type BuildCorpusOptions } from '../corpus/build-corpus.js';
import { loadSources } from '../corpus/sources.js';
import { readManifest, readSplitDocuments, splitTextFile } from '../corpus/manifest.js';
import { writeTokenStreams } from '../corpus/write-token-streams.js';
import { readTokenStream } from '../corpus/token-stream.js';
import { renderSourcesMarkdown } from '../corpus/sources-md.js';
import { trainBpe } from '../tokenizer/train-bpe.js';
import { loadTokenizer, saveTokenizer } from '../tokenizer/storage.js';
import { denseCounterpart, getPreset, type ModelConfig } from '../model/config.js';
import { defaultTrainConfig, type TrainConfig } from '../train/train-config.js';
import { runTraining, MODEL_DIR } from '../train/train-run.js';
import { collectSourceFiles } from '../eval/source-files.js';
import type { EvalReport } from '../eval/evaluate.js';
import { evaluateModelDir } from '../eval/evaluate-model-dir.js';
import { bytesAsStored, modelAccount } from '../model/flops.js';
import { writeDirAtomic } from '../util/atomic-write.js';
import { copyFile } from 'node:fs/promises';

export interface RecipeOptions {
  /** Working folder (corpus, tokenizer, checkpoints, reports). */
  work: string;
  /** Where the finished model folder goes (models/<name>). */
  modelOut: string;
  modelName: string;
  preset: string;
  vocabSize: number;
  seq: number;
  batch: number;
  steps: number;
  /** Cap on each model's training time; the step count stays the schedule's length. */
  timeBudgetSec: number;
  seed: number;
  sourcesFile: string;
  corpusCache: string;
  maxCorpusMb: number;
  tokenizerTrainMb: number;
  evalLimit: number;
  log: (line: string) => void;
  /** Recorded with the results. */
  machine?: string;
  /** Replaces fetching packages (tests build the corpus from local folders). */
  fetch?: BuildCorpusOptions['fetch'];
}

export const DEFAULT_RECIPE: Omit<RecipeOptions, 'work' | 'modelOut' | 'log' | 'machine' | 'fetch'> = {
  modelName: 'memoryformer-code-mini',
  preset: 'code-mini',
  vocabSize: 4096, // small vocabulary: the embedding and LM head stay small next to the tables
  seq: 256, // the context the completion prompt uses (prefix + suffix + room to generate)
  batch: 8,
  steps: 1500,
  timeBudgetSec: 1800,
  seed: 1,
  sourcesFile: 'scripts/corpus-sources.json',
  corpusCache: '.cache/corpus',
  maxCorpusMb: 40,
  tokenizerTrainMb: 12,
  evalLimit: 500,
};

/** Tokens of replay.bin (uint16): ~2 MB, enough variety for the replay share of a fine-tune. */
export const REPLAY_TOKENS = 1_000_000;

export interface ModelResult {
  arch: ModelConfig['arch'];
  steps: number;
  trainSeconds: number;
  tokensSeen: number;
  lastLoss: number;
  valLoss?: number;
  /** The first 50 training losses (the recipe's reproducibility is checked on them). */
  firstLosses: number[];
  eval: EvalReport;
  flopsPerTokenNoAttention: number;
  params: number;
  weightBytes: number;
}

function writeHeldOutFiles(corpusDir: string, out: string): void {
  const manifest = readManifest(corpusDir);
  for (const { file, bytes } of readSplitDocuments(corpusDir, manifest, 'test')) {
    const p = join(out, file.package.replace(/[^A-Za-z0-9@._-]/g, '_'), file.file);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytes);
  }
}

async function trainOne(cfg: ModelConfig, tc: TrainConfig, tokens: Int32Array, out: string, o: RecipeOptions, heldOut: string, tokenizerPath: string): Promise<ModelResult> {
  const t0 = performance.now();
  let lastLog = 0;
  const firstLosses: number[] = [];
  const res = await runTraining({
    model: cfg,
    train: tc,
    tokens,
    out,
    timeBudgetSec: o.timeBudgetSec,
    onStep: (r) => {
      if (firstLosses.length < 50) firstLosses.push(r.loss);
      const now = performance.now();
      if (now - lastLog > 30000 || r.valLoss !== undefined) {
        lastLog = now;
        o.log(`${cfg.arch} step ${r.step}/${tc.steps} loss ${r.loss.toFixed(3)}${r.valLoss !== undefined ? ` val ${r.valLoss.toFixed(3)}` : ''}`);
      }
    },
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const modelDir = join(out, MODEL_DIR);
  await copyFile(tokenizerPath, join(modelDir, 'tokenizer.json'));
  const tokenizer = await loadTokenizer(tokenizerPath);
  const report = await evaluateModelDir(modelDir, tokenizer, collectSourceFiles(heldOut), { seed: o.seed, limit: o.evalLimit, threads: tc.threads });
  const acc = modelAccount(cfg, 1);
  o.log(`${cfg.arch}: ${res.steps} steps in ${trainSeconds.toFixed(0)} s; held-out bpb ${report.bpb.bitsPerByte.toFixed(3)}, EM ${(100 * report.lineCompletion.exactMatch).toFixed(1)}%, ES ${(100 * report.lineCompletion.editSimilarity).toFixed(1)}%`);
  return {
    arch: cfg.arch,
    steps: res.steps,
    trainSeconds,
    tokensSeen: res.steps * tc.batch * tc.seq * tc.accumulation,
    lastLoss: res.lastLoss,
    valLoss: res.valLoss,
    firstLosses,
    eval: report,
    flopsPerTokenNoAttention: acc.blocks.detailed.withoutAttention,
    params: acc.total.params,
    weightBytes: bytesAsStored(cfg, acc.total.bytes),
  };
}

/**
 * Evaluates the recipe's two trained models again (after a change to the completion engine) and
 * rewrites results.json in the work folder and the model folder.
 */
export async function reevaluate(work: string, modelOut: string, log: (line: string) => void): Promise<void> {
  const results = JSON.parse(readFileSync(join(work, 'results.json'), 'utf8')) as { mf: ModelResult; dense: ModelResult; recipe: RecipeOptions };
  const files = collectSourceFiles(join(work, 'held-out'));
  const tokenizer = await loadTokenizer(join(work, 'tokenizer.json'));
  for (const [key, sub] of [['mf', 'memoryformer'], ['dense', 'dense']] as const) {
    results[key].eval = await evaluateModelDir(join(work, sub, MODEL_DIR), tokenizer, files, { seed: results.recipe.seed, limit: results.recipe.evalLimit });
    const e = results[key].eval;
    log(`${sub}: held-out bpb ${e.bpb.bitsPerByte.toFixed(3)}, EM ${(100 * e.lineCompletion.exactMatch).toFixed(1)}%, ES ${(100 * e.lineCompletion.editSimilarity).toFixed(1)}%`);
  }
  const text = JSON.stringify(results, null, 2) + '\n';
  writeFileSync(join(work, 'results.json'), text);
  const inModel = JSON.parse(readFileSync(join(modelOut, 'results.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(modelOut, 'results.json'), JSON.stringify({ ...inModel, mf: results.mf, dense: results.dense }, null, 2) + '\n');
}

export async function runRecipe(o: RecipeOptions): Promise<{ mf: ModelResult; dense: ModelResult }> {
  const corpusDir = join(o.work, 'corpus');
  o.log(`corpus -> ${corpusDir}`);
  await buildCorpus({ sources: loadSources(o.sourcesFile), outDir: corpusDir, cacheDir: o.corpusCache, maxBytes: o.maxCorpusMb * 1e6, log: o.log, fetch: o.fetch });
  const manifest = readManifest(corpusDir);

  const tokenizerPath = join(o.work, 'tokenizer.json');
  const trainText = readFileSync(splitTextFile(corpusDir, 'train')).subarray(0, o.tokenizerTrainMb * 1e6);
  const t0 = performance.now();
  const tokenizer = trainBpe([trainText], { vocabSize: o.vocabSize });
  await saveTokenizer(tokenizerPath, tokenizer);
  o.log(`tokenizer: ${tokenizer.vocabSize} tokens trained on ${(trainText.length / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  await writeTokenStreams(corpusDir, tokenizer, { seed: o.seed, log: o.log });
  const tokens = Int32Array.from(readTokenStream(join(corpusDir, 'train.bin')));
  const heldOut = join(o.work, 'held-out');
  if (!existsSync(heldOut)) writeHeldOutFiles(corpusDir, heldOut);

  const mfCfg: ModelConfig = { ...getPreset(o.preset), vocabSize: tokenizer.vocabSize, maxSeqLen: o.seq };
  const tcFor = (cfg: ModelConfig): TrainConfig => ({ ...defaultTrainConfig(cfg), batch: o.batch, seq: o.seq, steps: o.steps, seed: o.seed });
  const mf = await trainOne(mfCfg, tcFor(mfCfg), tokens, join(o.work, 'memoryformer'), o, heldOut, tokenizerPath);
  // The dense twin: the same data, sequence, batch, schedule length and the steps MemoryFormer took.
  const denseCfg = denseCounterpart(mfCfg);
  const dense = await trainOne(denseCfg, { ...tcFor(denseCfg), steps: mf.steps }, tokens, join(o.work, 'dense'), o, heldOut, tokenizerPath);

  const results = { mf, dense, tokenizer: { vocabSize: tokenizer.vocabSize }, corpus: manifest.sources.length, recipe: { ...o, log: undefined, fetch: undefined }, machine: o.machine, mfConfig: mfCfg };
  writeFileSync(join(o.work, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  await writeDirAtomic(o.modelOut, async (tmp) => {
    for (const f of ['config.json', 'model.safetensors']) await copyFile(join(o.work, 'memoryformer', MODEL_DIR, f), join(tmp, f));
    await copyFile(tokenizerPath, join(tmp, 'tokenizer.json'));
    writeFileSync(join(tmp, 'SOURCES.md'), renderSourcesMarkdown(manifest, o.modelName));
    writeFileSync(join(tmp, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    // A slice of the pretraining stream that fine-tuning mixes in so the model does not forget.
    writeFileSync(join(tmp, 'replay.bin'), readFileSync(join(corpusDir, 'train.bin')).subarray(0, REPLAY_TOKENS * 2));
  });
  o.log(`model written to ${o.modelOut}`);
  return { mf, dense };
}
