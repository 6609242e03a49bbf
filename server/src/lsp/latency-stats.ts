/**
 * Latency percentiles over the session, from a bounded ring of the most recent samples (memory
 * stays constant however long the session runs). Percentiles use the nearest-rank method.
 */
import type { LatencySummary } from '../../../protocol/lsp.js';

export class LatencyRecorder {
  private readonly samples: Float64Array;
  private next = 0;
  private filled = 0;
  private sum = 0;
  private total = 0;

  constructor(readonly capacity = 10000) {
    this.samples = new Float64Array(capacity);
  }

  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    this.filled = Math.min(this.filled + 1, this.capacity);
    this.sum += ms;
    this.total++;
  }

  summary(): LatencySummary {
    if (this.filled === 0) return { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 };
    const sorted = Float64Array.from(this.samples.subarray(0, this.filled)).sort();
    return {
      count: this.total,
      mean: this.sum / this.total,
      p50: nearestRank(sorted, 0.5),
      p95: nearestRank(sorted, 0.95),
      p99: nearestRank(sorted, 0.99),
      max: sorted[sorted.length - 1] as number,
    };
  }
}

/** Nearest-rank percentile of sorted values: the smallest value with at least p of the data at or below it. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const rank = Math.min(n, Math.max(1, Math.ceil(p * n)));
  return sorted[rank - 1] as number;
}
