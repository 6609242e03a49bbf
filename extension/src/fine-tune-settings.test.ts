import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TIME_BUDGET_SEC, readFineTuneSettings, TIME_BUDGET_LIMITS } from './fine-tune-settings.js';

const glob = () => `${Math.random().toString(36).slice(2, 7)}/**/*.${['ts', 'py', 'go'][Math.floor(Math.random() * 3)]}`;

test('exclude = files.exclude patterns switched on, then the project setting, each once', () => {
  for (let trial = 0; trial < 100; trial++) {
    const filesExclude: Record<string, unknown> = {};
    const want: string[] = [];
    for (let i = 0; i < Math.floor(Math.random() * 6); i++) {
      const g = glob();
      const v = [true, false, { when: '$(basename).ts' }][Math.floor(Math.random() * 3)];
      filesExclude[g] = v;
      if (v === true && !want.includes(g)) want.push(g);
    }
    const own = Array.from({ length: Math.floor(Math.random() * 4) }, () => (Math.random() < 0.3 && want.length ? want[0]! : glob()));
    for (const g of own) if (!want.includes(g)) want.push(g);
    const budget = TIME_BUDGET_LIMITS[0] + Math.floor(Math.random() * 3000);
    const r = readFineTuneSettings(budget, own, filesExclude);
    assert.deepEqual(r.exclude, want);
    assert.equal(r.timeBudgetSec, budget);
    assert.deepEqual(r.problems, []);
  }
});

test('defaults, and a clear problem for each bad value', () => {
  assert.deepEqual(readFineTuneSettings(undefined, undefined, undefined), { timeBudgetSec: DEFAULT_TIME_BUDGET_SEC, exclude: [], problems: [] });
  for (const bad of [0, 5, 1.5, -60, 1e9, '600', Number.NaN]) {
    const r = readFineTuneSettings(bad, [], {});
    assert.equal(r.timeBudgetSec, DEFAULT_TIME_BUDGET_SEC);
    assert.match(r.problems[0] ?? '', /timeBudgetSec must be an integer/);
  }
  for (const bad of ['dist/**', [1, 2], { a: true }]) {
    const r = readFineTuneSettings(60, bad, { 'x/**': true });
    assert.deepEqual(r.exclude, ['x/**']);
    assert.match(r.problems[0] ?? '', /fineTune.exclude must be a list of glob strings/);
  }
});
