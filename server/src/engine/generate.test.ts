import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelRunner } from './model-runner.js';
import { generate } from './generate.js';
import { argmax, nucleus, sampleToken } from './sampling.js';
import { modelForwardRef } from '../model/reference.js';
import { graphWeights, tinyConfig } from '../../../test/support/tiny-model.js';
import { Rng } from '../util/rng.js';

test('greedy generation equals repeated argmax of the float64 reference', async () => {
  const cfg = tinyConfig('memoryformer');
  const { w, gw } = graphWeights(cfg, 61);
  const runner = await ModelRunner.create(cfg, gw);
  const prompt = [3, 14, 15, 9, 26];
  const res = await generate(runner, prompt, { maxTokens: 6, temperature: 0, topP: 1 });
  const seq = [...prompt];
  for (let i = 0; i < 6; i++) {
    const { logits } = modelForwardRef(cfg, w, seq);
    seq.push(argmax(logits, (seq.length - 1) * cfg.vocabSize, cfg.vocabSize));
  }
  assert.deepEqual(res.tokens, seq.slice(prompt.length));
  assert.equal(res.stopReason, 'max-tokens');
  // A second request that extends the first reuses the cached prompt.
  const again = await generate(runner, [...prompt, ...res.tokens.slice(0, 2)], { maxTokens: 2, temperature: 0, topP: 1 });
  assert.ok(again.reusedTokens >= prompt.length, `reused ${again.reusedTokens}`);
  assert.deepEqual(again.tokens, res.tokens.slice(2, 4));
  await runner.dispose();
});

test('stop tokens, callbacks and abort signals end generation', async () => {
  const cfg = tinyConfig('dense');
  const { gw } = graphWeights(cfg, 62);
  const runner = await ModelRunner.create(cfg, gw);
  const prompt = [1, 2, 3];
  const free = await generate(runner, prompt, { maxTokens: 5, temperature: 0, topP: 1 });
  const stopAt = free.tokens[2]!;
  const stopped = await generate(runner, prompt, { maxTokens: 5, temperature: 0, topP: 1, stopTokens: [stopAt] });
  assert.equal(stopped.stopReason, 'stop-token');
  assert.deepEqual(stopped.tokens, free.tokens.slice(0, free.tokens.indexOf(stopAt)));
  const cb = await generate(runner, prompt, { maxTokens: 5, temperature: 0, topP: 1, onToken: (ids) => ids.length < 2 });
  assert.equal(cb.stopReason, 'callback');
  assert.equal(cb.tokens.length, 2);
  const ac = new AbortController();
  ac.abort();
  const aborted = await generate(runner, prompt, { maxTokens: 5, temperature: 0, topP: 1, signal: ac.signal });
  assert.equal(aborted.stopReason, 'aborted');
  assert.equal(aborted.tokens.length, 0);
  await runner.dispose();
});

test('sampling: seeded, temperature-scaled, restricted to the nucleus', () => {
  const rng = new Rng(5);
  const logits = Float32Array.from({ length: 20 }, () => rng.normal() * 2);
  const { ids, probs } = nucleus(logits, { temperature: 1, topP: 0.6 });
  // The nucleus is the top tokens by logit, its mass before the last one is < 0.6.
  const sorted = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
  assert.deepEqual(ids, sorted.slice(0, ids.length));
  assert.ok(Math.abs(probs.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const draws = (seed: number) => {
    const r = new Rng(seed);
    return Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1, topP: 0.6 }, r));
  };
  assert.deepEqual(draws(9), draws(9));
  assert.ok(draws(9).every((t) => ids.includes(t)));
  // Empirical frequencies follow the nucleus probabilities.
  const r = new Rng(10);
  const counts = new Map<number, number>();
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const t = sampleToken(logits, { temperature: 1, topP: 0.6 }, r);
    counts.set(t, (counts.get(t) ?? 0) + 1);
  }
  ids.forEach((id, i) => assert.ok(Math.abs((counts.get(id) ?? 0) / n - probs[i]!) < 0.02, `token ${id}`));
  // Temperature 0 is greedy.
  assert.equal(sampleToken(logits, { temperature: 0, topP: 1 }, r), sorted[0]);
});

test('repetition penalty: CTRL-style on generated tokens only', async () => {
  const { penalise } = await import('./generate.js');
  const logits = Float32Array.from([2, -1, 0.5, 3]);
  assert.deepEqual(Array.from(penalise(logits, [0, 1, 1], 2)), [1, -2, 0.5, 3]);
});
