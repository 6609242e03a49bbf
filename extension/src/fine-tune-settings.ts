/**
 * The settings of `MemoryFormer: Fine-tune on Workspace`, read into typed values. Pure: the reader
 * takes the raw values, so the rules are unit-tested without VS Code.
 *
 * - memoryformer.fineTune.timeBudgetSec: the whole run's wall-clock budget (collect, evaluate,
 *   train, evaluate, save), in seconds.
 * - memoryformer.fineTune.exclude: globs (workspace-relative) never trained on, added to the
 *   patterns of VS Code's files.exclude that are switched on (`true`; a `{when: ...}` condition
 *   depends on sibling files, so it is not applied) and to .gitignore (the server honours it).
 */
export const FINE_TUNE_SECTION = 'fineTune';
export const DEFAULT_TIME_BUDGET_SEC = 600;
export const TIME_BUDGET_LIMITS = [10, 86_400] as const;

export interface FineTuneRunSettings {
  timeBudgetSec: number;
  /** files.exclude patterns set to true, then memoryformer.fineTune.exclude, without duplicates. */
  exclude: string[];
  /** One sentence per setting ignored: what was wrong and what is used instead. */
  problems: string[];
}

export function readFineTuneSettings(timeBudget: unknown, ownExclude: unknown, filesExclude: unknown): FineTuneRunSettings {
  const problems: string[] = [];
  let timeBudgetSec = DEFAULT_TIME_BUDGET_SEC;
  if (timeBudget !== undefined && timeBudget !== null) {
    const [lo, hi] = TIME_BUDGET_LIMITS;
    if (typeof timeBudget === 'number' && Number.isInteger(timeBudget) && timeBudget >= lo && timeBudget <= hi) timeBudgetSec = timeBudget;
    else problems.push(`memoryformer.fineTune.timeBudgetSec must be an integer number of seconds in [${lo}, ${hi}], got ${JSON.stringify(timeBudget)}; using ${DEFAULT_TIME_BUDGET_SEC}`);
  }
  const exclude: string[] = [];
  const add = (g: string) => {
    const t = g.trim();
    if (t && !exclude.includes(t)) exclude.push(t);
  };
  if (filesExclude && typeof filesExclude === 'object' && !Array.isArray(filesExclude)) {
    for (const [glob, on] of Object.entries(filesExclude as Record<string, unknown>)) if (on === true) add(glob);
  }
  if (ownExclude !== undefined && ownExclude !== null) {
    if (Array.isArray(ownExclude) && ownExclude.every((g) => typeof g === 'string')) for (const g of ownExclude) add(g);
    else problems.push(`memoryformer.fineTune.exclude must be a list of glob strings (e.g. ["generated/**", "**/*.pb.go"]), got ${JSON.stringify(ownExclude)}; ignoring it`);
  }
  return { timeBudgetSec, exclude, problems };
}
