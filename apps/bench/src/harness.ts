import { type Machine, machine } from './machine.js';
import type { Interval, Measurement } from './stats.js';
import type { LineChart } from './svg.js';

/**
 * One benchmark scenario. Each runs in its own process (see main.ts), measures genswap beside
 * the alternative a user would pick, in the same run, and reports medians and ratios.
 */
export interface Scenario {
  readonly name: string;
  readonly title: string;
  run(options: RunOptions): Promise<ScenarioResult>;
}

export interface RunOptions {
  /** Tiny sizes and few repetitions: proves the scenario runs and emits valid JSON (CI). */
  readonly quick: boolean;
}

export interface Target {
  readonly name: string;
  readonly value: number;
  /** e.g. `<= 40 ns` or `>= 0.97` */
  readonly target: string;
  readonly met: boolean;
  /**
   * For a figure resting on a few noisy rounds (a p99, a ratio of them): the bootstrap interval
   * over the rounds (stats.ts). A goal inside it is met or missed by the noise, not told apart.
   */
  readonly interval?: Interval;
  /** With an interval: the goal lies inside it, so these rounds cannot tell met from missed. */
  readonly withinNoise?: boolean;
}

export interface ScenarioResult {
  /** Named measurements, e.g. `acquire+release`. */
  readonly measurements: Readonly<Record<string, Measurement>>;
  /** Ratios computed from measurements of this same run. */
  readonly ratios: Readonly<Record<string, number>>;
  readonly targets: readonly Target[];
  /** Parameters the scenario ran with (iterations, sizes, threads). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Charts the report draws as SVG (`<scenario>-<id>.svg`) and embeds in the README. */
  readonly charts?: readonly ReportChart[];
  readonly notes?: readonly string[];
  /** The scenario's rows in the README's side-by-side table (report.ts), if it has a headline. */
  readonly summary?: readonly SummaryRow[];
}

/**
 * One row of the README's side-by-side table: genswap beside one alternative, figures of the
 * same run, already formatted by the scenario (it knows its units and what "better" means).
 */
export interface SummaryRow {
  /** What was measured, e.g. `reload a 1,000,000-entry deny list until it serves`. */
  readonly measure: string;
  readonly genswap: string;
  /** The alternative a user would pick, e.g. `nginx geo + reload`. */
  readonly alternative: string;
  readonly value: string;
  /** genswap against it, e.g. `12.3x faster`. */
  readonly ratio: string;
}

/** A chart of a scenario; charts sharing a `group` are drawn side by side in the README. */
export type ReportChart = LineChart & { readonly id: string; readonly group?: string };

export interface ScenarioReport extends ScenarioResult {
  readonly scenario: string;
  readonly title: string;
  readonly quick: boolean;
  readonly machine: Machine;
  readonly startedAt: string;
  readonly durationMs: number;
}

export async function runScenario(scenario: Scenario, options: RunOptions): Promise<ScenarioReport> {
  const startedAt = new Date();
  const t0 = performance.now();
  const result = await scenario.run(options);
  return {
    scenario: scenario.name,
    title: scenario.title,
    quick: options.quick,
    machine: machine(),
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...result,
  };
}

export function target(name: string, value: number, op: '<=' | '>=', limit: number, unit = '', interval?: Interval): Target {
  const met = op === '<=' ? value <= limit : value >= limit;
  const noise = interval === undefined ? {} : { interval, withinNoise: interval.low <= limit && limit <= interval.high };
  return { name, value, target: `${op} ${limit}${unit ? ` ${unit}` : ''}`, met, ...noise };
}

/**
 * A scenario that cannot run here because a tool it measures against is missing (wrk, etcd).
 * A quick run (the test suite on a machine without it) says so on one line, `<name>: skipped:
 * <why>`, and reports that it skipped; a full run fails with the same words instead, so a
 * machine without the tool never replaces published results with a skip.
 */
export function skippedRun(name: string, why: string, quick: boolean): ScenarioResult {
  if (!quick) throw new Error(`${name}: ${why}; nothing measured, results left as they were`);
  process.stdout.write(`${name}: skipped: ${why}\n`);
  return { measurements: {}, ratios: {}, targets: [], params: { skipped: why }, notes: [`Skipped: ${why}.`] };
}
