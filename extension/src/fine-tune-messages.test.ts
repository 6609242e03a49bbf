import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FineTuneProgressParams, FineTuneRunReport } from '../../protocol/lsp.js';
import { validateExtensionMessage } from '../../protocol/webview.js';
import { finishedText, formatBytes, summaryText, toWebviewProgress, toWebviewReport } from './fine-tune-messages.js';

const rnd = (lo: number, hi: number) => lo + Math.random() * (hi - lo);
const int = (lo: number, hi: number) => Math.floor(rnd(lo, hi + 1));

function randomReport(withLoss: boolean): FineTuneRunReport {
  const curve = Array.from({ length: int(1, 8) }, (_, i) => ({ step: i * 10, validLoss: rnd(0.5, 5) }));
  const scores = () => ({ bitsPerByte: rnd(0.3, 3), exactMatch: Math.random(), editSimilarity: Math.random(), bytes: int(100, 1e5), positions: int(1, 100), ...(withLoss ? { validLoss: rnd(0.5, 5) } : {}) });
  return {
    format: 'memoryformer-finetune-report', version: 1, runId: Math.random().toString(16).slice(2), startedAt: '', finishedAt: '',
    baseModel: { dir: '/m' }, kept: true, verdict: 'is better', files: { train: int(1, 50), heldOut: int(1, 5), bytes: int(1e3, 1e6), languages: {}, skipped: {} },
    tokens: { workspace: int(1e3, 1e6), replay: 0, heldOut: int(100, 1e4), seen: int(1e3, 1e7) },
    training: { steps: int(1, 2000), bestStep: 0, stoppedBy: 'time', learningRate: 1e-4, batch: 8, seq: 256, provider: 'cpu', regularisation: 'low-lr', replayShare: 0, validLossCurve: curve },
    before: scores(), after: scores(), seconds: { total: rnd(1, 900), collect: 0, tokenize: 0, evaluate: 0, train: 0, save: 0 },
  };
}

test('the report the dashboard is sent is valid, and carries the run\'s losses, perplexities and scores', () => {
  for (let trial = 0; trial < 100; trial++) {
    const withLoss = Math.random() < 0.5;
    const r = randomReport(withLoss);
    const w = toWebviewReport(r)!;
    const v = validateExtensionMessage({ type: 'fineTuneReport', report: w });
    assert.ok(v.ok, v.ok ? '' : v.error);
    const curve = r.training.validLossCurve.map((c) => c.validLoss);
    const before = withLoss ? r.before.validLoss! : curve[0]!;
    const after = withLoss ? r.after.validLoss! : Math.min(...curve);
    assert.equal(w.before.validLoss, before);
    assert.equal(w.after.validLoss, after);
    assert.ok(Math.abs(Math.log(w.before.perplexity) - before) < 1e-12);
    assert.ok(Math.abs(Math.log(w.after.perplexity) - after) < 1e-12);
    assert.equal(w.after.exactMatch, r.after.exactMatch);
    assert.equal(w.trainedTokens, r.tokens.seen);
    assert.equal(w.steps, r.training.steps);
    assert.equal(w.durationMs, Math.round(r.seconds.total * 1000));
  }
  const r = randomReport(false);
  r.training.validLossCurve = [];
  assert.equal(toWebviewReport(r), undefined, 'no losses at all: nothing to show');
});

test('training progress becomes a valid curve point; other phases are not sent', () => {
  for (let trial = 0; trial < 100; trial++) {
    const inTraining = Math.random() < 0.7;
    const p: FineTuneProgressParams = { runId: 'r1', phase: inTraining ? 'train' : 'evaluate', message: 'm', percentage: int(0, 100), elapsedMs: int(0, 1e6) };
    if (inTraining) {
      p.step = int(1, 100);
      p.totalSteps = int(100, 200);
      p.trainLoss = rnd(0.1, 8);
      if (Math.random() < 0.5) p.validLoss = rnd(0.1, 8);
      if (Math.random() < 0.5) p.tokensPerSecond = rnd(0, 5000);
      if (Math.random() < 0.5) p.etaSeconds = rnd(0, 500);
    }
    const w = toWebviewProgress(p);
    if (!inTraining) {
      assert.equal(w, undefined);
      continue;
    }
    const v = validateExtensionMessage({ type: 'fineTuneProgress', progress: w });
    assert.ok(v.ok, v.ok ? '' : v.error);
    assert.equal(w!.trainLoss, p.trainLoss);
    assert.equal(w!.validLoss, p.validLoss);
    assert.equal(w!.tokensPerSecond, p.tokensPerSecond ?? 0);
  }
});

test('the end message states the before/after figures, and the summary the files, bytes and time', () => {
  for (let trial = 0; trial < 30; trial++) {
    const r = randomReport(true);
    for (const outcome of ['improved', 'not-improved'] as const) {
      const t = finishedText({ runId: r.runId, outcome, message: 'x', report: r });
      assert.ok(t.text.includes(`${r.before.bitsPerByte.toFixed(3)} → ${r.after.bitsPerByte.toFixed(3)}`), t.text);
      assert.ok(t.text.includes(`${(100 * r.before.exactMatch).toFixed(1)}% → ${(100 * r.after.exactMatch).toFixed(1)}%`), t.text);
      assert.match(t.text, outcome === 'improved' ? /completions now use it/ : /current model stays/);
    }
  }
  assert.equal(finishedText({ runId: 'r', outcome: 'failed', message: 'fine-tuning failed: disk full' }).severity, 'error');
  const files = int(1, 500);
  const bytes = int(100, 5e7);
  const s = summaryText({ files, bytes, languages: { typescript: { files, bytes } }, skipped: { binary: 3, lock: 0 }, estimatedTokens: 1234, estimatedTrainSeconds: 125, timeBudgetSec: 600 });
  assert.ok(s.message.includes(`${files} file`) && s.message.includes(formatBytes(bytes)), s.message);
  assert.match(s.detail, /typescript/);
  assert.match(s.detail, /2 min 5 s/);
  assert.match(s.detail, /10 min/);
  assert.match(s.detail, /binary 3/);
  assert.doesNotMatch(s.detail, /lock 0/);
});
