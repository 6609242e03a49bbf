import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FineTuneProgress } from '../../protocol/webview.js';
import { applyMessage, initialState, MAX_LOSS_POINTS, restoreState } from './dashboard-state.js';

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const progress = (runId: string, step: number, loss: number, valid?: number): FineTuneProgress =>
  ({ runId, step, totalSteps: 100_000, trainLoss: loss, tokensPerSecond: 1000, elapsedMs: step * 10, ...(valid === undefined ? {} : { validLoss: valid }) });

test('loss curves keep every point of a run in order, restart on a new run, and stay bounded with their ends kept', () => {
  const r = mulberry32(5);
  let s = initialState();
  const losses: number[] = [];
  for (let step = 1; step <= 500; step++) {
    losses.push(1 + r());
    s = applyMessage(s, { type: 'fineTuneProgress', progress: progress('a', step, losses[step - 1]!, step % 50 === 0 ? r() : undefined) });
  }
  assert.deepEqual(s.fineTune!.points.map((p) => p.train), losses);
  assert.equal(s.fineTune!.points.filter((p) => p.valid !== undefined).length, 10);
  s = applyMessage(s, { type: 'fineTuneReport', report: { runId: 'a', steps: 500, durationMs: 1, trainedTokens: 1, before: { validLoss: 2, perplexity: 7 }, after: { validLoss: 1, perplexity: 3 } } });
  s = applyMessage(s, { type: 'fineTuneProgress', progress: progress('b', 1, 9) });
  assert.deepEqual(s.fineTune!.points, [{ step: 1, train: 9 }]);
  assert.equal(s.fineTuneReport, undefined, 'a new run clears the old report');
  for (let step = 2; step <= 3 * MAX_LOSS_POINTS; step++) s = applyMessage(s, { type: 'fineTuneProgress', progress: progress('b', step, r()) });
  const pts = s.fineTune!.points;
  assert.ok(pts.length <= MAX_LOSS_POINTS && pts.length > MAX_LOSS_POINTS / 4);
  assert.equal(pts[0]!.step, 1);
  assert.equal(pts[pts.length - 1]!.step, 3 * MAX_LOSS_POINTS);
  assert.ok(pts.every((p, i) => i === 0 || p.step > pts[i - 1]!.step));
});

test('saved state round-trips through JSON; state from another version or of another shape starts afresh', () => {
  let s = initialState();
  s = applyMessage(s, { type: 'theme', kind: 'dark' });
  s = applyMessage(s, { type: 'fineTuneProgress', progress: progress('a', 1, 2) });
  assert.deepEqual(restoreState(JSON.parse(JSON.stringify(s))), s);
  assert.deepEqual(restoreState({ ...s, version: 0 }), initialState());
  assert.deepEqual(restoreState({ version: 1, latencyHistogram: { edgesMs: [0], counts: [] } }), initialState());
  assert.deepEqual(restoreState(undefined), initialState());
  assert.deepEqual(restoreState('x'), initialState());
});
