/**
 * A small, repetitive, code-like workspace for fine-tuning tests: files built from a handful of
 * templates with seeded random names and numbers, so a few dozen training steps measurably lower
 * the held-out bits per byte of a random tiny model.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Rng } from '../../server/src/util/rng.js';

const NAMES = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'sigma', 'kappa', 'theta'];

function fileText(rng: Rng): string {
  const lines: string[] = [`import { clamp } from './util';`, ''];
  const fns = 4 + rng.int(4);
  for (let i = 0; i < fns; i++) {
    const name = `${NAMES[rng.int(NAMES.length)]}${rng.int(100)}`;
    const k = 1 + rng.int(9);
    lines.push(`export function ${name}(value: number): number {`);
    lines.push(`  const scaled = value * ${k};`);
    lines.push(`  return clamp(scaled, 0, ${k * 10});`);
    lines.push('}');
    lines.push('');
  }
  return lines.join('\n');
}

/** Writes `files` source files (src/mod<i>.ts) and returns their relative paths. */
export function writeSyntheticWorkspace(root: string, files: number, seed: number): string[] {
  const rng = new Rng(seed);
  const out: string[] = [];
  for (let i = 0; i < files; i++) {
    const rel = `src/mod${i}.ts`;
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, fileText(rng));
    out.push(rel);
  }
  return out;
}
