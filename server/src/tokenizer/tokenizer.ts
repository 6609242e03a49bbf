/**
 * The byte-level BPE tokenizer: encode bytes (or text) to ids and back, exactly, for any bytes.
 *
 * Vocabulary layout (fixed, see special-tokens.ts): ids 0..5 special tokens, 6..261 single bytes,
 * 262.. merges in learned order (merge r has id 262 + r and both its parts have smaller ids, which
 * is what makes "lowest rank first" well defined).
 */
import { applyMerges, type MergeTable } from './apply-merges.js';
import { bytesToLatin1, detachedCopy, toBytes } from './byte-level.js';
import { forEachPiece } from './pretokenize.js';
import {
  FIRST_BYTE_ID,
  FIRST_MERGE_ID,
  isSpecialId,
  MAX_VOCAB_SIZE,
  SPECIAL_IDS,
  SPECIAL_TOKENS,
  type SpecialTokenName,
} from './special-tokens.js';

/** Pieces up to this many bytes are cached; longer ones are rare and would bloat the cache. */
const MAX_CACHED_PIECE = 128;
/** The cache is emptied when it reaches this many pieces (a crude bound that keeps memory flat). */
const MAX_CACHE_ENTRIES = 200_000;

export class Tokenizer {
  /** Number of ids, special tokens included. */
  readonly vocabSize: number;
  /** The merges in learned order, as [left id, right id]; merge r creates id FIRST_MERGE_ID + r. */
  readonly merges: ReadonlyArray<readonly [number, number]>;
  private readonly bytesOfId: Uint8Array[];
  private readonly table: MergeTable;
  private readonly cache = new Map<string, number[]>();

  private constructor(merges: ReadonlyArray<readonly [number, number]>) {
    const textEncoder = new TextEncoder();
    this.merges = merges.map(([a, b]) => [a, b] as const);
    this.vocabSize = FIRST_MERGE_ID + merges.length;
    if (this.vocabSize > MAX_VOCAB_SIZE) {
      throw new RangeError(`tokenizer: ${this.vocabSize} tokens exceed the supported maximum of ${MAX_VOCAB_SIZE}`);
    }
    this.bytesOfId = new Array<Uint8Array>(this.vocabSize);
    for (const t of SPECIAL_TOKENS) this.bytesOfId[t.id] = textEncoder.encode(t.content);
    for (let b = 0; b < 256; b++) this.bytesOfId[FIRST_BYTE_ID + b] = Uint8Array.of(b);
    const rankOfPair = new Map<number, number>();
    const idOfRank = new Int32Array(merges.length);
    merges.forEach(([a, b], r) => {
      const id = FIRST_MERGE_ID + r;
      for (const part of [a, b]) {
        if (!Number.isInteger(part) || part < FIRST_BYTE_ID || part >= id) {
          throw new Error(
            `tokenizer: merge ${r} uses id ${part}; a merge may only join byte tokens or earlier merges (ids ${FIRST_BYTE_ID}..${id - 1})`,
          );
        }
      }
      const key = a * MAX_VOCAB_SIZE + b;
      if (rankOfPair.has(key)) throw new Error(`tokenizer: merge ${r} repeats merge ${rankOfPair.get(key)} (${a} + ${b})`);
      rankOfPair.set(key, r);
      idOfRank[r] = id;
      const left = this.bytesOfId[a]!;
      const right = this.bytesOfId[b]!;
      const joined = new Uint8Array(left.length + right.length);
      joined.set(left, 0);
      joined.set(right, left.length);
      this.bytesOfId[id] = joined;
    });
    this.table = { rankOfPair, idOfRank };
  }

  /** A tokenizer with the fixed special/byte layout and these merges (ids of [left, right] in learned order). */
  static fromMerges(merges: ReadonlyArray<readonly [number, number]>): Tokenizer {
    return new Tokenizer(merges);
  }

  /** The id of a special token, for building prompts explicitly. */
  specialId(name: SpecialTokenName): number {
    return SPECIAL_IDS[name];
  }

  /**
   * Bytes or text -> ids. Never returns a special token id: text that spells "<|endoftext|>" is
   * encoded as ordinary bytes. Strings are UTF-8 encoded first.
   */
  encode(input: Uint8Array | string): number[] {
    const bytes = toBytes(input);
    const s = bytesToLatin1(bytes);
    const out: number[] = [];
    forEachPiece(s, (start, end) => {
      const len = end - start;
      if (len === 1) {
        out.push(FIRST_BYTE_ID + s.charCodeAt(start));
        return;
      }
      if (len <= MAX_CACHED_PIECE) {
        const piece = s.slice(start, end);
        let ids = this.cache.get(piece);
        if (ids === undefined) {
          ids = this.encodePiece(s, start, end);
          if (this.cache.size >= MAX_CACHE_ENTRIES) this.cache.clear();
          this.cache.set(detachedCopy(piece), ids);
        }
        for (let i = 0; i < ids.length; i++) out.push(ids[i]!);
      } else {
        for (const id of this.encodePiece(s, start, end)) out.push(id);
      }
    });
    return out;
  }

  private encodePiece(s: string, start: number, end: number): number[] {
    const symbols = new Array<number>(end - start);
    for (let i = start; i < end; i++) symbols[i - start] = FIRST_BYTE_ID + s.charCodeAt(i);
    return applyMerges(symbols, this.table);
  }

  /** The bytes of one token (a special token's bytes are its text, e.g. "<|endoftext|>"). */
  tokenBytes(id: number): Uint8Array {
    const b = this.bytesOfId[id];
    if (b === undefined) {
      throw new RangeError(`tokenizer: id ${id} is not in the vocabulary (valid ids are 0..${this.vocabSize - 1})`);
    }
    return b;
  }

  /**
   * Ids -> bytes. Special tokens are written as their text unless `skipSpecial` is set.
   * decode(encode(b)) equals b for every byte array b.
   */
  decode(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (options.skipSpecial && isSpecialId(id)) continue;
      total += this.tokenBytes(id).length;
    }
    const out = new Uint8Array(total);
    let pos = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (options.skipSpecial && isSpecialId(id)) continue;
      const b = this.bytesOfId[id]!;
      out.set(b, pos);
      pos += b.length;
    }
    return out;
  }

  /** Ids -> text; invalid UTF-8 becomes U+FFFD (use decode() when the exact bytes matter). */
  decodeText(ids: ArrayLike<number>, options: { skipSpecial?: boolean } = {}): string {
    return Buffer.from(this.decode(ids, options)).toString('utf8');
  }
}
