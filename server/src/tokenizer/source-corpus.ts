/**
 * Real source code already on disk (installed packages), for training tokenizers in benchmarks and
 * tests without downloading anything. File order is sorted, so corpora are reproducible.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export const CODE_EXTENSIONS = ['.ts', '.js', '.mjs', '.cjs', '.tsx', '.jsx'];

/** All files under `root` with one of the extensions, sorted by path; symlinks are not followed. */
export function findSourceFiles(root: string, extensions: readonly string[] = CODE_EXTENSIONS): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && extensions.some((e) => name.endsWith(e))) out.push(p);
    }
  };
  walk(root);
  return out;
}

/** The nearest node_modules folder above any of the start folders, or null. */
export function findNodeModules(startDirs: readonly string[]): string | null {
  for (let dir of startDirs) {
    for (;;) {
      const candidate = join(dir, 'node_modules');
      if (existsSync(join(candidate, 'typescript'))) return candidate;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return null;
}

/** Whether a file belongs to the held-out part: a stable hash (FNV-1a) of its path relative to root. */
export function isHeldOut(path: string, root: string, fraction: number): boolean {
  let h = 0x811c9dc5;
  const rel = relative(root, path);
  for (let i = 0; i < rel.length; i++) h = Math.imul(h ^ rel.charCodeAt(i), 0x01000193) >>> 0;
  return h / 4294967296 < fraction;
}

/**
 * Reads files in order until `maxBytes` in total, taking at most `maxPerFile` bytes of each so that
 * one huge file (typescript.js is 9 MB) does not make up the whole corpus.
 */
export function readCorpus(paths: readonly string[], maxBytes: number, maxPerFile = 256 * 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  let total = 0;
  for (const p of paths) {
    if (total >= maxBytes) break;
    const bytes = readFileSync(p);
    const take = Math.min(bytes.length, maxPerFile, maxBytes - total);
    out.push(new Uint8Array(bytes.buffer, bytes.byteOffset, take));
    total += take;
  }
  return out;
}
