// Checks the accounting against the paper's published Tables 1, 3 and 5, and against independent
// counts (weightSpecs' parameter count, closed forms) on random configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getPreset, resolveConfig, type ModelConfig } from './config.js';
import { parameterCount, weightSpecs, numel } from './weights.js';
import { Rng } from '../util/rng.js';
import { blockAccount, flopsReport, memoryLayerAccount, modelAccount, paperBlockFlops } from './flops.js';

const G = 1e9;
const MB = 1e6;

function assertWithin(actual: number, expected: number, relTol: number, what: string): void {
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  assert.ok(rel <= relTol, `${what}: got ${actual}, paper ${expected} (off by ${(rel * 100).toFixed(1)}%, allowed ${relTol * 100}%)`);
}

/** The paper prints figures rounded to `decimals`; ours must round to the same printed value. */
function assertRoundsTo(actual: number, printed: number, decimals: number, what: string): void {
  assert.equal(actual.toFixed(decimals), printed.toFixed(decimals), `${what}: ${actual} does not round to the paper's ${printed}`);
}

test('Table 1: per-block FLOPs at s = 2048 (paper formulas) match the paper within 5% (MF-small w/o attention: see below)', () => {
  const rows: Array<[string, number, number]> = [
    ['paper-tiny', 0.4, 4.7],
    ['pythia-70m', 6.4, 10.7],
    ['paper-small', 1.0, 7.4],
    ['pythia-160m', 14.5, 20.9],
    ['paper-base', 1.6, 10.2],
    ['pythia-410m', 25.8, 34.4],
  ];
  for (const [name, woAttn, total] of rows) {
    const f = blockAccount(getPreset(name), 2048).paper;
    assertWithin(f.total / G, total, 0.05, `${name} total`);
    if (name === 'paper-small') {
      // The paper prints 1.0G, but its own formula 6 K s d gives 6*96*2048*768 = 0.906G (and its
      // total 7.4G = 6.44G attention + 0.91G). 1.0 is 7.4 - 6.4 of the rounded columns. So here
      // only the formula's value is asserted (and that it is within the paper's 10%).
      assertWithin(f.withoutAttention, 6 * 96 * 2048 * 768, 1e-12, `${name} w/o attention (formula)`);
      assertWithin(f.withoutAttention / G, woAttn, 0.1, `${name} w/o attention`);
    } else {
      assertWithin(f.withoutAttention / G, woAttn, 0.05, `${name} w/o attention`);
    }
  }
});

test('dense presets have exactly the published Pythia parameter counts', () => {
  // Pythia paper / model cards: total parameters including embedding and (untied) LM head.
  const published: Array<[string, number]> = [['pythia-70m', 70_426_624], ['pythia-160m', 162_322_944], ['pythia-410m', 405_334_016]];
  for (const [name, n] of published) assert.equal(modelAccount(getPreset(name), 2048).total.params, n, name);
});

test('the 81% claim: at s = d = 2048 a MemoryFormer block needs ~19% of a standard block', () => {
  const mf = resolveConfig({ preset: 'paper-tiny', dModel: 2048, nHeads: 16 });
  const dense = resolveConfig({ preset: 'pythia-70m', dModel: 2048, nHeads: 16 });
  const ratio = paperBlockFlops(mf, 2048).total / paperBlockFlops(dense, 2048).total;
  assertWithin(ratio, 0.19, 0.05, 'MemoryFormer / standard');
});

test('Table 3: the Q layer alone at d = 512, s = 2048 (detailed count, fp16 table)', () => {
  const rows: Array<[number, number, number, number]> = [
    // tau, K, GFLOPs, MB fp16
    [4, 128, 0.14, 2.1],
    [8, 64, 0.07, 16.8],
    [10, 51, 0.06, 53.5], // d = 512 is not divisible by 10: the paper uses 51 chunks
  ];
  for (const [tau, K, gflops, mb] of rows) {
    const q = memoryLayerAccount('Q', { tau, chunks: K, outWidth: 512 }, 2048);
    assertWithin(q.bytes.fp16 / MB, mb, 0.05, `tau=${tau} table MB`);
    assertRoundsTo(q.bytes.fp16 / MB, mb, 1, `tau=${tau} table MB`);
    assertRoundsTo(q.flops / G, gflops, 2, `tau=${tau} GFLOPs`);
    // 0.06 printed with two decimals stands for [0.055, 0.065): +-8%, so 5% is asked only where
    // the printed precision allows it.
    if (tau !== 10) assertWithin(q.flops / G, gflops, 0.05, `tau=${tau} GFLOPs`);
  }
});

test('Table 5: Memory Block (ML1 + ML2) table memory of paper-tiny in fp16 by expanding bits', () => {
  const rows: Array<[number, number]> = [[0, 33.6], [1, 52.4], [2, 88.1], [3, 157.3]];
  for (const [bits, mb] of rows) {
    const layers = blockAccount(resolveConfig({ preset: 'paper-tiny', expandBits: bits }), 2048).layers;
    const bytes = layers.filter((l) => l.name === 'ML1' || l.name === 'ML2').reduce((a, l) => a + l.bytes.fp16, 0);
    assertWithin(bytes / MB, mb, 0.05, `${bits} expanding bits`);
    assertRoundsTo(bytes / MB, mb, 1, `${bits} expanding bits`);
  }
});

