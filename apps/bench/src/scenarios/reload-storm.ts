import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ReportChart, type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, percentile, round } from '../stats.js';
import { allowedCpus, SERVER_CPUS_ENV } from '../support/cpus.js';
import { type LoadResult, runLoad } from '../support/http-load.js';
import { type DriverAction, ReloadDriver, toMonotonicMs } from '../support/reload-driver.js';
import { type ServerProcess, startServer } from '../support/server-process.js';
import { expectedStatus, stormConfig } from '../support/storm-config.js';
import { bucketize } from '../support/timeline.js';

/**
 * A reload storm under HTTP load. `genswap serve` (the built CLI, the gateway handler, 2
 * threads) and the pool-restart alternative (servers/restart-pool-server.ts: same handler,
 * config in workerData, a new pool per reload) each run as a child process on 127.0.0.1 and
 * take keep-alive load from autocannon, once without reloads and once with a reload every
 * 10 ms: a driver process rewrites the config file (a new version) and POST /reload asks the
 * server to load it (genswap also runs a reload every 100 ms and a control: the driver without
 * reloads). Each version changes what answers say (the final rule's name `storm-v<N>` and the
 * allow status 200 + N % 100), and each reload's answer says which generation it became, so
 * every response is checked against the config of the generation in its x-genswap-generation
 * header.
 */
type Variant = 'genswap' | 'restart pool';
/**
 * 'driver alone' is the control: the driver process wakes, writes the next version and asks
 * GET /status on the same grid, but nothing reloads. Run for genswap only.
 */
type Mode = 'no reloads' | 'driver alone' | 'reload every 10 ms' | 'reload every 100 ms';
const VARIANTS: readonly Variant[] = ['genswap', 'restart pool'];
const MODES: readonly Mode[] = ['no reloads', 'driver alone', 'reload every 10 ms', 'reload every 100 ms'];
/** The restart alternative runs only the two modes the issue compares. */
const modesOf = (v: Variant): readonly Mode[] => (v === 'genswap' ? MODES : ['no reloads', 'reload every 10 ms']);
/** The storm's step; 'reload every 100 ms' shows a rate closer to what deployments do. */
const intervalOf = (m: Mode): number => (m === 'reload every 100 ms' ? 100 : RELOAD_INTERVAL_MS);
const isStorm = (m: Mode): boolean => m === 'reload every 10 ms' || m === 'reload every 100 ms';

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const RESTART_SERVER = fileURLToPath(new URL('../servers/restart-pool-server.js', import.meta.url));
const THREADS = 2;
const RELOAD_INTERVAL_MS = 10;
const BUCKET_MS = 10;

interface StormLog {
  /** generation -> config version it was built from. */
  readonly versionOf: Map<number, number>;
  /** When each reload (or driver step) was asked for, ms since the load started. */
  readonly instants: number[];
  /** The server's own figure for each successful reload (genswap: read to publish). */
  readonly durationsMs: number[];
  failures: number;
}

/** Runs the driver process on the load's clock and folds its log into `into`; resolves with the last version written. */
async function drive(driver: ReloadDriver, action: DriverAction, intervalMs: number, server: ServerProcess, file: string, firstVersion: number, startedAt: number, durationMs: number, into: StormLog): Promise<number> {
  const log = await driver.drive({ admin: server.admin, file, firstVersion, startMonoMs: toMonotonicMs(startedAt), durationMs, intervalMs, action });
  for (const [generation, version] of log.versionOf) into.versionOf.set(generation, version);
  into.instants.push(...log.instants);
  into.durationsMs.push(...log.durationsMs);
  into.failures += log.failures;
  return log.lastVersion;
}

interface RunResult {
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  readonly inconsistent: number;
  readonly reloads: number;
  readonly reloadFailures: number;
  /** Reloads that failed during the warm-up (which reloads in both modes). */
  readonly warmupFailures: number;
  /** Median of the server's own reload durations in this run. */
  readonly reloadMs: number;
  readonly load: LoadResult;
  readonly instants: readonly number[];
}

