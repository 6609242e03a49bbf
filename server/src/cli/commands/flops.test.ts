// Runs the real `memoryformer` command as a child process (TypeScript through tsx) and checks its
// output against the paper's Table 1, closed-form FLOPs on random sizes, and its error handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../util/rng.js';
import type { FlopsReport } from '../../model/flops.js';

const root = join(__dirname, '..', '..', '..', '..');

function cli(args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'server/src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, MEMORYFORMER_DEBUG: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function near(actual: number, expected: number, what: string): void {
  const rel = Math.abs(actual - expected) / expected;
  assert.ok(rel <= 0.05, `${what}: got ${actual}, paper ${expected} (${(rel * 100).toFixed(1)}% off)`);
}

test('flops --json reproduces Table 1 for paper-tiny and its dense counterpart (Pythia-70M)', () => {
  const r = cli(['flops', '--preset', 'paper-tiny', '--seq', '2048', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as FlopsReport;
  assert.equal(rep.seqLen, 2048);
  assert.equal(rep.preset, 'paper-tiny');
  assert.equal(rep.subject, 'memoryformer');
  near(rep.memoryformer.perBlock.paper.withoutAttention / 1e9, 0.4, 'MF-tiny w/o attention');
  near(rep.memoryformer.perBlock.paper.total / 1e9, 4.7, 'MF-tiny total');
  near(rep.dense.perBlock.paper.withoutAttention / 1e9, 6.4, 'Pythia-70M w/o attention');
  near(rep.dense.perBlock.paper.total / 1e9, 10.7, 'Pythia-70M total');
  assert.deepEqual(rep.memoryformer.perBlock.layers.map((l) => l.name), ['Q', 'K', 'V', 'ML1', 'ML2']);
  assert.deepEqual(rep.dense.perBlock.layers.map((l) => l.name), ['Q', 'K', 'V', 'O', 'FFN up', 'FFN down']);
  assert.equal(rep.dense.total.params, 70_426_624); // Pythia-70M's published parameter count
});

test('flops --config with a random size and --seq gives the closed-form FLOPs', () => {
  const rng = new Rng(7);
  const dir = mkdtempSync(join(tmpdir(), 'mf-flops-'));
  try {
    for (let trial = 0; trial < 2; trial++) {
      const tau = 3 + rng.int(6);
      const nHeads = 1 + rng.int(4);
      const d = tau * nHeads * 2 * (1 + rng.int(5));
      const s = 1 + rng.int(5000);
      const path = join(dir, `c${trial}.json`);
      writeFileSync(path, JSON.stringify({ preset: 'code-mini', dModel: d, nHeads, tau }));
      const r = cli(['flops', '--config', path, '--seq', String(s), '--json']);
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout) as FlopsReport;
      const K = d / tau;
      assert.equal(rep.memoryformer.perBlock.paper.total, 2 * s * s * d + 6 * K * s * d);
      assert.equal(rep.dense.perBlock.paper.total, 2 * s * s * d + 12 * s * d * d);
      assert.equal(rep.memoryformer.config.vocabSize, 4096); // from the named preset
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('flops prints an aligned human table by default', () => {
  const r = cli(['flops', '--preset', 'paper-tiny']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /s = 2048 tokens/);
  assert.match(r.stdout, /FLOPs total \(paper\)\s+4\.70G\s+10\.74G\s+56\.3%/);
  assert.match(r.stdout, /Whole model \(6 blocks/);
});

test('an unknown preset fails and lists the known ones, without a stack trace', () => {
  const r = cli(['flops', '--preset', 'no-such-model']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^memoryformer: unknown preset 'no-such-model'/);
  assert.match(r.stderr, /paper-tiny, paper-small, paper-base, pythia-70m/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  const debug = cli(['flops', '--preset', 'no-such-model'], { MEMORYFORMER_DEBUG: '1' });
  assert.match(debug.stderr, /\n\s+at /);
});

test('a config whose d is not divisible by tau is refused with a clear message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mf-flops-'));
  try {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ preset: 'paper-tiny', tau: 7 }));
    const r = cli(['flops', '--config', path]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /dModel \(512\) must be divisible by tau \(7\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 2 and name the offending command, option or value', () => {
  const unknownCmd = cli(['flopz']);
  assert.equal(unknownCmd.code, 2);
  assert.match(unknownCmd.stderr, /unknown command 'flopz'.*flops/);
  const unknownOpt = cli(['flops', '--preset', 'paper-tiny', '--frobnicate']);
  assert.equal(unknownOpt.code, 2);
  assert.match(unknownOpt.stderr, /--frobnicate/);
  const badSeq = cli(['flops', '--preset', 'paper-tiny', '--seq', '-3']);
  assert.equal(badSeq.code, 2);
  assert.match(badSeq.stderr, /--seq/);
  const noModel = cli(['flops']);
  assert.equal(noModel.code, 2);
  assert.match(noModel.stderr, /--preset NAME or --config FILE/);
});

test('--help prints usage for the program and for a command', () => {
  const top = cli(['--help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /Usage: memoryformer <command>/);
  assert.match(top.stdout, /\n {2}flops {2}/);
  const sub = cli(['flops', '--help']);
  assert.equal(sub.code, 0);
  assert.match(sub.stdout, /Usage: memoryformer flops/);
  assert.match(sub.stdout, /--preset NAME/);
});
