/**
 * LRU cache of recent suggestions, keyed by the prompt (prefix and suffix windows) and the settings
 * that shape a suggestion. Returning to an earlier state (undo, backspace, re-opening the same spot)
 * costs a map lookup instead of a model call. Only deterministic (temperature 0) results are cached.
 */
import { createHash } from 'node:crypto';

export class CompletionCache {
  private readonly entries = new Map<string, string>();
  hits = 0;
  misses = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 0)) throw new Error(`cache capacity must be >= 0, got ${capacity}`);
  }

  static key(parts: { prefix: string; suffix: string; settings: unknown; model: string }): string {
    // Hashing keeps keys small (prompts are kilobytes); the NUL separators keep fields apart.
    return createHash('sha1')
      .update(parts.model)
      .update('\0')
      .update(JSON.stringify(parts.settings))
      .update('\0')
      .update(parts.prefix)
      .update('\0')
      .update(parts.suffix)
      .digest('hex');
  }

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    // Re-insert: Map iteration order is insertion order, so the first key is the least recent.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: string): void {
    if (this.capacity === 0) return;
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  get hitRate(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }
}
