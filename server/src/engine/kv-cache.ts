/**
 * Keys and values of the positions already processed, per layer, token-major ([T, d]), in
 * buffers sized once for the longest context. Token-major means the first P positions are one
 * contiguous prefix, so they are fed to ORT as a view with no copy; appending copies only the
 * new positions' rows. Truncating (to reuse a shared prompt prefix) is free.
 */
export class KvCache {
  private keys: Float32Array[];
  private values: Float32Array[];
  private tokens: number[] = [];

  constructor(readonly layers: number, readonly width: number, readonly capacity: number) {
    this.keys = Array.from({ length: layers }, () => new Float32Array(capacity * width));
    this.values = Array.from({ length: layers }, () => new Float32Array(capacity * width));
  }

  /** Token ids whose keys/values are cached, in order. */
  get cachedTokens(): readonly number[] {
    return this.tokens;
  }
  get length(): number {
    return this.tokens.length;
  }

  pastKeys(layer: number): Float32Array {
    return this.keys[layer]!.subarray(0, this.tokens.length * this.width);
  }
  pastValues(layer: number): Float32Array {
    return this.values[layer]!.subarray(0, this.tokens.length * this.width);
  }

  /** Appends the new positions' keys/values of every layer ([S, d] each) for `ids`. */
  append(ids: readonly number[], newKeys: Float32Array[], newValues: Float32Array[]): void {
    const P = this.tokens.length;
    if (P + ids.length > this.capacity) throw new Error(`KV cache full: ${P} + ${ids.length} > ${this.capacity} positions`);
    for (let l = 0; l < this.layers; l++) {
      this.keys[l]!.set(newKeys[l]!, P * this.width);
      this.values[l]!.set(newValues[l]!, P * this.width);
    }
    this.tokens.push(...ids);
  }

  /** The whole key and value buffers of a layer ([capacity, d]), for a decoder that writes the
   * next position's rows in place; commit() then adds the position. */
  buffers(layer: number): { keys: Float32Array; values: Float32Array } {
    return { keys: this.keys[layer]!, values: this.values[layer]! };
  }

  /** Adds positions whose keys/values were written in place (at rows length..length + ids.length - 1). */
  commit(ids: readonly number[]): void {
    if (this.tokens.length + ids.length > this.capacity) throw new Error(`KV cache full: ${this.tokens.length} + ${ids.length} > ${this.capacity} positions`);
    this.tokens.push(...ids);
  }

  /** Keeps the first n positions. */
  truncate(n: number): void {
    if (n < this.tokens.length) this.tokens.length = Math.max(0, n);
  }

  /** Length of the longest common prefix of the cached tokens and `ids`. */
  commonPrefix(ids: readonly number[]): number {
    const n = Math.min(ids.length, this.tokens.length);
    let i = 0;
    while (i < n && ids[i] === this.tokens[i]) i++;
    return i;
  }
}
