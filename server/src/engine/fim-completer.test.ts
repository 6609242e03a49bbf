import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainBpe } from '../tokenizer/train-bpe.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { ModelRunner } from './model-runner.js';
import { FimCompleter } from './fim-completer.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';

// A small real tokenizer: trained on this repository's own engine sources.
const corpus = ['model-runner.ts', 'generate.ts', 'kv-cache.ts', 'sampling.ts'].map((f) => readFileSync(join(__dirname, f), 'utf8'));
const tokenizer = trainBpe(corpus, { vocabSize: 400 });

async function completer(seed = 91): Promise<FimCompleter> {
  const cfg = { ...tinyConfig('memoryformer'), vocabSize: tokenizer.vocabSize, maxSeqLen: 256 };
  const { gw } = graphWeights(cfg, seed);
  return new FimCompleter(await ModelRunner.create(cfg, gw), tokenizer, { prefixTokens: 60, suffixTokens: 20, tokenHealing: true, repetitionPenalty: 1 });
}

test('the prompt is SPM: <fim_prefix><fim_suffix> suffix <fim_middle> prefix, budgets applied, the last token healed', async () => {
  const c = await completer();
  const { ids, healed } = c.buildPrompt('const value = computeTot', '\nreturn value;\n');
  assert.deepEqual(ids.slice(0, 2), [SPECIAL_IDS.fimPrefix, SPECIAL_IDS.fimSuffix]);
  const mid = ids.indexOf(SPECIAL_IDS.fimMiddle);
  assert.equal(Buffer.from(tokenizer.decode(ids.slice(2, mid))).toString(), '\nreturn value;\n');
  // The healed bytes plus the prompt's prefix part give back the whole prefix.
  const prefixText = Buffer.from(tokenizer.decode(ids.slice(mid + 1))).toString() + Buffer.from(healed!).toString();
  assert.equal(prefixText, 'const value = computeTot');
  // Every ending is healed (a newline too); with healing off, the prompt keeps the whole prefix.
  assert.deepEqual(Buffer.from(c.buildPrompt('f(\n', '').healed!).toString(), '\n');
  const off = new FimCompleter(c.runner, tokenizer, { ...c.options, tokenHealing: false });
  assert.equal(off.buildPrompt('f(\n', '').healed, null);
  // The first token allowed after healing starts with the healed bytes (and includes the token itself).
  const { healed: h } = c.buildPrompt('const value = computeTot', '');
  const allowed = (c as unknown as { allowedAfterHealing(b: Uint8Array): number[] }).allowedAfterHealing(h!);
  assert.ok(allowed.length > 0);
  for (const id of allowed) assert.ok(Buffer.from(tokenizer.tokenBytes(id)).toString('latin1').startsWith(Buffer.from(h!).toString('latin1')));
  // Budgets: a long prefix keeps its end, a long suffix its start.
  const long = c.buildPrompt('x = 1;\n'.repeat(200), 'y = 2;\n'.repeat(200));
  const m = long.ids.indexOf(SPECIAL_IDS.fimMiddle);
  assert.ok(m - 2 <= 20 && long.ids.length - m - 1 <= 60, `suffix ${m - 2} prefix ${long.ids.length - m - 1}`);
  await c.runner.dispose();
});

test('completions: deterministic, stop strings cut, typing ahead reuses the cache, calls are serialised', async () => {
  const c = await completer();
  const req = { suffix: '\n}\n', maxTokens: 12, temperature: 0, topP: 1, stop: [] as string[] };
  const a = await c.complete({ ...req, prefix: 'function total(items) {\n  let sum' });
  assert.ok(a.tokens > 0);
  // Greedy decoding of the same prompt is deterministic.
  const again = await c.complete({ ...req, prefix: 'function total(items) {\n  let sum' });
  assert.equal(again.text, a.text);
  assert.ok(again.reusedTokens > 0, 'second identical request reuses the cache');
  // A stop string cuts the text before it.
  if (a.text.length > 2) {
    const stopAt = a.text.slice(1, 2);
    const cut = await c.complete({ ...req, prefix: 'function total(items) {\n  let sum', stop: [stopAt] });
    assert.ok(!cut.text.includes(stopAt));
    assert.equal(cut.text, a.text.slice(0, a.text.indexOf(stopAt)));
  }
  // Typing ahead: the longer prefix reuses the shorter one's cached prompt.
  const typed = await c.complete({ ...req, prefix: 'function total(items) {\n  let sum = 0;\n  for' });
  assert.ok(typed.reusedTokens >= 8, `reused ${typed.reusedTokens} of ${typed.promptTokens}`);
  // Concurrent calls on one cache are serialised and give the same answers as sequential ones.
  const [x, y] = await Promise.all([
    c.complete({ ...req, prefix: 'let a = items' }),
    c.complete({ ...req, prefix: 'const b = (' }),
  ]);
  assert.equal(x.text, (await c.complete({ ...req, prefix: 'let a = items' })).text);
  assert.equal(y.text, (await c.complete({ ...req, prefix: 'const b = (' })).text);
  await c.runner.dispose();
});

test('an aborted request stops between tokens', async () => {
  const c = await completer();
  const ac = new AbortController();
  let n = 0;
  const r = await c.complete({ prefix: 'let x', suffix: '', maxTokens: 50, temperature: 0, topP: 1, stop: [] }, ac.signal, () => {
    if (++n === 2) ac.abort();
    return true;
  });
  assert.ok(r.tokens <= 3, `generated ${r.tokens} tokens after abort`);
  await c.runner.dispose();
});
