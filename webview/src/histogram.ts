/**
 * The latency histogram: fixed bucket edges (so counts can be added up across updates and kept in
 * the page's saved state in constant space), roughly logarithmic because completion latencies
 * spread from a few milliseconds (cache hits) to seconds (long generations).
 */

/** Bucket i holds latencies in [EDGES[i], EDGES[i+1]); the last bucket is open-ended. */
export const LATENCY_EDGES_MS: readonly number[] = Object.freeze([0, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);

export interface Histogram {
  edgesMs: number[];
  counts: number[];
}

export function emptyHistogram(edges: readonly number[] = LATENCY_EDGES_MS): Histogram {
  return { edgesMs: [...edges], counts: edges.map(() => 0) };
}

/** Index of the bucket holding `v` (values below the first edge go to the first bucket). */
export function bucketOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length - 1;
  // Largest i with edges[i] <= v (binary search; edges ascend).
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((edges[mid] as number) <= v) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A new histogram with the samples added (non-finite and negative samples are ignored). */
export function addSamples(h: Histogram, samples: readonly number[]): Histogram {
  const counts = [...h.counts];
  for (const v of samples) {
    if (!Number.isFinite(v) || v < 0) continue;
    const i = bucketOf(h.edgesMs, v);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { edgesMs: h.edgesMs, counts };
}

const short = (ms: number) => (ms >= 1000 ? `${ms / 1000}k` : String(ms));

/** Bucket labels, short enough for an axis: "0–5", ..., "1k–2k", "≥5k" (ms). */
export function bucketLabels(edges: readonly number[]): string[] {
  return edges.map((e, i) => (i + 1 < edges.length ? `${short(e)}–${short(edges[i + 1]!)}` : `≥${short(e)}`));
}
