/**
 * One corpus document -> training tokens, either as plain text or, for a share of documents, in
 * fill-in-the-middle form (SPM order, see tokenizer/fim-prompt.ts), always ending with <|endoftext|>:
 *   plain: text <|endoftext|>
 *   FIM:   <|fim_prefix|> <|fim_suffix|> suffix <|fim_middle|> prefix middle <|endoftext|>
 *
 * Split points are character-level, as in the FIM paper and StarCoder: two positions drawn
 * uniformly over the document (then sorted) cut it into prefix / middle / suffix, so the middle
 * can start and end mid-line and mid-word, which is where completion requests happen (the cursor
 * is usually mid-line). Positions are moved back to the start of a UTF-8 character so that no
 * part holds half a character. Randomness comes only from the Rng passed in: the same seed and
 * documents give the same tokens.
 */
import type { Rng } from '../util/rng.js';
import type { Tokenizer } from '../tokenizer/tokenizer.js';
import { encodeFimExample } from '../tokenizer/fim-prompt.js';
import { SPECIAL_IDS } from '../tokenizer/special-tokens.js';

export interface FimParts {
  prefix: Uint8Array;
  middle: Uint8Array;
  suffix: Uint8Array;
}

export const DEFAULT_FIM_RATE = 0.5;

/** Moves a byte position back to the start of the UTF-8 character it falls in. */
function charStart(bytes: Uint8Array, pos: number): number {
  while (pos > 0 && pos < bytes.length && (bytes[pos]! & 0xc0) === 0x80) pos--;
  return pos;
}

/** Two uniform cut points in [0, length], sorted, on character boundaries. */
export function randomFimParts(bytes: Uint8Array, rng: Rng): FimParts {
  const a = charStart(bytes, rng.int(bytes.length + 1));
  const b = charStart(bytes, rng.int(bytes.length + 1));
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  return { prefix: bytes.subarray(0, lo), middle: bytes.subarray(lo, hi), suffix: bytes.subarray(hi) };
}

/**
 * Tokens of one document. Always draws one number (the FIM decision) and, for FIM documents, two
 * more (the cut points), so the stream of draws depends only on the documents and the seed.
 */
export function encodeDocument(tokenizer: Tokenizer, bytes: Uint8Array, rng: Rng, fimRate = DEFAULT_FIM_RATE): number[] {
  if (!(fimRate >= 0 && fimRate <= 1)) throw new RangeError(`FIM rate must be in [0, 1], got ${fimRate}`);
  if (rng.next() < fimRate) {
    const parts = randomFimParts(bytes, rng);
    return encodeFimExample(tokenizer, { ...parts, mode: 'spm' });
  }
  const ids = tokenizer.encode(bytes);
  ids.push(SPECIAL_IDS.endOfText);
  return ids;
}
