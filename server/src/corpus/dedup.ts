/**
 * Duplicate removal across the whole corpus. Packages copy files from each other (lodash-es and
 * lodash, polyfills, shared helpers), and a duplicate in both train and test would make held-out
 * scores meaningless. Two keys per file:
 *   exact  SHA-256 of the bytes
 *   near   SHA-256 of the text with all whitespace removed, so re-indented or re-wrapped copies
 *          (CRLF vs LF, tabs vs spaces, trailing spaces) count as the same file
 * The first file seen with a key is kept; callers visit files in a fixed order (source list order,
 * then sorted path), so the result is deterministic.
 */
import { createHash } from 'node:crypto';

export type DuplicateKind = 'exact-duplicate' | 'near-duplicate';

export function exactKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function nearKey(text: string): string {
  return createHash('sha256').update(text.replace(/\s+/g, ''), 'utf8').digest('hex');
}

export class Deduplicator {
  private readonly exact = new Map<string, string>();
  private readonly near = new Map<string, string>();

  /** Registers a file; returns what it duplicates (kind and the kept file's id) or undefined if it is new. */
  check(id: string, text: string): { kind: DuplicateKind; of: string } | undefined {
    const e = exactKey(text);
    const seenExact = this.exact.get(e);
    if (seenExact !== undefined) return { kind: 'exact-duplicate', of: seenExact };
    const n = nearKey(text);
    const seenNear = this.near.get(n);
    if (seenNear !== undefined) return { kind: 'near-duplicate', of: seenNear };
    this.exact.set(e, id);
    this.near.set(n, id);
    return undefined;
  }
}
