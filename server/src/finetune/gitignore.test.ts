/**
 * The .gitignore matcher against git itself: random folder trees with random .gitignore files
 * (root and nested, negations, dir-only, anchored, **, classes), and the set of files the
 * collector keeps must equal `git ls-files --others --exclude-standard` in the same tree.
 * Skipped (not failed) only where git is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { collectWorkspace } from './collect.js';
import { compileExcludeGlob, parseIgnoreLine } from './gitignore.js';

const hasGit = spawnSync('git', ['--version']).status === 0;

const DIRS = ['a', 'b', 'src', 'lib', 'gen', 'logs', 'deep'];
const FILES = ['x.ts', 'y.ts', 'keep.ts', 'x.gen.ts', 'debug.ts', 'z1.ts', 'zz.ts'];
const PATTERNS = [
  '*.gen.ts', '/a', 'b/', 'src/**/x.ts', '!keep.ts', 'lib/*.ts', '**/logs', '!/lib/keep.ts', 'gen', 'a/**',
  '?.ts', '[xy].ts', '!x.ts', 'deep/**/y.ts', 'z[0-9].ts', '!src/', 'debug.ts', '/src/b', '**/gen/*.ts',
  '# a comment', '', 'logs/', '!gen/', '*.ts', '!*.gen.ts', 'deep/', 'b/**/keep.ts', '\\#x.ts', 'zz.ts   ',
];

function randomTree(root: string, rng: Rng): void {
  let n = 0;
  const fill = (dir: string, depth: number) => {
    mkdirSync(dir, { recursive: true });
    for (const f of FILES) if (rng.next() < 0.5) writeFileSync(join(dir, f), `export const v${n++} = ${rng.int(1e9)}; // padding so the file is not tiny: ${'x'.repeat(40)}\n`);
    if (rng.next() < 0.6) {
      const lines = Array.from({ length: 1 + rng.int(5) }, () => PATTERNS[rng.int(PATTERNS.length)]!);
      writeFileSync(join(dir, '.gitignore'), lines.join(rng.next() < 0.2 ? '\r\n' : '\n') + '\n');
    }
    if (depth < 3) for (const d of DIRS) if (rng.next() < 0.35) fill(join(dir, d), depth + 1);
  };
  fill(root, 0);
}

function gitUntracked(root: string): string[] {
  spawnSync('git', ['init', '-q'], { cwd: root });
  const r = spawnSync('git', ['-c', 'core.excludesFile=/dev/null', 'ls-files', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.endsWith('.ts')).sort();
}

test('collection honours .gitignore exactly as git does (random trees, nested files, negation)', { skip: !hasGit && 'git is not installed' }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'mf-gitignore-'));
  try {
    let compared = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const root = join(base, `t${seed}`);
      randomTree(root, new Rng(seed));
      const expected = gitUntracked(root);
      const got = (await collectWorkspace([root])).files.map((f) => f.rel).sort();
      assert.deepEqual(got, expected, `tree ${seed}: collector and git disagree`);
      compared += expected.length;
    }
    assert.ok(compared > 100, `too few kept files compared (${compared}): the random trees are degenerate`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('gitignore lines: comments, escapes, trailing spaces, negation, dir-only, anchoring', () => {
  assert.equal(parseIgnoreLine('# note'), undefined);
  assert.equal(parseIgnoreLine('   '), undefined);
  const hash = parseIgnoreLine('\\#x.ts')!;
  assert.ok(hash.regex.test('#x.ts') && !hash.negate);
  const neg = parseIgnoreLine('!keep.ts')!;
  assert.ok(neg.negate && neg.regex.test('deep/keep.ts'));
  const dir = parseIgnoreLine('logs/')!;
  assert.ok(dir.dirOnly && dir.regex.test('a/logs'));
  const anchored = parseIgnoreLine('/build')!;
  assert.ok(anchored.regex.test('build') && !anchored.regex.test('src/build'));
  const middle = parseIgnoreLine('src/gen')!;
  assert.ok(middle.regex.test('src/gen') && !middle.regex.test('x/src/gen'));
  const spaces = parseIgnoreLine('a.ts   ')!;
  assert.ok(spaces.regex.test('a.ts'));
});

test('exclude globs in VS Code syntax: **, braces, names at any depth, folders', () => {
  const cases: Array<[string, string, boolean]> = [
    ['**/node_modules', 'node_modules', true],
    ['**/node_modules', 'a/b/node_modules', true],
    ['**/*.{log,tmp}', 'x/y.log', true],
    ['**/*.{log,tmp}', 'x/y.ts', false],
    ['*.snap', 'deep/down/a.snap', true],
    ['src/generated/**', 'src/generated/a/b.ts', true],
    ['src/generated/**', 'src/other/a.ts', false],
    ['out/', 'out', true],
    ['docs/*.ts', 'docs/a.ts', true],
    ['docs/*.ts', 'docs/sub/a.ts', false],
  ];
  for (const [glob, path, want] of cases) assert.equal(compileExcludeGlob(glob).test(path), want, `${glob} vs ${path}`);
});
