/**
 * BPE training on the unique pre-tokenized pieces of a corpus.
 *
 * The corpus is read once: pieces are counted in a Map. Training then works on the unique pieces
 * ("words") with their counts: pair counts are kept up to date incrementally, and each merge only
 * revisits the words that contain the merged pair (found through an index pair -> words), so the
 * cost of a merge is proportional to the words it changes, not to the corpus.
 *
 * Deterministic: the next merge is the pair with the highest count, ties broken by the smaller
 * pair key (left id * 65536 + right id). Word order (which depends on corpus order) never matters.
 */
import { bytesToLatin1, detachedCopy, toBytes } from './byte-level.js';
import { PairHeap } from './pair-heap.js';
import { forEachPiece } from './pretokenize.js';
import { FIRST_BYTE_ID, FIRST_MERGE_ID, MAX_VOCAB_SIZE } from './special-tokens.js';
import { Tokenizer } from './tokenizer.js';

export interface TrainBpeOptions {
  /** Total vocabulary size, special and byte tokens included (at least 262, at most 65536). */
  vocabSize: number;
  /** Stop early when the best pair occurs fewer times than this (default 2). */
  minFrequency?: number;
  /**
   * Accepted for API symmetry with the rest of the training code; training uses no randomness
   * (ties are broken by a fixed rule), so the result does not depend on it.
   */
  seed?: number;
  /** Called every 256 merges and at the end, e.g. to print progress. */
  onProgress?: (mergesDone: number, mergesWanted: number) => void;
}

/** Counts the pre-tokenizer pieces of every text. Keys are latin1 byte strings. */
export function countPieces(texts: Iterable<string | Uint8Array>, into = new Map<string, number>()): Map<string, number> {
  for (const text of texts) {
    const s = bytesToLatin1(toBytes(text));
    forEachPiece(s, (a, b) => {
      const piece = s.slice(a, b);
      const count = into.get(piece);
      if (count === undefined) into.set(detachedCopy(piece), 1);
      else into.set(piece, count + 1);
    });
  }
  return into;
}

export function pairKey(left: number, right: number): number {
  return left * MAX_VOCAB_SIZE + right;
}

/**
 * Learns up to `numMerges` merges from piece counts. Returns [left id, right id] per merge, in
 * order; merge r creates token id FIRST_MERGE_ID + r.
 */
export function learnMerges(
  pieceCounts: Map<string, number>,
  numMerges: number,
  minFrequency: number,
  onProgress?: (done: number, wanted: number) => void,
): Array<[number, number]> {
  const words: Int32Array[] = [];
  const counts: number[] = [];
  for (const [piece, count] of pieceCounts) {
    if (piece.length < 2) continue; // a single byte has no pair to merge
    const w = new Int32Array(piece.length);
    for (let i = 0; i < piece.length; i++) w[i] = FIRST_BYTE_ID + piece.charCodeAt(i);
    words.push(w);
    counts.push(count);
  }

  const pairCounts = new Map<number, number>();
  const wordsWithPair = new Map<number, number[]>();
  const addPair = (key: number, delta: number) => {
    const c = (pairCounts.get(key) ?? 0) + delta;
    if (c === 0) pairCounts.delete(key);
    else pairCounts.set(key, c);
  };
  const indexPair = (key: number, word: number) => {
    const list = wordsWithPair.get(key);
    if (list === undefined) wordsWithPair.set(key, [word]);
    else if (list[list.length - 1] !== word) list.push(word);
  };
  for (let w = 0; w < words.length; w++) {
    const word = words[w]!;
    for (let i = 0; i + 1 < word.length; i++) {
      const key = pairKey(word[i]!, word[i + 1]!);
      addPair(key, counts[w]!);
      indexPair(key, w);
    }
  }
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: Array<[number, number]> = [];
  // lastVisit[w] = merge number that last rewrote word w (the index lists may repeat a word).
  const lastVisit = new Int32Array(words.length).fill(-1);
  const touched = new Set<number>();
  const scratch: number[] = [];
  while (merges.length < numMerges) {
    const top = heap.pop();
    if (top === null) break;
    const [count, key] = top;
    const current = pairCounts.get(key) ?? 0;
    if (current !== count) {
      // Stale entry: counts only ever drop below what was pushed, so re-queue the true count.
      if (current > 0) heap.push(current, key);
      continue;
    }
    if (count < minFrequency) break;
    const left = Math.floor(key / MAX_VOCAB_SIZE);
    const right = key % MAX_VOCAB_SIZE;
    const merged = FIRST_MERGE_ID + merges.length;
    merges.push([left, right]);
    touched.clear();
    for (const w of wordsWithPair.get(key) ?? []) {
      if (lastVisit[w] === merges.length) continue;
      lastVisit[w] = merges.length;
      const word = words[w]!;
      const n = counts[w]!;
      // Rewrite the word left to right, merging non-overlapping occurrences.
      scratch.length = 0;
      for (let i = 0; i < word.length; ) {
        if (i + 1 < word.length && word[i] === left && word[i + 1] === right) {
          scratch.push(merged);
          i += 2;
        } else {
          scratch.push(word[i]!);
          i += 1;
        }
      }
      if (scratch.length === word.length) continue; // index entry was out of date
      for (let i = 0; i + 1 < word.length; i++) addPair(pairKey(word[i]!, word[i + 1]!), -n);
      const next = Int32Array.from(scratch);
      for (let i = 0; i + 1 < next.length; i++) {
        const a = next[i]!;
        const b = next[i + 1]!;
        const k = pairKey(a, b);
        addPair(k, n);
        // Only pairs that contain the new token can have grown; others just shrank.
        if (a === merged || b === merged) {
          indexPair(k, w);
          touched.add(k);
        }
      }
      words[w] = next;
    }
    pairCounts.delete(key);
    wordsWithPair.delete(key);
    for (const k of touched) {
      const c = pairCounts.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
    if (onProgress && merges.length % 256 === 0) onProgress(merges.length, numMerges);
  }
  onProgress?.(merges.length, numMerges);
  return merges;
}

/** Trains a byte-level BPE tokenizer with the fixed special tokens (see special-tokens.ts). */
export function trainBpe(texts: Iterable<string | Uint8Array>, options: TrainBpeOptions): Tokenizer {
  const { vocabSize } = options;
  const minFrequency = options.minFrequency ?? 2;
  if (!Number.isInteger(vocabSize) || vocabSize < FIRST_MERGE_ID || vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(
      `trainBpe: vocabSize must be an integer from ${FIRST_MERGE_ID} (special + byte tokens) to ${MAX_VOCAB_SIZE}, got ${vocabSize}`,
    );
  }
  if (!Number.isFinite(minFrequency) || minFrequency < 1) {
    throw new RangeError(`trainBpe: minFrequency must be a number >= 1, got ${minFrequency}`);
  }
  const merges = learnMerges(countPieces(texts), vocabSize - FIRST_MERGE_ID, minFrequency, options.onProgress);
  return Tokenizer.fromMerges(merges);
}
