/**
 * What the user reads about a fine-tune (the dry-run summary before it starts, the result at the
 * end) and what the dashboard is sent (protocol/lsp.ts notifications mapped to protocol/webview.ts
 * messages). Pure: no VS Code, unit-tested.
 */
import type { FineTuneFinishedParams, FineTuneProgressParams, FineTuneRunReport, FineTuneSummary } from '../../protocol/lsp.js';
import type { FineTuneEval, FineTuneProgress, FineTuneReport } from '../../protocol/webview.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function formatDuration(sec: number): string {
  const s = Math.round(sec);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The confirmation before a run: a one-line message and a detail paragraph. */
export function summaryText(s: FineTuneSummary): { message: string; detail: string } {
  const langs = Object.entries(s.languages)
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([name, l]) => `${name} ${l.files} file${l.files === 1 ? '' : 's'} (${formatBytes(l.bytes)})`);
  const skipped = Object.entries(s.skipped)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${n}`);
  const message = `Fine-tune MemoryFormer on ${s.files} file${s.files === 1 ? '' : 's'} (${formatBytes(s.bytes)})?`;
  const detail = [
    `Languages: ${langs.join(', ') || 'none'}.`,
    `About ${s.estimatedTokens.toLocaleString('en-US')} tokens. Estimated time: about ${formatDuration(s.estimatedTrainSeconds)} of training, plus scoring the model before and after; the whole run stops within ${formatDuration(s.timeBudgetSec)}.`,
    skipped.length ? `Left out: ${skipped.join(', ')}.` : '',
    'Training runs on this machine; completions keep working meanwhile. The new model is kept only if it is better on files it did not train on.',
  ].filter(Boolean).join('\n');
  return { message, detail };
}

/** The message shown when a run ends. */
export function finishedText(f: FineTuneFinishedParams): { severity: 'info' | 'warning' | 'error'; text: string } {
  const r = f.report;
  const figures = r
    ? ` Held-out bits per byte ${r.before.bitsPerByte.toFixed(3)} → ${r.after.bitsPerByte.toFixed(3)}, exact match ${percent(r.before.exactMatch)} → ${percent(r.after.exactMatch)} (${r.files.heldOut} held-out file${r.files.heldOut === 1 ? '' : 's'}, ${r.training.steps} steps, ${formatDuration(r.seconds.total)}).`
    : '';
  switch (f.outcome) {
    case 'improved':
      return { severity: 'info', text: `MemoryFormer: the fine-tuned model is better and completions now use it.${figures}` };
    case 'not-improved':
      return { severity: 'warning', text: `MemoryFormer: the fine-tuned model was not better, so the current model stays.${figures}` };
    case 'cancelled':
      return { severity: 'info', text: 'MemoryFormer: fine-tuning was cancelled; the current model stays.' };
    case 'failed':
      return { severity: 'error', text: `MemoryFormer: ${f.message}` };
  }
}

/** A training step for the dashboard's curves; undefined for progress outside training (collecting, evaluating). */
export function toWebviewProgress(p: FineTuneProgressParams): FineTuneProgress | undefined {
  if (p.step === undefined || p.totalSteps === undefined || p.trainLoss === undefined || !Number.isFinite(p.trainLoss)) return undefined;
  const out: FineTuneProgress = {
    runId: p.runId,
    step: p.step,
    totalSteps: p.totalSteps,
    trainLoss: p.trainLoss,
    tokensPerSecond: p.tokensPerSecond ?? 0,
    elapsedMs: p.elapsedMs,
  };
  if (p.validLoss !== undefined && Number.isFinite(p.validLoss)) out.validLoss = p.validLoss;
  if (p.etaSeconds !== undefined && p.etaSeconds >= 0) out.etaSeconds = p.etaSeconds;
  return out;
}

/**
 * The before/after card of the dashboard. The held-out loss comes from the scores, or else from the
 * validation curve (its first point is the model before training, its best point the one kept);
 * undefined when neither has it.
 */
export function toWebviewReport(r: FineTuneRunReport): FineTuneReport | undefined {
  const curve = r.training.validLossCurve;
  const beforeLoss = r.before.validLoss ?? curve[0]?.validLoss;
  const afterLoss = r.after.validLoss ?? (curve.length ? Math.min(...curve.map((c) => c.validLoss)) : undefined);
  if (beforeLoss === undefined || afterLoss === undefined) return undefined;
  const evalOf = (loss: number, s: FineTuneRunReport['before']): FineTuneEval => ({ validLoss: loss, perplexity: Math.exp(loss), exactMatch: s.exactMatch, editSimilarity: s.editSimilarity });
  return {
    runId: r.runId,
    steps: r.training.steps,
    durationMs: Math.round(r.seconds.total * 1000),
    trainedTokens: r.tokens.seen,
    before: evalOf(beforeLoss, r.before),
    after: evalOf(afterLoss, r.after),
  };
}
