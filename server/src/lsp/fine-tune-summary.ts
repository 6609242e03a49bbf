/**
 * memoryformer/fineTuneSummary: the dry run of a fine-tune (what it would train on and about how
 * long it would take), so the editor can show it and ask before training. Collects with the same
 * rules as a run (finetune/collect.ts) and summarises with finetune/summary.ts; trains nothing.
 */
import { isAbsolute } from 'node:path';
import type { FineTuneParams, FineTuneSummary } from '../../../protocol/lsp.js';
import { collectWorkspace } from '../finetune/collect.js';
import { summarise } from '../finetune/summary.js';
import { FineTuneRefusal, UNTRUSTED_REFUSAL } from './fine-tune-service.js';

/**
 * finetune.ts DEFAULT_TIME_BUDGET_SEC, restated because importing finetune.ts would load the trainer
 * (and onnxruntime) into the server's main thread; fine-tune-summary.test.ts checks they agree.
 */
export const SUMMARY_DEFAULT_TIME_BUDGET_SEC = 600;

export async function fineTuneSummary(p: FineTuneParams): Promise<FineTuneSummary> {
  if (p?.trusted === false) throw new FineTuneRefusal(UNTRUSTED_REFUSAL);
  const paths = p?.paths;
  if (!Array.isArray(paths) || paths.length === 0 || !paths.every((x) => typeof x === 'string' && isAbsolute(x))) {
    throw new FineTuneRefusal(`memoryformer/fineTuneSummary needs paths: the absolute paths of the workspace folders, got ${JSON.stringify(paths)}`);
  }
  const budget = p.timeBudgetSec;
  if (budget !== undefined && !(typeof budget === 'number' && budget >= 1 && budget <= 86400)) {
    throw new FineTuneRefusal(`timeBudgetSec must be a number in [1, 86400], got ${JSON.stringify(budget)}`);
  }
  if (p.exclude !== undefined && !(Array.isArray(p.exclude) && p.exclude.every((g) => typeof g === 'string'))) throw new FineTuneRefusal('exclude must be an array of glob strings');
  const timeBudgetSec = budget ?? SUMMARY_DEFAULT_TIME_BUDGET_SEC;
  const collected = await collectWorkspace(paths, { exclude: p.exclude ?? [] });
  return { ...summarise(collected, timeBudgetSec), timeBudgetSec };
}
