/**
 * The last N completion latencies the client measured (around the inline completion request, so
 * they include the trip to the server), kept whether or not the dashboard is open. Each reader (a
 * dashboard panel) holds a cursor and takes only what came after it, so a page that reloads and
 * restores its own histogram is never sent the same sample twice. Pure: no VS Code.
 */
export const DEFAULT_LATENCY_CAPACITY = 1000;

export class LatencyLog {
  private readonly ring: number[] = [];
  /** Samples ever recorded; the ring holds the last `capacity` of them. */
  private total = 0;

  constructor(readonly capacity = DEFAULT_LATENCY_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`LatencyLog capacity must be a positive integer, got ${capacity}`);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.ring.length < this.capacity) this.ring.push(ms);
    else this.ring[this.total % this.capacity] = ms;
    this.total++;
  }

  /** A cursor from which `since` returns every sample still kept (a new reader sees the recent past). */
  oldestCursor(): number {
    return Math.max(0, this.total - this.ring.length);
  }

  /** The samples recorded after `cursor`, oldest first (those already dropped are lost), and the next cursor. */
  since(cursor: number): { samples: number[]; cursor: number } {
    const from = Math.max(cursor, this.oldestCursor());
    const samples: number[] = [];
    for (let i = from; i < this.total; i++) samples.push(this.ring[i % this.capacity]!);
    return { samples, cursor: this.total };
  }
}
