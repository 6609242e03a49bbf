/**
 * Train / validation / held-out test assignment by file: a stable hash of "package/path", so a
 * file stays in its split when other files or packages are added or removed, and on every
 * machine. (Splitting by file, not by chunk, keeps one file's text out of two splits.)
 */
import { createHash } from 'node:crypto';

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

export interface SplitFractions {
  val: number;
  test: number;
}

export const DEFAULT_SPLIT_FRACTIONS: SplitFractions = { val: 0.05, test: 0.05 };

/** A number in [0, 1) from the first 48 bits of SHA-256 of the key. */
export function stableUnit(key: string): number {
  const d = createHash('sha256').update(key, 'utf8').digest();
  return d.readUIntBE(0, 6) / 2 ** 48;
}

export function splitOf(pkg: string, path: string, fractions: SplitFractions = DEFAULT_SPLIT_FRACTIONS): Split {
  if (!(fractions.val >= 0 && fractions.test >= 0 && fractions.val + fractions.test < 1)) {
    throw new RangeError(`split fractions must be >= 0 and leave room for training data, got val=${fractions.val} test=${fractions.test}`);
  }
  const u = stableUnit(`${pkg}/${path}`);
  if (u < fractions.test) return 'test';
  if (u < fractions.test + fractions.val) return 'val';
  return 'train';
}
