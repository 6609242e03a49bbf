/**
 * A binary max-heap of (count, pairKey) entries for BPE training. Order: higher count first; equal
 * counts: smaller pair key first (the fixed tie rule that makes training deterministic).
 * Entries may be stale (the trainer re-checks the count when it pops); see train-bpe.ts.
 */
export class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    const c = this.counts;
    const k = this.keys;
    let i = c.length;
    c.push(count);
    k.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(count, key, c[p]!, k[p]!)) break;
      c[i] = c[p]!;
      k[i] = k[p]!;
      i = p;
    }
    c[i] = count;
    k[i] = key;
  }

  /** Removes the top entry and returns it as [count, key], or null when empty. */
  pop(): [number, number] | null {
    const c = this.counts;
    const k = this.keys;
    if (c.length === 0) return null;
    const top: [number, number] = [c[0]!, k[0]!];
    const lastC = c.pop()!;
    const lastK = k.pop()!;
    const n = c.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(c[r]!, k[r]!, c[l]!, k[l]!) ? r : l;
        if (!before(c[child]!, k[child]!, lastC, lastK)) break;
        c[i] = c[child]!;
        k[i] = k[child]!;
        i = child;
      }
      c[i] = lastC;
      k[i] = lastK;
    }
    return top;
  }
}

function before(countA: number, keyA: number, countB: number, keyB: number): boolean {
  return countA > countB || (countA === countB && keyA < keyB);
}
