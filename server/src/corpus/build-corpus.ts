/**
 * Builds the corpus: fetch each pinned source (cached), refuse non-permissive licenses, keep the
 * files that pass the filters (file-filter.ts), drop exact and near duplicates, assign each file a
 * split, and write <out>/corpus.json plus train.txt / val.txt / test.txt. The output folder is
 * replaced atomically, so a failed build leaves the previous corpus intact.
 *
 * Order is fixed (sources in list order, files sorted by path), so the same source list gives the
 * same corpus byte for byte. When --max-mb (or a source's own maxMb) is reached, the remaining
 * files count as 'budget' drops.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, writeFileDurable } from '../util/atomic-write.js';
import { Deduplicator } from './dedup.js';
import { fetchSource, type FetchedSource } from './fetch-package.js';
import { classifyFile, compiledTwins, languageOf } from './file-filter.js';
import { MANIFEST_FILE, MANIFEST_FORMAT, splitTextFile, type CorpusManifest, type FileDropReason, type ManifestSource } from './manifest.js';
import { sourceId, type CorpusSource } from './sources.js';
import { DEFAULT_SPLIT_FRACTIONS, splitOf, SPLITS, type Split, type SplitFractions } from './split.js';

export interface BuildCorpusOptions {
  sources: CorpusSource[];
  outDir: string;
  cacheDir: string;
  maxBytes: number;
  splitFractions?: SplitFractions;
  log?: (line: string) => void;
  /** Replaces fetching (tests): returns a local folder and license for a source. */
  fetch?: (cacheDir: string, s: CorpusSource) => FetchedSource;
}

/** All regular files under root (symlinks are not followed), '/'-separated paths, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p, r);
      else if (st.isFile()) out.push(r);
    }
  };
  walk(root, '');
  return out;
}

export async function buildCorpus(opts: BuildCorpusOptions): Promise<CorpusManifest> {
  const log = opts.log ?? (() => undefined);
  const fractions = opts.splitFractions ?? DEFAULT_SPLIT_FRACTIONS;
  const fetch = opts.fetch ?? fetchSource;
  const dedup = new Deduplicator();
  const chunks: Record<Split, Buffer[]> = { train: [], val: [], test: [] };
  const offsets: Record<Split, number> = { train: 0, val: 0, test: 0 };
  const manifest: CorpusManifest = { format: MANIFEST_FORMAT, maxBytes: opts.maxBytes, splitFractions: fractions, sources: [], files: [] };
  let total = 0;

  opts.sources.forEach((s, i) => {
    const tag = `[${i + 1}/${opts.sources.length}] ${sourceId(s)}`;
    const fetched = fetch(opts.cacheDir, s);
    const entry: ManifestSource = { kind: s.kind, name: s.name, version: s.version, status: 'used', license: fetched.license.license, files: 0, bytes: 0, dropped: {} };
    manifest.sources.push(entry);
    if (!fetched.license.accepted) {
      entry.status = 'refused';
      entry.reason = fetched.license.reason;
      log(`${tag}: REFUSED: ${fetched.license.reason}`);
      return;
    }
    const pkg = `${s.name}@${s.version}`;
    const drop = (reason: FileDropReason) => (entry.dropped[reason] = (entry.dropped[reason] ?? 0) + 1);
    const files = listFiles(fetched.root);
    const compiled = compiledTwins(files);
    for (const rel of files) {
      const bytes = readFileSync(join(fetched.root, rel));
      const verdict = compiled.has(rel) && languageOf(rel) ? { keep: false as const, reason: 'compiled' as const } : classifyFile(rel, bytes);
      if (!verdict.keep) {
        drop(verdict.reason);
        continue;
      }
      const dup = dedup.check(`${pkg}/${rel}`, verdict.text);
      if (dup) {
        drop(dup.kind);
        continue;
      }
      if (total + bytes.length > opts.maxBytes || (s.maxBytes !== undefined && entry.bytes + bytes.length > s.maxBytes)) {
        drop('budget');
        continue;
      }
      const split = splitOf(pkg, rel, fractions);
      manifest.files.push({ file: rel, package: pkg, license: fetched.license.license, language: verdict.language, bytes: bytes.length, split, offset: offsets[split] });
      chunks[split].push(bytes);
      offsets[split] += bytes.length;
      total += bytes.length;
      entry.files++;
      entry.bytes += bytes.length;
    }
    const dropped = Object.values(entry.dropped).reduce((a, b) => a + b, 0);
    log(`${tag} ${fetched.license.license}${fetched.cached ? ' (cached)' : ''}: kept ${entry.files} files (${mb(entry.bytes)}), dropped ${dropped}; total ${mb(total)}`);
  });

  await writeDirAtomic(opts.outDir, async (tmp) => {
    for (const split of SPLITS) await writeFileDurable(splitTextFile(tmp, split), chunks[split]);
    await writeFileDurable(join(tmp, MANIFEST_FILE), Buffer.from(JSON.stringify(manifest, null, 1) + '\n'));
  }, { keepOtherEntries: false });
  return manifest;
}

export function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}
