/**
 * Corpus folder + tokenizer -> train.bin / val.bin (uint16 LE token streams, see token-stream.ts)
 * and tokens.json (what produced them). Each document becomes plain text or, for `fimRate` of
 * them, an SPM fill-in-the-middle example (fim-document.ts), ending with <|endoftext|>.
 *
 * Deterministic given the seed: each split has its own Rng (seeded from the seed and the split),
 * which first shuffles the document order (so a trainer reading contiguous windows sees a mix of
 * packages) and then makes the FIM draws.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';
import { Rng } from '../util/rng.js';
import { DEFAULT_FIM_RATE, encodeDocument } from './fim-document.js';
import { readManifest, readSplitDocuments } from './manifest.js';
import { TokenStreamWriter } from './token-stream.js';
import type { Split } from './split.js';

export const TOKEN_SPLITS: readonly Split[] = ['train', 'val'];
export const TOKENS_META_FILE = 'tokens.json';

export interface TokenStreamOptions {
  seed: number;
  fimRate?: number;
  log?: (line: string) => void;
}

export interface SplitTokenStats {
  documents: number;
  fimDocuments: number;
  tokens: number;
  bytes: number;
}

export function splitRng(seed: number, split: Split): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ (TOKEN_SPLITS.indexOf(split) + 1) * 0x85ebca6b) >>> 0);
}

export async function writeTokenStreams(dir: string, tokenizer: Tokenizer, opts: TokenStreamOptions): Promise<Record<string, SplitTokenStats>> {
  const fimRate = opts.fimRate ?? DEFAULT_FIM_RATE;
  const manifest = readManifest(dir);
  const stats: Record<string, SplitTokenStats> = {};
  for (const split of TOKEN_SPLITS) {
    const rng = splitRng(opts.seed, split);
    const docs = rng.shuffle([...readSplitDocuments(dir, manifest, split)]);
    const writer = await TokenStreamWriter.open(join(dir, `${split}.bin`));
    const s: SplitTokenStats = { documents: 0, fimDocuments: 0, tokens: 0, bytes: 0 };
    try {
      for (const { bytes } of docs) {
        const ids = encodeDocument(tokenizer, bytes, rng, fimRate);
        if (ids[0] === SPECIAL_IDS.fimPrefix) s.fimDocuments++;
        s.documents++;
        s.bytes += bytes.length;
        await writer.write(ids);
        if (s.documents % 2000 === 0) opts.log?.(`${split}: ${s.documents}/${docs.length} documents, ${writer.tokens} tokens`);
      }
      s.tokens = await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    opts.log?.(`${split}.bin: ${s.documents} documents (${s.fimDocuments} FIM), ${s.tokens} tokens, ${(s.bytes / Math.max(1, s.tokens)).toFixed(2)} bytes/token`);
    stats[split] = s;
  }
  const meta = {
    format: 'uint16-le',
    vocabSize: tokenizer.vocabSize,
    seed: opts.seed,
    fimRate,
    fimMode: 'spm',
    fimSplitPoints: 'character',
    endOfTextId: SPECIAL_IDS.endOfText,
    splits: stats,
  };
  writeFileSync(join(dir, TOKENS_META_FILE), JSON.stringify(meta, null, 2) + '\n');
  return stats;
}