function randomConfig(rng: Rng, arch: 'memoryformer' | 'dense'): ModelConfig {
  const tau = 2 + rng.int(7);
  const nHeads = 1 + rng.int(4);
  const dModel = tau * nHeads * 2 * (1 + rng.int(6));
  return resolveConfig({
    arch,
    tau,
    dModel,
    nHeads,
    nLayers: 1 + rng.int(5),
    vocabSize: 7 + rng.int(300),
    expandBits: rng.int(3),
    ffnMult: 1 + rng.int(4),
  });
}

test('parameter counts and table bytes agree with weightSpecs on random configs', () => {
  const rng = new Rng(1234);
  for (let trial = 0; trial < 40; trial++) {
    const cfg = randomConfig(rng, trial % 2 ? 'dense' : 'memoryformer');
    const acc = modelAccount(cfg, 1 + rng.int(100));
    const ref = parameterCount(cfg);
    assert.equal(acc.total.params, ref.total, `total params of ${JSON.stringify(cfg)}`);
    const specs = weightSpecs(cfg).filter((s) => s.name.startsWith('blocks.0.'));
    const tables = specs.filter((s) => s.role === 'table').reduce((a, s) => a + numel(s.shape), 0);
    const matrices = specs.filter((s) => s.role === 'matrix').reduce((a, s) => a + numel(s.shape), 0);
    const blockTotal = specs.reduce((a, s) => a + numel(s.shape), 0);
    assert.equal(acc.perBlock.params.tables, tables);
    assert.equal(acc.perBlock.params.matrices, matrices);
    assert.equal(acc.perBlock.params.total, blockTotal);
    assert.equal(acc.perBlock.weightBytes.fp32, 4 * (tables + matrices));
    assert.equal(acc.perBlock.weightBytes.fp16, 2 * (tables + matrices));
    const rows = specs.filter((s) => s.role === 'table' || s.role === 'matrix').reduce((a, s) => a + (s.shape[0] ?? 0), 0);
    assert.equal(acc.perBlock.weightBytes.int8, tables + matrices + 4 * rows);
    assert.equal(acc.embedding.params, ref.total - acc.blocks.params.total - acc.lmHead.params - acc.lmHead.finalNormParams);
  }
});

test('detailed FLOPs match closed forms on random configs', () => {
  const rng = new Rng(99);
  for (let trial = 0; trial < 40; trial++) {
    const arch = trial % 2 ? 'dense' : 'memoryformer';
    const cfg = randomConfig(rng, arch);
    const s = 1 + rng.int(3000);
    const d = cfg.dModel;
    const acc = modelAccount(cfg, s);
    let expected: number;
    if (arch === 'dense') {
      // Q, K, V, O: 4 s d^2; FFN: 2 s d (m d).
      expected = 4 * s * d * d + 2 * s * d * cfg.ffnMult * d;
      assert.equal(acc.perBlock.detailed.withoutAttention, expected);
      if (cfg.ffnMult === 4) assert.equal(acc.perBlock.paper.withoutAttention, expected);
    } else {
      const K = d / cfg.tau;
      const E = (cfg.tau + cfg.expandBits) * K;
      // Row sums: Q, K, V, ML2 each s K d, ML1 s K E. Hashing 2 s n: one shared hash of the d
      // block input (Q/K/V), one of ML1's d input, one of ML2's E input.
      expected = s * K * (4 * d + E) + 2 * s * (2 * d + E);
      assert.equal(acc.perBlock.detailed.withoutAttention, expected);
      assert.equal(acc.perBlock.paper.withoutAttention, 6 * K * s * d);
    }
    assert.equal(acc.perBlock.detailed.attention, 2 * s * s * d);
    assert.equal(acc.blocks.detailed.total, cfg.nLayers * (expected + 2 * s * s * d));
    assert.equal(acc.lmHead.flops, s * d * cfg.vocabSize);
    assert.equal(acc.total.detailedFlops, acc.blocks.detailed.total + s * d * cfg.vocabSize);
  }
});

test('report pairs a preset with its counterpart, either way round', () => {
  const a = flopsReport(getPreset('paper-tiny'), 2048, 'paper-tiny');
  const b = flopsReport(getPreset('pythia-70m'), 2048, 'pythia-70m');
  assert.equal(a.subject, 'memoryformer');
  assert.equal(b.subject, 'dense');
  assert.deepEqual(a.dense.perBlock.paper, b.dense.perBlock.paper);
  assert.deepEqual(a.memoryformer.perBlock.paper, b.memoryformer.perBlock.paper);
  const want = 100 * (1 - a.memoryformer.perBlock.paper.total / a.dense.perBlock.paper.total);
  assert.equal(a.savingPercent.perBlock.paper.total, want);
  assertWithin(a.savingPercent.perBlock.paper.total, 100 * (1 - 4.7 / 10.7), 0.05, 'saving per block');
  // MemoryFormer trades memory for FLOPs: its tables are far larger than the dense weights.
  assert.ok(a.savingPercent.perBlock.weightBytesFp16 < -1000);
});

test('bad sequence lengths and configs are refused with a clear message', () => {
  assert.throws(() => modelAccount(getPreset('paper-tiny'), 0), /sequence length must be a positive integer/);
  assert.throws(() => modelAccount(getPreset('paper-tiny'), 1.5), /sequence length/);
  const bad = { ...getPreset('paper-tiny'), tau: 7 };
  assert.throws(() => flopsReport(bad, 16), /divisible by tau/);
});
