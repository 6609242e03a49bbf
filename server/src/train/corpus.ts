/**
 * Reads a training corpus: a directory of text files (recursively, sorted by path so the token
 * stream is the same on every machine), tokenised with the project's BPE tokenizer when one is
 * given, else byte-level (id = byte value; vocabulary 256).
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizer } from '../tokenizer/index.js';

export interface Corpus {
  tokens: Int32Array;
  files: number;
  bytes: number;
  /** Size of the token vocabulary the ids come from. */
  vocabSize: number;
  tokenizer: 'bytes' | string;
}

const SKIP = new Set(['node_modules', '.git', 'dist', 'out']);

async function listFiles(dir: string, out: string[]): Promise<void> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await listFiles(p, out);
    else if (e.isFile()) out.push(p);
  }
}

function looksBinary(b: Uint8Array): boolean {
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) if (b[i] === 0) return true;
  return false;
}

export async function readCorpusDir(dir: string, tokenizerFile?: string): Promise<Corpus> {
  let stat;
  try {
    stat = await fsp.stat(dir);
  } catch {
    throw new Error(`--data ${dir} does not exist; point it at a directory of text (source) files`);
  }
  if (!stat.isDirectory()) throw new Error(`--data ${dir} is not a directory; point it at a directory of text (source) files`);
  const files: string[] = [];
  await listFiles(dir, files);
  files.sort();
  const tok = tokenizerFile ? await loadTokenizer(tokenizerFile) : undefined;
  const parts: Int32Array[] = [];
  let bytes = 0;
  let used = 0;
  const newline = Int32Array.from(tok ? tok.encode('\n') : [10]);
  for (const f of files) {
    const b = new Uint8Array(await fsp.readFile(f));
    if (!b.length || looksBinary(b)) continue;
    used++;
    bytes += b.length;
    parts.push(tok ? Int32Array.from(tok.encode(b)) : Int32Array.from(b));
    parts.push(newline); // files end with a newline, then the next begins
  }
  if (!used) throw new Error(`--data ${dir} holds no text files (binary files and dot-files are skipped)`);
  const total = parts.reduce((a, p) => a + p.length, 0);
  const tokens = new Int32Array(total);
  let off = 0;
  for (const p of parts) {
    tokens.set(p, off);
    off += p.length;
  }
  return { tokens, files: used, bytes, vocabSize: tok ? tok.vocabSize : 256, tokenizer: tokenizerFile ?? 'bytes' };
}
