/**
 * `memoryformer tokenizer-bench`: trains a byte-level BPE tokenizer on a few MB of source code that
 * is already installed (node_modules), then measures training time, encode/decode speed and
 * compression (bytes per token) on held-out files. Optionally saves the tokenizer.json.
 */
import { parseArgs } from 'node:util';
import type { Command } from '../main.js';
import { findNodeModules, findSourceFiles, isHeldOut, readCorpus } from '../../tokenizer/source-corpus.js';
import { saveTokenizer } from '../../tokenizer/storage.js';
import { FIRST_MERGE_ID, MAX_VOCAB_SIZE } from '../../tokenizer/special-tokens.js';
import { Tokenizer } from '../../tokenizer/tokenizer.js';
import { countPieces, learnMerges } from '../../tokenizer/train-bpe.js';
import { usageError } from '../usage-error.js';

export const summary = 'train a BPE tokenizer on installed source code; print training time and encode/decode MB/s';

export const usage = `Usage: memoryformer tokenizer-bench [--vocab N] [--mb M] [--dir DIR] [--out FILE]

Trains a byte-level BPE tokenizer (with the fill-in-the-middle special tokens) on M MB of source
code (.ts/.js files, at most 256 KiB from each) and reports the time taken, then encodes and
decodes held-out files (10% of files, chosen by a hash of their path) and reports MB/s and bytes
per token. "Cold" encoding starts with an empty piece cache; "warm" encodes the same text again.

Options:
  --vocab N     vocabulary size, special and byte tokens included (default 8192; ${FIRST_MERGE_ID}..${MAX_VOCAB_SIZE})
  --mb M        megabytes of code to train on (default 4)
  --dir DIR     folder of source code to use (default: the installed node_modules)
  --min-freq F  stop when the best pair occurs fewer than F times (default 2)
  --out FILE    also save the tokenizer as a Hugging Face tokenizer.json
  -h, --help    show this help
`;

function positiveNumber(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw usageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got '${value}'`);
  }
  return n;
}

const mbPerSecond = (bytes: number, ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1);

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      vocab: { type: 'string' },
      mb: { type: 'string' },
      dir: { type: 'string' },
      'min-freq': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const vocabSize = positiveNumber('vocab', values.vocab, 8192, true);
  if (vocabSize < FIRST_MERGE_ID || vocabSize > MAX_VOCAB_SIZE) {
    throw usageError(`--vocab must be from ${FIRST_MERGE_ID} to ${MAX_VOCAB_SIZE}, got ${vocabSize}`);
  }
  const mb = positiveNumber('mb', values.mb, 4, false);
  const minFrequency = positiveNumber('min-freq', values['min-freq'], 2, false);
  const root = values.dir ?? findNodeModules([process.cwd(), __dirname]);
  if (root === null) throw new Error('no node_modules with installed packages found from here; pass --dir FOLDER with source code');

  const files = findSourceFiles(root);
  if (files.length === 0) throw new Error(`no .ts/.js files under ${root}; pass --dir FOLDER with source code`);
  const train = readCorpus(files.filter((f) => !isHeldOut(f, root, 0.1)), mb * 1e6);
  const heldOut = readCorpus(files.filter((f) => isHeldOut(f, root, 0.1)), 4e6);
  const trainBytes = train.reduce((s, b) => s + b.length, 0);
  const heldOutBytes = heldOut.reduce((s, b) => s + b.length, 0);
  const out = (line: string) => process.stdout.write(line + '\n');
  out(`corpus: ${root}`);
  out(`training on ${(trainBytes / 1e6).toFixed(1)} MB (${train.length} files), held out ${(heldOutBytes / 1e6).toFixed(1)} MB (${heldOut.length} files)`);

  let t0 = performance.now();
  const pieces = countPieces(train);
  const countMs = performance.now() - t0;
  t0 = performance.now();
  const merges = learnMerges(pieces, vocabSize - FIRST_MERGE_ID, minFrequency);
  const mergeMs = performance.now() - t0;
  const tokenizer = Tokenizer.fromMerges(merges);
  out(`train: ${((countMs + mergeMs) / 1000).toFixed(1)} s total = count pieces ${(countMs / 1000).toFixed(1)} s ` +
    `(${pieces.size} unique) + ${merges.length} merges ${(mergeMs / 1000).toFixed(1)} s; vocabulary ${tokenizer.vocabSize}`);

  t0 = performance.now();
  const encoded = heldOut.map((b) => tokenizer.encode(b));
  const coldMs = performance.now() - t0;
  t0 = performance.now();
  for (const b of heldOut) tokenizer.encode(b);
  const warmMs = performance.now() - t0;
  const tokens = encoded.reduce((s, ids) => s + ids.length, 0);
  t0 = performance.now();
  const decoded = encoded.map((ids) => tokenizer.decode(ids));
  const decodeMs = performance.now() - t0;
  t0 = performance.now();
  for (const ids of encoded) tokenizer.decodeText(ids);
  const decodeTextMs = performance.now() - t0;
  const exact = decoded.every((d, i) => Buffer.compare(d, heldOut[i]!) === 0);

  out(`encode: ${mbPerSecond(heldOutBytes, coldMs)} MB/s cold cache, ${mbPerSecond(heldOutBytes, warmMs)} MB/s warm`);
  out(`decode: ${mbPerSecond(heldOutBytes, decodeMs)} MB/s to bytes, ${mbPerSecond(heldOutBytes, decodeTextMs)} MB/s to text`);
  out(`held-out: ${(heldOutBytes / tokens).toFixed(3)} bytes/token (${tokens} tokens), round trip ${exact ? 'exact' : 'MISMATCH'}`);
  if (values.out !== undefined) {
    await saveTokenizer(values.out, tokenizer);
    out(`saved ${values.out}`);
  }
  if (!exact) throw new Error('decode(encode(x)) differed from x on held-out files: this is a tokenizer bug');
}

export const tokenizerBenchCommand: Command = { summary, usage, run };
