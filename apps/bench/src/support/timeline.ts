import { percentile } from '../stats.js';

/**
 * Latency over time: responses grouped by completion time into fixed buckets, each bucket
 * summarized by its max and median latency. Feeds the reload-storm charts.
 */
export interface Bucket {
  /** Bucket start, ms since the load started. */
  readonly t: number;
  readonly count: number;
  readonly maxMs: number;
  readonly p50Ms: number;
}

export function bucketize(at: Float64Array, latencyMs: Float64Array, bucketMs: number, fromMs: number, toMs: number): Bucket[] {
  const n = Math.max(0, Math.ceil((toMs - fromMs) / bucketMs));
  const groups: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < at.length; i++) {
    const b = Math.floor((at[i]! - fromMs) / bucketMs);
    if (b >= 0 && b < n) groups[b]!.push(latencyMs[i]!);
  }
  return groups.map((g, b) => {
    g.sort((x, y) => x - y);
    return { t: fromMs + b * bucketMs, count: g.length, maxMs: g.length > 0 ? g[g.length - 1]! : Number.NaN, p50Ms: percentile(g, 50) };
  });
}