function check(load: LoadResult, versionOf: ReadonlyMap<number, number>): { errors: number; inconsistent: number } {
  const r = load.responses;
  let errors = load.errors;
  let inconsistent = 0;
  for (let i = 0; i < r.count; i++) {
    const status = r.status[i]!;
    if (status >= 500) {
      errors++;
      continue;
    }
    const version = versionOf.get(r.generation[i]!);
    if (version === undefined || r.rule[i] !== `storm-v${version}` || status !== expectedStatus(version)) inconsistent++;
  }
  return { errors, inconsistent };
}

async function runOnce(variant: Variant, mode: Mode, dir: string, durationMs: number, warmupMs: number, connections: number): Promise<RunResult> {
  const file = path.join(dir, `storm-${variant.replace(' ', '-')}.yaml`);
  writeFileSync(file, stormConfig(1));
  const args =
    variant === 'genswap'
      ? [CLI, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--threads', String(THREADS), '--admin', '127.0.0.1:0', '--log-level', 'warn']
      : [RESTART_SERVER, '--config', file, '--threads', String(THREADS)];
  const server = await startServer(args);
  const driver = await ReloadDriver.start().catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  try {
    // Warm-up, alike for every mode: load and a reload every 10 ms, so that JIT compilation of the
    // reload path (loader, primary, workers' first task on a new generation) and the connections
    // are behind us; only the measured window differs between the modes.
    const warmLog: StormLog = { versionOf: new Map([[1, 1]]), instants: [], durationsMs: [], failures: 0 };
    let warming: Promise<number> = Promise.resolve(1);
    await runLoad({ url: server.url, connections, durationMs: warmupMs }, (startedAt) => {
      warming = drive(driver, 'reload', RELOAD_INTERVAL_MS, server, file, 1, startedAt, warmupMs, warmLog);
    });
    const warmVersion = await warming;
    // The measured run starts on the warm-up's last generation: it keeps the generation map.
    const log: StormLog = { versionOf: warmLog.versionOf, instants: [], durationsMs: [], failures: 0 };
    // Then load alone for a moment: the restart alternative's last new pool finishes starting.
    await runLoad({ url: server.url, connections, durationMs: warmupMs / 4 });
    let driving: Promise<number> = Promise.resolve(warmVersion);
    const action: DriverAction | undefined = isStorm(mode) ? 'reload' : mode === 'driver alone' ? 'driver alone' : undefined;
    const load = await runLoad({ url: server.url, connections, durationMs }, (startedAt) => {
      if (action !== undefined) driving = drive(driver, action, intervalOf(mode), server, file, warmVersion, startedAt, durationMs, log);
    });
    await driving;
    const { errors, inconsistent } = check(load, log.versionOf);
    const sorted = Array.from(load.responses.latencyMs).sort((a, b) => a - b);
    return {
      throughput: load.responses.count / (load.elapsedMs / 1000),
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      max: sorted.length > 0 ? sorted[sorted.length - 1]! : Number.NaN,
      errors,
      inconsistent,
      reloads: log.instants.length,
      reloadFailures: log.failures,
      warmupFailures: warmLog.failures,
      reloadMs: median(log.durationsMs),
      load,
      instants: isStorm(mode) ? log.instants : [],
    };
  } finally {
    await driver.close();
    await server.stop();
  }
}

/** Latency per bucket in a slice of a storm run, beside the same slice of a run without reloads. */
function timelineChart(variant: Variant, run: RunResult, steady: RunResult, fromMs: number, toMs: number, yDomain: readonly [number, number]): ReportChart {
  const buckets = (r: RunResult) => bucketize(r.load.responses.at, r.load.responses.latencyMs, BUCKET_MS, fromMs, toMs).filter((b) => b.count > 0);
  const storm = buckets(run);
  return {
    id: `timeline-${variant === 'genswap' ? 'genswap' : 'restart-pool'}`,
    group: 'timeline',
    title: `${variant}: latency during a reload every ${RELOAD_INTERVAL_MS} ms`,
    xLabel: `ms into the run (per ${BUCKET_MS} ms; dashed: reload requested)`,
    yLabel: 'latency, ms (log)',
    logY: true,
    yDomain,
    width: 480,
    height: 300,
    series: [
      { name: 'max', points: storm.map((b) => [b.t - fromMs, b.maxMs] as const) },
      { name: 'median', points: storm.map((b) => [b.t - fromMs, b.p50Ms] as const) },
      { name: 'max, no reloads', points: buckets(steady).map((b) => [b.t - fromMs, b.maxMs] as const) },
    ],
    markers: run.instants.filter((t) => t >= fromMs && t < toMs).map((t) => t - fromMs),
  };
}

/** The honest reading, phrased from this run's numbers. */
function stormReading(m: Readonly<Record<string, Measurement>>, ratios: Readonly<Record<string, number>>, where: string): string {
  const med = (k: string): number => m[k]!.median;
  const p99Ratio = ratios['genswap: p99 with reloads / without']!;
  const tputRatio = ratios['genswap: throughput with reloads / without']!;
  const control = ratios['genswap: p99 with the driver alone / without (the control)']!;
  const own = ratios['genswap: p99 with reloads / with the driver alone']!;
  const slow = ratios['genswap: p99 with a reload every 100 ms / without']!;
  const slowTput = ratios['genswap: throughput with a reload every 100 ms / without']!;
  const cost =
    p99Ratio <= 1.1 && tputRatio >= 0.9
      ? 'which a reload every 10 ms barely shows'
      : `so a reload every 10 ms moves genswap's p99 from ${med('genswap, no reloads: p99 latency').toFixed(2)} ms to ${med('genswap, reload every 10 ms: p99 latency').toFixed(2)} ms (x${p99Ratio}) and its throughput to x${tputRatio} (${Math.round(med('genswap, reload every 10 ms: throughput'))} req/s against ${Math.round(med('genswap, no reloads: throughput'))})`;
  return (
    `Where genswap loses: a reload every 10 ms is 100 reloads a second of CPU work (read, parse, validate, compile and encode in serve's loader thread, niced 10 steps below the request threads; the admin request, the copy into a slot and the publish on the primary; each worker's first task on a new generation) ${where}, ` +
    `${cost}. The control alone (the driver process waking, writing the file and asking GET /status every 10 ms, nothing reloaded) moves p99 x${control}, and the reloads move it x${own} over the control (each a median of per-round ratios, so they need not multiply to the whole). Each reload took ${med("genswap, reload every 10 ms: reload duration, the server's figure (median per run)").toFixed(2)} ms from request to publish (the server's own figure, median), ${RELOAD_INTERVAL_MS} ms apart; about two thirds of the loader's CPU is the yaml package parsing the 25-line file. The loader thread keeps big reloads from stalling HTTP (see reload-stall) but does not make the CPU free. At a reload every 100 ms (still far more than deployments reload), p99 is x${slow} of no reloads and throughput x${slowTput}. The pool restart under the same storm: p99 ${med('restart pool, reload every 10 ms: p99 latency').toFixed(1)} ms, ${Math.round(med('restart pool, reload every 10 ms: throughput'))} req/s.`
  );
}

export const scenario: Scenario = {
  name: 'reload-storm',
  title: `HTTP load with a reload every ${RELOAD_INTERVAL_MS} ms: genswap serve vs restarting the pool`,
  async run({ quick }) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (pnpm build)`);
    const rounds = quick ? 1 : 5;
    // Quick: long enough that the restarting pool (a few answers a second) answers at least once
    // on a busy machine, so every median has samples.
    const durationMs = quick ? 1500 : 4000;
    const warmupMs = quick ? 200 : 1000;
    const connections = quick ? 4 : 10;
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-storm-'));
    const runs = new Map<string, RunResult[]>();
    const key = (v: Variant, m: Mode): string => `${v}, ${m}`;
    try {
      for (let r = 0; r < rounds; r++) {
        // Alternate the order inside a round so drift (thermal, page cache) hits every run alike.
        for (const variant of VARIANTS) {
          const modes = r % 2 === 0 ? modesOf(variant) : [...modesOf(variant)].reverse();
          for (const mode of modes) {
            const result = await runOnce(variant, mode, dir, durationMs, warmupMs, connections);
            const list = runs.get(key(variant, mode)) ?? [];
            list.push(result);
            runs.set(key(variant, mode), list);
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const measurements: Record<string, Measurement> = {};
    const of = (v: Variant, m: Mode): RunResult[] => runs.get(key(v, m))!;
    for (const v of VARIANTS) {
      for (const m of modesOf(v)) {
        const list = of(v, m);
        const k = key(v, m);
        measurements[`${k}: throughput`] = measurement('req/s', list.map((x) => round(x.throughput, 0)));
        measurements[`${k}: p50 latency`] = measurement('ms', list.map((x) => round(x.p50, 3)));
        measurements[`${k}: p99 latency`] = measurement('ms', list.map((x) => round(x.p99, 3)));
        measurements[`${k}: max latency`] = measurement('ms', list.map((x) => round(x.max, 3)));
        measurements[`${k}: errors`] = measurement('count', list.map((x) => x.errors));
        measurements[`${k}: inconsistent responses`] = measurement('count', list.map((x) => x.inconsistent));
        if (m === 'driver alone') measurements[`${k}: driver steps (write + GET /status)`] = measurement('count', list.map((x) => x.reloads));
        if (isStorm(m)) {
          measurements[`${k}: reloads done`] = measurement('count', list.map((x) => x.reloads - x.reloadFailures));
          measurements[`${k}: reloads failed`] = measurement('count', list.map((x) => x.reloadFailures));
          measurements[`${k}: reload duration, the server's figure (median per run)`] = measurement('ms', list.map((x) => round(x.reloadMs, 3)));
        }
      }
    }
    // Ratios per round (runs of one round are minutes apart at most), then their median.
    const perRound = (v: Variant, f: (x: RunResult) => number, over: Mode = 'reload every 10 ms', under: Mode = 'no reloads'): number => {
      const steady = of(v, under);
      const storm = of(v, over);
      return round(median(storm.map((s, i) => f(s) / f(steady[i]!))), 3);
    };
    const gStorm = of('genswap', 'reload every 10 ms');
    const rStorm = of('restart pool', 'reload every 10 ms');
    const ratios: Record<string, number> = {
      'genswap: p99 with reloads / without': perRound('genswap', (x) => x.p99),
      'restart pool: p99 with reloads / without': perRound('restart pool', (x) => x.p99),
      'genswap: throughput with reloads / without': perRound('genswap', (x) => x.throughput),
      'genswap: p99 with the driver alone / without (the control)': perRound('genswap', (x) => x.p99, 'driver alone'),
      'genswap: p99 with reloads / with the driver alone': perRound('genswap', (x) => x.p99, 'reload every 10 ms', 'driver alone'),
      'genswap: p99 with a reload every 100 ms / without': perRound('genswap', (x) => x.p99, 'reload every 100 ms'),
      'genswap: throughput with a reload every 100 ms / without': perRound('genswap', (x) => x.throughput, 'reload every 100 ms'),
      'restart pool: throughput with reloads / without': perRound('restart pool', (x) => x.throughput),
      'restart pool / genswap, p99 with reloads': round(median(rStorm.map((x, i) => x.p99 / gStorm[i]!.p99)), 2),
      'restart pool / genswap, max with reloads': round(median(rStorm.map((x, i) => x.max / gStorm[i]!.max)), 2),
      'genswap / restart pool, throughput with reloads': round(median(gStorm.map((x, i) => x.throughput / rStorm[i]!.throughput)), 3),
    };
    const sum = (list: RunResult[], f: (x: RunResult) => number): number => list.reduce((a, x) => a + f(x), 0);
    const gAll = MODES.flatMap((m) => of('genswap', m));
    const targets = [
      target('genswap: errors, all runs', sum(gAll, (x) => x.errors), '<=', 0),
      target('genswap: inconsistent responses, all runs', sum(gAll, (x) => x.inconsistent), '<=', 0),
      target('genswap: failed reloads (and control /status requests), all runs and warm-ups', sum(gAll, (x) => x.reloadFailures + x.warmupFailures), '<=', 0),
      target('genswap: p99 with reloads / without', ratios['genswap: p99 with reloads / without']!, '<=', 1.1),
    ];

    // The chart: a slice of the last round's storm runs, both on one log scale.
    const last = (list: RunResult[]): RunResult => list[list.length - 1]!;
    const from = Math.min(durationMs / 4, 1000);
    const to = from + Math.min(500, durationMs / 2);
    const gSteady = of('genswap', 'no reloads');
    const rSteady = of('restart pool', 'no reloads');
    let lowest = Number.POSITIVE_INFINITY;
    let highest = 0;
    for (const run of [last(gStorm), last(rStorm), last(gSteady), last(rSteady)]) {
      for (let i = 0; i < run.load.responses.count; i++) {
        const t = run.load.responses.at[i]!;
        const latency = run.load.responses.latencyMs[i]!;
        if (t < from || t >= to) continue;
        lowest = Math.min(lowest, latency);
        highest = Math.max(highest, latency);
      }
    }
    const yDomain = [Math.max(0.01, lowest * 0.8), Math.max(highest * 1.2, lowest * 10)] as const;
    const cores = cpus().length; // the machine's, not the share --client-cpus left this process
    const serverCpus = process.env[SERVER_CPUS_ENV];
    const benchCpus = allowedCpus();
    const pinned = serverCpus !== undefined && serverCpus !== '';
    return {
      params: { rounds, durationMs, warmupMs, connections, threads: THREADS, reloadIntervalMs: RELOAD_INTERVAL_MS, bucketMs: BUCKET_MS, loadGenerator: 'autocannon 8, keep-alive, pipelining 1, GET /' },
      measurements,
      ratios,
      targets,
      summary: [
        {
          measure: `p99 under HTTP load with a reload every ${RELOAD_INTERVAL_MS} ms`,
          genswap: `${measurements['genswap, reload every 10 ms: p99 latency']!.median.toFixed(2)} ms`,
          alternative: 'restarting the pool',
          value: `${measurements['restart pool, reload every 10 ms: p99 latency']!.median.toFixed(2)} ms`,
          ratio: `${ratios['restart pool / genswap, p99 with reloads']!.toFixed(1)}x lower p99`,
        },
      ],
      charts: [timelineChart('genswap', last(gStorm), last(gSteady), from, to, yDomain), timelineChart('restart pool', last(rStorm), last(rSteady), from, to, yDomain)],
      notes: [
        pinned
          ? `The servers ran on CPUs ${serverCpus} of this ${cores}-core machine (pnpm bench --server-cpus), the bench process (autocannon, the reload driver) on CPUs ${benchCpus ?? 'unknown'}.`
          : `On this ${cores}-core machine, autocannon, the reload driver, each server's main thread and its ${THREADS} worker threads all share the cores: the load generator takes CPU from the server, so absolute req/s are lower than with a separate client machine (or with pnpm bench --server-cpus / --client-cpus on a machine with cores to spare).`,
        `Each run starts a fresh server process and warms it up alike in every mode: ${warmupMs} ms of load with a reload every 10 ms (so the reload path is compiled before measuring: the first reloads of a fresh process cost several times a warm one), then ${warmupMs / 4} ms of load alone; then it measures. The reloads come from a driver process of its own (support/reload-driver.ts): on a fixed 10 ms grid (start to start; a reload still running when the next is due delays it, so "reloads done" says how many really happened) it writes the next config version and asks POST /reload over one keep-alive connection. In the bench process it held up the load generator's event loop, which measures the latencies. The dashed lines in the charts are the instants a reload was requested; the charts show ${to - from} ms of the last round.`,
        "'reload every 100 ms' (genswap only) is the same storm at a tenth of the rate.",
        "The control, 'driver alone' (genswap only): the same driver process on the same grid writes the next version and asks GET /status, so nothing reloads. It shows what this machine charges for the driver itself (a process waking every 10 ms, a file write, an admin request) on cores the server and the load generator already fill; 'p99 with reloads / with the driver alone' is the reloads' own share.",
        "The server's reload duration: genswap's reload record (read to publish); the restart server's time to load the file and create the new pool (its threads start after).",
        'Consistency: every response must carry the rule name and status of the config version its generation was built from (learned from each POST /reload answer). Errors are connection errors, timeouts and 5xx answers. Ratios are taken per round (runs of one round are a minute apart at most), then their median.',
        "The restart alternative retires the old pool gracefully (its tasks finish, then it is destroyed; see support/draining-pool.ts for why not piscina's close()), so it drops nothing; its cost is every request waiting for a new pool's threads to start while the machine is busy starting them.",
        stormReading(measurements, ratios, pinned ? `with the server on CPUs ${serverCpus} and the load generator on CPUs ${benchCpus ?? 'unknown'}` : `on a machine whose ${cores} cores the load generator, the primary and both workers already saturate`),
      ],
    };
  },
};
