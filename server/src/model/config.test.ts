import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, dims, getPreset, presetNames, resolveConfig, validateConfig } from './config.js';

test('every preset is a valid config', () => {
  for (const name of presetNames()) assert.doesNotThrow(() => validateConfig(getPreset(name)), name);
});

test('paper presets match the paper and Pythia shapes', () => {
  const tiny = getPreset('paper-tiny');
  assert.deepEqual([tiny.nLayers, tiny.dModel, tiny.nHeads, tiny.tau, dims(tiny).chunks], [6, 512, 8, 8, 64]);
  assert.equal(dims(getPreset('paper-small')).chunks, 96);
  assert.equal(dims(getPreset('paper-base')).chunks, 128);
  assert.equal(dims(tiny).expandedWidth, 640); // (tau + 2) * K
  assert.equal(dims(tiny).rotaryDims, 16); // 25% of 64
});

test('bad configs are refused with a message that says what to do', () => {
  assert.throws(() => getPreset('paper-huge'), (e: Error) => e instanceof ConfigError && /unknown preset 'paper-huge'.*paper-tiny/.test(e.message));
  assert.throws(
    () => resolveConfig({ preset: 'paper-tiny', tau: 7 }),
    (e: Error) => e instanceof ConfigError && /dModel \(512\) must be divisible by tau \(7\).*pick a tau that divides d/.test(e.message),
  );
  assert.throws(() => resolveConfig({ preset: 'pythia-70m', nHeads: 7 }), /divisible by nHeads/);
  assert.throws(() => resolveConfig({ preset: 'paper-tiny', tau: 10, expandBits: 8 }), /expandBits/);
  assert.throws(() => resolveConfig({ preset: 'paper-tiny', hashTemperature: 0 }), /hashTemperature must be > 0/);
  assert.throws(() => resolveConfig({ preset: 'paper-tiny', vocabSize: -3 }), /vocabSize must be a positive integer/);
});
