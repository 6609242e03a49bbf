/**
 * The pretraining recipe end to end on a small local corpus (no network): two runs with the same
 * seed produce the same tokenizer and the same first training losses, and a loadable model folder
 * with its sources and results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Rng } from '../util/rng.js';
import { randomSource } from '../corpus/test-helpers.js';
import { checkLicense } from '../corpus/licenses.js';
import type { CorpusSource } from '../corpus/sources.js';
import { DEFAULT_RECIPE, runRecipe, type RecipeOptions } from './recipe.js';
import { loadRunner } from '../engine/load-runner.js';

function fakePackages(root: string): { sourcesFile: string; fetch: RecipeOptions['fetch'] } {
  const rng = new Rng(5);
  const names = ['alpha', 'beta'];
  for (const name of names) {
    for (let i = 0; i < 60; i++) {
      const p = join(root, name, 'src', `m${i}.ts`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, randomSource(rng, 10 + rng.int(30)));
    }
  }
  const sources: CorpusSource[] = names.map((name) => ({ kind: 'npm', name, version: '1.0.0' }));
  const sourcesFile = join(root, 'sources.json');
  writeFileSync(sourcesFile, JSON.stringify({ sources }));
  return { sourcesFile, fetch: (_cache, s) => ({ root: join(root, s.name), license: checkLicense('MIT'), cached: true }) };
}

test('the recipe is reproducible: same seed, same tokenizer and first 50 losses; the model folder loads', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-recipe-'));
  try {
    const { sourcesFile, fetch } = fakePackages(join(dir, 'pkgs'));
    const run = (name: string) =>
      runRecipe({
        ...DEFAULT_RECIPE,
        sourcesFile,
        fetch,
        corpusCache: join(dir, 'cache'),
        work: join(dir, name),
        modelOut: join(dir, name, 'out-model'),
        vocabSize: 400,
        seq: 32,
        batch: 2,
        steps: 50,
        evalLimit: 4,
        log: () => {},
      });
    const a = await run('a');
    const b = await run('b');
    assert.equal(readFileSync(join(dir, 'a', 'tokenizer.json'), 'utf8'), readFileSync(join(dir, 'b', 'tokenizer.json'), 'utf8'));
    assert.equal(a.mf.firstLosses.length, 50);
    assert.deepEqual(a.mf.firstLosses, b.mf.firstLosses);
    assert.deepEqual(a.dense.firstLosses, b.dense.firstLosses);
    assert.ok(a.mf.firstLosses[49]! < a.mf.firstLosses[0]!, 'the loss falls');
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'SOURCES.md', 'results.json', 'replay.bin']) {
      assert.ok(existsSync(join(dir, 'a', 'out-model', f)), f);
    }
    const runner = await loadRunner(join(dir, 'a', 'out-model'));
    assert.equal(runner.config.arch, 'memoryformer');
    await runner.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
