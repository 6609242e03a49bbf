/**
 * Applies learned merges to the symbols of one piece: repeatedly merge the adjacent pair with the
 * lowest rank (earliest learned), leftmost first. Two implementations that give identical results:
 * a simple rescan, quadratic in the piece length but fastest for the short pieces of normal code,
 * and a heap over a linked list for long pieces (minified code, long runs of one character), where
 * the rescan would be quadratic.
 */
import { MAX_VOCAB_SIZE } from './special-tokens.js';

export interface MergeTable {
  /** pair key (left * 65536 + right) -> rank */
  readonly rankOfPair: ReadonlyMap<number, number>;
  /** rank -> id of the merged token */
  readonly idOfRank: Int32Array;
}

/** Pieces longer than this use the heap version. */
export const LONG_PIECE = 48;

export function applyMerges(symbols: number[], table: MergeTable): number[] {
  return symbols.length > LONG_PIECE ? applyMergesHeap(symbols, table) : applyMergesRescan(symbols, table);
}

export function applyMergesRescan(input: number[], table: MergeTable): number[] {
  const { rankOfPair, idOfRank } = table;
  let symbols = input.slice();
  while (symbols.length > 1) {
    let bestRank = Infinity;
    for (let i = 0; i + 1 < symbols.length; i++) {
      const r = rankOfPair.get(symbols[i]! * MAX_VOCAB_SIZE + symbols[i + 1]!);
      if (r !== undefined && r < bestRank) bestRank = r;
    }
    if (bestRank === Infinity) break;
    const merged = idOfRank[bestRank]!;
    const out: number[] = [];
    for (let i = 0; i < symbols.length; ) {
      if (i + 1 < symbols.length && rankOfPair.get(symbols[i]! * MAX_VOCAB_SIZE + symbols[i + 1]!) === bestRank) {
        out.push(merged);
        i += 2;
      } else {
        out.push(symbols[i]!);
        i += 1;
      }
    }
    symbols = out;
  }
  return symbols;
}

export function applyMergesHeap(input: number[], table: MergeTable): number[] {
  const { rankOfPair, idOfRank } = table;
  const n = input.length;
  if (n === 0) return [];
  const sym = Int32Array.from(input);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Min-heap of candidate merges ordered by (rank, position of the left symbol).
  const heapRank: number[] = [];
  const heapPos: number[] = [];
  const less = (a: number, b: number) =>
    heapRank[a]! < heapRank[b]! || (heapRank[a] === heapRank[b] && heapPos[a]! < heapPos[b]!);
  const swap = (a: number, b: number) => {
    const r = heapRank[a]!;
    heapRank[a] = heapRank[b]!;
    heapRank[b] = r;
    const p = heapPos[a]!;
    heapPos[a] = heapPos[b]!;
    heapPos[b] = p;
  };
  const push = (pos: number) => {
    const nx = next[pos]!;
    if (nx < 0) return;
    const r = rankOfPair.get(sym[pos]! * MAX_VOCAB_SIZE + sym[nx]!);
    if (r === undefined) return;
    heapRank.push(r);
    heapPos.push(pos);
    for (let i = heapRank.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!less(i, p)) break;
      swap(i, p);
      i = p;
    }
  };
  const pop = () => {
    const last = heapRank.length - 1;
    swap(0, last);
    const r = heapRank.pop()!;
    const p = heapPos.pop()!;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      if (l >= heapRank.length) break;
      const c = l + 1 < heapRank.length && less(l + 1, l) ? l + 1 : l;
      if (!less(c, i)) break;
      swap(c, i);
      i = c;
    }
    return [r, p] as const;
  };
  for (let i = 0; i + 1 < n; i++) push(i);
  while (heapRank.length > 0) {
    const [r, pos] = pop();
    const nx = next[pos]!;
    // Stale entries: the symbol was absorbed, or the pair at pos changed since it was queued.
    if (!alive[pos] || nx < 0 || rankOfPair.get(sym[pos]! * MAX_VOCAB_SIZE + sym[nx]!) !== r) continue;
    sym[pos] = idOfRank[r]!;
    alive[nx] = 0;
    const after = next[nx]!;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    if (prev[pos]! >= 0) push(prev[pos]!);
    push(pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]!) out.push(sym[i]!);
  return out;
}
