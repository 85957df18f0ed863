import type { WrkAnswers } from './wrk.js';

/**
 * What serve-throughput concludes from the answers its checking client counted (wrk.ts) during
 * a reload storm: which answers disagree with the config of their generation, and how long old
 * and new configs answered side by side.
 */
export interface ExpectedAnswer {
  readonly rule: string;
  readonly status: number;
}

/**
 * Counts answers whose rule or status is not what the config version of their generation gives
 * (`versionOf`, learned from the reload answers); an answer with no known generation counts too.
 * 5xx answers are errors, not verdicts.
 */
export function checkAnswers(answers: Pick<WrkAnswers, 'counts'>, versionOf: ReadonlyMap<number, number>, expected: (version: number) => ExpectedAnswer): { inconsistent: number; errors: number } {
  let inconsistent = 0;
  let errors = 0;
  for (const [key, count] of answers.counts) {
    const [generation, status, rule = ''] = key.split(' ') as [string, string, string?];
    if (Number(status) >= 500) {
      errors += count;
      continue;
    }
    const version = versionOf.get(Number(generation));
    const want = version === undefined ? undefined : expected(version);
    if (want === undefined || want.rule !== rule || want.status !== Number(status)) inconsistent += count;
  }
  return { inconsistent, errors };
}

/**
 * Per generation after the first one answered (in generation order): ms from its first answer to
 * the last answer of any older generation, 0 when none came after. Generations no answer came
 * from (superseded before anyone asked) have no entry.
 */
export function overlapWindows(seen: WrkAnswers['seen']): number[] {
  const generations = [...seen.keys()].filter((g) => g >= 0).sort((a, b) => a - b);
  const windows: number[] = [];
  let lastOld = Number.NEGATIVE_INFINITY;
  for (const [i, g] of generations.entries()) {
    const [first, last] = seen.get(g)!;
    if (i > 0) windows.push(Math.max(0, lastOld - first));
    lastOld = Math.max(lastOld, last);
  }
  return windows;
}
