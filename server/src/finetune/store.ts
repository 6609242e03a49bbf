/**
 * Where a fine-tune's results live, under the storage folder the caller gives (the extension's
 * workspace storage):
 *   <storage>/finetuned/            the fine-tuned model (config.json, model.safetensors,
 *                                   tokenizer.json, replay.bin when the base had one, report.json),
 *                                   written only when it beat the base model, replaced atomically
 *                                   as a whole (writeDirAtomic), so a cancel, crash or SIGKILL
 *                                   leaves the previous one (or none) and never a partial folder
 *   <storage>/last-fine-tune.json   the report of the latest finished run, kept or not
 * Temporaries of a killed run (`*.tmp-<pid>-<hex>`, `*.old-<pid>-<hex>`) are invisible to readers
 * and removed by cleanFineTuneStorage() on the next start.
 */
import { promises as fsp, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FineTuneRunReport } from '../../../protocol/lsp.js';
import type { ModelConfig } from '../model/config.js';
import type { Weights } from '../model/weights.js';
import { CONFIG_FILE, WEIGHTS_FILE, configJson, loadModel, serializeModelWeights, toStoredTensors } from '../model/model-dir.js';
import { cleanStaleTemps, restoreInterruptedDirSwap, writeDirAtomic, writeFileAtomic, writeFileDurable, type CleanupReport } from '../util/atomic-write.js';

export const FINETUNED_DIR = 'finetuned';
export const REPORT_FILE = 'report.json';
export const LAST_REPORT_FILE = 'last-fine-tune.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const REPLAY_FILE = 'replay.bin';

export function fineTunedDir(storage: string): string {
  return join(storage, FINETUNED_DIR);
}

/** Removes what killed runs left behind (and puts back a model a killed swap moved aside). */
export async function cleanFineTuneStorage(storage: string): Promise<CleanupReport> {
  await restoreInterruptedDirSwap(fineTunedDir(storage));
  return cleanStaleTemps(storage);
}

export interface SaveFineTunedInput {
  config: ModelConfig;
  weights: Weights;
  /** The base model folder (its tokenizer.json and replay.bin are copied along). */
  baseDir: string;
  report: FineTuneRunReport;
  /** Test hook: runs after the weights are written, before the rest (to kill a save midway). */
  midWrite?: () => Promise<void>;
}

/** Writes the fine-tuned model folder atomically; returns its path. */
export async function saveFineTuned(storage: string, s: SaveFineTunedInput): Promise<string> {
  const dir = fineTunedDir(storage);
  const saveId = randomBytes(8).toString('hex');
  const stored = toStoredTensors(s.config, s.weights);
  const chunks = serializeModelWeights(stored, saveId);
  const enc = new TextEncoder();
  await writeDirAtomic(
    dir,
    async (tmp) => {
      await writeFileDurable(join(tmp, WEIGHTS_FILE), chunks);
      await s.midWrite?.();
      await writeFileDurable(join(tmp, CONFIG_FILE), enc.encode(configJson(s.config, saveId)));
      await fsp.copyFile(join(s.baseDir, TOKENIZER_FILE), join(tmp, TOKENIZER_FILE));
      if (existsSync(join(s.baseDir, REPLAY_FILE))) await fsp.copyFile(join(s.baseDir, REPLAY_FILE), join(tmp, REPLAY_FILE));
      await writeFileDurable(join(tmp, REPORT_FILE), enc.encode(JSON.stringify({ ...s.report, modelDir: dir }, null, 2) + '\n'));
    },
    // A new fine-tune replaces the old one whole: nothing of a previous run is carried over.
    { keepOtherEntries: false },
  );
  return dir;
}

export async function writeLastReport(storage: string, report: FineTuneRunReport): Promise<void> {
  await fsp.mkdir(storage, { recursive: true });
  await writeFileAtomic(join(storage, LAST_REPORT_FILE), new TextEncoder().encode(JSON.stringify(report, null, 2) + '\n'));
}

/**
 * The fine-tuned model kept in `storage`, if there is a complete, loadable one (after cleaning
 * up a killed run). Undefined when there is none; the caller then serves the base model.
 */
export async function findFineTunedModel(storage: string): Promise<{ dir: string; report?: FineTuneRunReport } | undefined> {
  await cleanFineTuneStorage(storage);
  const dir = fineTunedDir(storage);
  if (!existsSync(join(dir, CONFIG_FILE))) return undefined;
  try {
    await loadModel(dir);
  } catch {
    return undefined;
  }
  let report: FineTuneRunReport | undefined;
  try {
    report = JSON.parse(await fsp.readFile(join(dir, REPORT_FILE), 'utf8')) as FineTuneRunReport;
  } catch {
    report = undefined;
  }
  return report ? { dir, report } : { dir };
}
