/**
 * The corpus manifest (corpus.json in the output folder): every kept file with its package,
 * license, size and split, and every source with what happened to it. The split text files
 * (train.txt, val.txt, test.txt) are the kept files concatenated in manifest order; `offset` and
 * `bytes` locate each file in its split's text file, so documents can be read back exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DropReason, Language } from './file-filter.js';
import type { DuplicateKind } from './dedup.js';
import type { SourceKind } from './sources.js';
import { SPLITS, type Split, type SplitFractions } from './split.js';

export const MANIFEST_FILE = 'corpus.json';
export const MANIFEST_FORMAT = 'memoryformer-corpus/1';

export type FileDropReason = DropReason | DuplicateKind | 'budget';

export interface ManifestFile {
  /** Path inside the package, '/' separated. */
  file: string;
  /** "name@version". */
  package: string;
  license: string;
  language: Language;
  bytes: number;
  split: Split;
  /** Byte offset of the file in <split>.txt. */
  offset: number;
}

export interface ManifestSource {
  kind: SourceKind;
  name: string;
  version: string;
  status: 'used' | 'refused';
  license: string;
  /** Why a refused source was refused. */
  reason?: string;
  files: number;
  bytes: number;
  dropped: Partial<Record<FileDropReason, number>>;
}

export interface CorpusManifest {
  format: typeof MANIFEST_FORMAT;
  maxBytes: number;
  splitFractions: SplitFractions;
  sources: ManifestSource[];
  files: ManifestFile[];
}

export function splitTextFile(dir: string, split: Split): string {
  return join(dir, `${split}.txt`);
}

export function readManifest(dir: string): CorpusManifest {
  const path = join(dir, MANIFEST_FILE);
  let m: CorpusManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as CorpusManifest;
  } catch (e) {
    throw new Error(`cannot read the corpus manifest ${path} (${(e as Error).message}); build the corpus first with 'memoryformer corpus --out ${dir}'`);
  }
  if (m.format !== MANIFEST_FORMAT) throw new Error(`${path}: format ${JSON.stringify(m.format)} is not ${MANIFEST_FORMAT}; rebuild the corpus`);
  return m;
}

/** The documents of one split, in manifest order, as exact bytes. */
export function* readSplitDocuments(dir: string, manifest: CorpusManifest, split: Split): Generator<{ file: ManifestFile; bytes: Uint8Array }> {
  const text = readFileSync(splitTextFile(dir, split));
  for (const file of manifest.files) {
    if (file.split !== split) continue;
    if (file.offset + file.bytes > text.length) throw new Error(`${splitTextFile(dir, split)} is shorter than the manifest says; rebuild the corpus`);
    yield { file, bytes: text.subarray(file.offset, file.offset + file.bytes) };
  }
}

export interface CorpusTotals {
  filesKept: number;
  bytesKept: number;
  dropped: Partial<Record<FileDropReason, number>>;
  bytesByLanguage: Partial<Record<Language, number>>;
  bySplit: Record<Split, { files: number; bytes: number }>;
  sourcesUsed: number;
  sourcesRefused: number;
}

export function corpusTotals(m: CorpusManifest): CorpusTotals {
  const t: CorpusTotals = {
    filesKept: m.files.length,
    bytesKept: 0,
    dropped: {},
    bytesByLanguage: {},
    bySplit: Object.fromEntries(SPLITS.map((s) => [s, { files: 0, bytes: 0 }])) as CorpusTotals['bySplit'],
    sourcesUsed: m.sources.filter((s) => s.status === 'used').length,
    sourcesRefused: m.sources.filter((s) => s.status === 'refused').length,
  };
  for (const f of m.files) {
    t.bytesKept += f.bytes;
    t.bytesByLanguage[f.language] = (t.bytesByLanguage[f.language] ?? 0) + f.bytes;
    t.bySplit[f.split].files++;
    t.bySplit[f.split].bytes += f.bytes;
  }
  for (const s of m.sources) {
    for (const [reason, n] of Object.entries(s.dropped) as Array<[FileDropReason, number]>) t.dropped[reason] = (t.dropped[reason] ?? 0) + n;
  }
  return t;
}
