/** A measured quantity over repeated runs: the median is the figure, min-max the spread. */
export interface Measurement {
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function measurement(unit: string, samples: readonly number[]): Measurement {
  return { unit, median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Where a figure computed from a few rounds would fall in most runs like this one. */
export interface Interval {
  readonly low: number;
  readonly high: number;
  /** e.g. 0.9: the figure of 9 of 10 resampled runs falls between low and high. */
  readonly level: number;
}

/** How many times bootstrapInterval redraws the rounds by default. */
export const BOOTSTRAP_RESAMPLES = 2000;

/** A small deterministic generator (xorshift32), so the same samples always give the same interval. */
function generator(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/**
 * The percentile bootstrap: each group of samples (one figure per round) is drawn again with
 * replacement, `resamples` times, the statistic computed on every draw, and the middle `level`
 * of those results kept. It says how far the statistic moves from run to run when it rests on
 * this few rounds: a target that falls inside the interval is not told apart from the noise.
 * Groups are resampled independently; pass one group of per-round ratios for paired rounds.
 */
export function bootstrapInterval(
  groups: readonly (readonly number[])[],
  statistic: (groups: readonly (readonly number[])[]) => number,
  level = 0.9,
  resamples = BOOTSTRAP_RESAMPLES,
  seed = 0x9e3779b9,
): Interval {
  if (groups.some((g) => g.length === 0)) return { low: Number.NaN, high: Number.NaN, level };
  const next = generator(seed);
  const results: number[] = [];
  for (let i = 0; i < resamples; i++) {
    results.push(statistic(groups.map((g) => g.map(() => g[Math.floor(next() * g.length)]!))));
  }
  results.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: results[Math.floor(tail * (resamples - 1))]!, high: results[Math.ceil((1 - tail) * (resamples - 1))]!, level };
}

/** An interval's ends rounded as the bench rounds its ratios (3 digits by default). */
export function roundInterval(i: Interval, digits = 3): Interval {
  return { ...i, low: round(i.low, digits), high: round(i.high, digits) };
}
