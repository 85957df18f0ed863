import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ReportChart, type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, percentile, round } from '../stats.js';
import { type LoadResult, runLoad } from '../support/http-load.js';
import { type ServerProcess, startServer } from '../support/server-process.js';
import { bucketize } from '../support/timeline.js';

/**
 * A reload storm under HTTP load. `genswap serve` (the built CLI, the gateway handler, 2
 * threads) and the pool-restart alternative (servers/restart-pool-server.ts: same handler,
 * config in workerData, a new pool per reload) each run as a child process on 127.0.0.1 and
 * take keep-alive load from autocannon, once without reloads and once with a reload every
 * 10 ms: the config file is rewritten (a new version) and POST /reload asks the server to load
 * it. Each version changes what answers say (the final rule's name `storm-v<N>` and the allow
 * status 200 + N % 100), and each reload's answer says which generation it became, so every
 * response is checked against the config of the generation in its x-genswap-generation header.
 */
type Variant = 'genswap' | 'restart pool';
type Mode = 'no reloads' | 'reload every 10 ms';
const VARIANTS: readonly Variant[] = ['genswap', 'restart pool'];
const MODES: readonly Mode[] = ['no reloads', 'reload every 10 ms'];

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const RESTART_SERVER = fileURLToPath(new URL('../servers/restart-pool-server.js', import.meta.url));
const THREADS = 2;
const RELOAD_INTERVAL_MS = 10;
const BUCKET_MS = 10;

/** The gateway's default rules, a shared rate limit no test client reaches, and the per-version allow rule. */
function stormConfig(version: number): string {
  return `# reload-storm config, version ${version}
ip:
  deny: [192.0.2.66, 198.51.100.0/24, "2001:db8:bad::/48"]
rules:
  - name: health-check
    match: { path: /healthz }
    action: allow
  - name: scanners
    match: { userAgent: "(sqlmap|nikto|nmap|masscan|zgrab|nuclei)" }
    action: deny
  - name: dotfiles
    match: { pathRegex: "^/(\\\\.env|\\\\.git|\\\\.aws|wp-config\\\\.php)" }
    action: deny
  - name: everyone-rate
    action: limit
    limit: per-ip
  - name: storm-v${version}
    action: allow
limits:
  per-ip: { requests: 1000000, windowSeconds: 1 }
statuses: { allow: ${expectedStatus(version)}, deny: 403, limited: 429 }
`;
}

function expectedStatus(version: number): number {
  return 200 + (version % 100);
}

interface StormLog {
  /** generation -> config version it was built from. */
  readonly versionOf: Map<number, number>;
  /** When each reload was asked for, ms since the load started. */
  readonly instants: number[];
  /** The server's own figure for each successful reload (genswap: read to publish). */
  readonly durationsMs: number[];
  failures: number;
}

/**
 * POST /reload on one keep-alive connection with node:http: the driver shares the load
 * generator's process and event loop, and fetch() cost that loop enough per call to show in
 * the latencies it measures (a GET of /status every 10 ms cost 26% of the measured req/s).
 */
interface ReloadAnswer {
  readonly ok?: boolean;
  readonly generation?: number;
  readonly durationMs?: number;
}

function postReload(admin: string, agent: Agent): Promise<{ status: number; body: ReloadAnswer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${admin}/reload`, { method: 'POST', agent, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as ReloadAnswer });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('POST /reload timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Every RELOAD_INTERVAL_MS (start to start, on a fixed grid; a reload still running when the
 * next is due delays it) until `durationMs`: write version N, POST /reload, note
 * generation -> N from the answer. Returns the last version written.
 */
async function drive(server: ServerProcess, agent: Agent, file: string, firstVersion: number, startedAt: number, durationMs: number, log: StormLog): Promise<number> {
  let version = firstVersion;
  for (let k = 1; ; k++) {
    const due = startedAt + k * RELOAD_INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const now = performance.now();
    if (now - startedAt > durationMs - RELOAD_INTERVAL_MS) return version;
    version++;
    writeFileSync(file, stormConfig(version));
    log.instants.push(now - startedAt);
    try {
      const { status, body } = await postReload(server.admin, agent);
      if (status === 200 && body.ok === true && typeof body.generation === 'number') {
        log.versionOf.set(body.generation, version);
        if (typeof body.durationMs === 'number') log.durationsMs.push(body.durationMs);
      } else log.failures++;
    } catch {
      log.failures++;
    }
    if (performance.now() - startedAt > durationMs) return version;
  }
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
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Warm-up, alike for both modes: load and a reload every 10 ms, so that JIT compilation of the
    // reload path (loader, primary, workers' first task on a new generation) and the connections
    // are behind us; only the measured window differs between the modes.
    const warmLog: StormLog = { versionOf: new Map([[1, 1]]), instants: [], durationsMs: [], failures: 0 };
    let warming: Promise<number> = Promise.resolve(1);
    await runLoad({ url: server.url, connections, durationMs: warmupMs }, (startedAt) => {
      warming = drive(server, agent, file, 1, startedAt, warmupMs, warmLog);
    });
    const warmVersion = await warming;
    // The measured run starts on the warm-up's last generation: it keeps the generation map.
    const log: StormLog = { versionOf: warmLog.versionOf, instants: [], durationsMs: [], failures: 0 };
    // Then load alone for a moment: the restart alternative's last new pool finishes starting.
    await runLoad({ url: server.url, connections, durationMs: warmupMs / 4 });
    let driving: Promise<number> = Promise.resolve(warmVersion);
    const load = await runLoad({ url: server.url, connections, durationMs }, (startedAt) => {
      if (mode === 'reload every 10 ms') driving = drive(server, agent, file, warmVersion, startedAt, durationMs, log);
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
      instants: log.instants,
    };
  } finally {
    agent.destroy();
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
function stormReading(m: Readonly<Record<string, Measurement>>, ratios: Readonly<Record<string, number>>): string {
  const med = (k: string): number => m[k]!.median;
  const p99Ratio = ratios['genswap: p99 with reloads / without']!;
  const tputRatio = ratios['genswap: throughput with reloads / without']!;
  const cost =
    p99Ratio <= 1.1 && tputRatio >= 0.9
      ? 'which a reload every 10 ms barely shows'
      : `so a reload every 10 ms moves genswap's p99 from ${med('genswap, no reloads: p99 latency').toFixed(2)} ms to ${med('genswap, reload every 10 ms: p99 latency').toFixed(2)} ms (x${p99Ratio}) and its throughput to x${tputRatio} (${Math.round(med('genswap, reload every 10 ms: throughput'))} req/s against ${Math.round(med('genswap, no reloads: throughput'))})`;
  return (
    "Where genswap loses: a reload every 10 ms is 100 reloads a second of CPU work (read, parse, validate, compile and encode in serve's loader thread, niced 10 steps below the request threads; the admin request, the copy into a slot and the publish on the primary; each worker's first task on a new generation) on a machine whose 2 cores the load generator, the primary and both workers already saturate, " +
    `${cost}; each reload took ${med("genswap, reload every 10 ms: reload duration, the server's figure (median per run)").toFixed(2)} ms from request to publish (the server's own figure, median), ${RELOAD_INTERVAL_MS} ms apart. The loader thread keeps big reloads from stalling HTTP (see reload-stall) but does not make the CPU free. The pool restart under the same storm: p99 ${med('restart pool, reload every 10 ms: p99 latency').toFixed(1)} ms, ${Math.round(med('restart pool, reload every 10 ms: throughput'))} req/s.`
  );
}

export const scenario: Scenario = {
  name: 'reload-storm',
  title: `HTTP load with a reload every ${RELOAD_INTERVAL_MS} ms: genswap serve vs restarting the pool`,
  async run({ quick }) {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (pnpm build)`);
    const rounds = quick ? 1 : 3;
    const durationMs = quick ? 600 : 4000;
    const warmupMs = quick ? 200 : 1000;
    const connections = quick ? 4 : 10;
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-storm-'));
    const runs = new Map<string, RunResult[]>();
    const key = (v: Variant, m: Mode): string => `${v}, ${m}`;
    try {
      for (let r = 0; r < rounds; r++) {
        // Alternate the order inside a round so drift (thermal, page cache) hits every run alike.
        const modes = r % 2 === 0 ? MODES : [...MODES].reverse();
        for (const variant of VARIANTS) {
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
      for (const m of MODES) {
        const list = of(v, m);
        const k = key(v, m);
        measurements[`${k}: throughput`] = measurement('req/s', list.map((x) => round(x.throughput, 0)));
        measurements[`${k}: p50 latency`] = measurement('ms', list.map((x) => round(x.p50, 3)));
        measurements[`${k}: p99 latency`] = measurement('ms', list.map((x) => round(x.p99, 3)));
        measurements[`${k}: max latency`] = measurement('ms', list.map((x) => round(x.max, 3)));
        measurements[`${k}: errors`] = measurement('count', list.map((x) => x.errors));
        measurements[`${k}: inconsistent responses`] = measurement('count', list.map((x) => x.inconsistent));
        if (m === 'reload every 10 ms') {
          measurements[`${k}: reloads done`] = measurement('count', list.map((x) => x.reloads - x.reloadFailures));
          measurements[`${k}: reloads failed`] = measurement('count', list.map((x) => x.reloadFailures));
          measurements[`${k}: reload duration, the server's figure (median per run)`] = measurement('ms', list.map((x) => round(x.reloadMs, 3)));
        }
      }
    }
    // Ratios per round (runs of one round are minutes apart at most), then their median.
    const perRound = (v: Variant, f: (x: RunResult) => number): number => {
      const steady = of(v, 'no reloads');
      const storm = of(v, 'reload every 10 ms');
      return round(median(storm.map((s, i) => f(s) / f(steady[i]!))), 3);
    };
    const gStorm = of('genswap', 'reload every 10 ms');
    const rStorm = of('restart pool', 'reload every 10 ms');
    const ratios: Record<string, number> = {
      'genswap: p99 with reloads / without': perRound('genswap', (x) => x.p99),
      'restart pool: p99 with reloads / without': perRound('restart pool', (x) => x.p99),
      'genswap: throughput with reloads / without': perRound('genswap', (x) => x.throughput),
      'restart pool: throughput with reloads / without': perRound('restart pool', (x) => x.throughput),
      'restart pool / genswap, p99 with reloads': round(median(rStorm.map((x, i) => x.p99 / gStorm[i]!.p99)), 2),
      'restart pool / genswap, max with reloads': round(median(rStorm.map((x, i) => x.max / gStorm[i]!.max)), 2),
      'genswap / restart pool, throughput with reloads': round(median(gStorm.map((x, i) => x.throughput / rStorm[i]!.throughput)), 3),
    };
    const sum = (list: RunResult[], f: (x: RunResult) => number): number => list.reduce((a, x) => a + f(x), 0);
    const gAll = [...of('genswap', 'no reloads'), ...gStorm];
    const targets = [
      target('genswap: errors, all runs', sum(gAll, (x) => x.errors), '<=', 0),
      target('genswap: inconsistent responses, all runs', sum(gAll, (x) => x.inconsistent), '<=', 0),
      target('genswap: failed reloads, all runs and warm-ups', sum(gAll, (x) => x.reloadFailures + x.warmupFailures), '<=', 0),
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
    const cores = availableParallelism();
    return {
      params: { rounds, durationMs, warmupMs, connections, threads: THREADS, reloadIntervalMs: RELOAD_INTERVAL_MS, bucketMs: BUCKET_MS, loadGenerator: 'autocannon 8, keep-alive, pipelining 1, GET /' },
      measurements,
      ratios,
      targets,
      charts: [timelineChart('genswap', last(gStorm), last(gSteady), from, to, yDomain), timelineChart('restart pool', last(rStorm), last(rSteady), from, to, yDomain)],
      notes: [
        `On this ${cores}-core machine, autocannon, each server's main thread and its ${THREADS} worker threads all share the cores: the load generator takes CPU from the server, so absolute req/s are lower than with a separate client machine.`,
        `Each run starts a fresh server process and warms it up alike in both modes: ${warmupMs} ms of load with a reload every 10 ms (so the reload path is compiled before measuring: the first reloads of a fresh process cost several times a warm one), then ${warmupMs / 4} ms of load alone; then it measures. Reloads are asked for by POST /reload over one keep-alive node:http connection from the bench process (fetch() there cost the shared event loop enough to show in the latencies). A reload is requested every 10 ms on a fixed grid (start to start); one still running when the next is due delays it, so "reloads done" says how many really happened. The dashed lines in the charts are the instants a reload was requested; the charts show ${to - from} ms of the last round.`,
        "The server's reload duration: genswap's reload record (read to publish); the restart server's time to load the file and create the new pool (its threads start after).",
        'Consistency: every response must carry the rule name and status of the config version its generation was built from (learned from each POST /reload answer). Errors are connection errors, timeouts and 5xx answers.',
        "The restart alternative retires the old pool gracefully (its tasks finish, then it is destroyed; see support/draining-pool.ts for why not piscina's close()), so it drops nothing; its cost is every request waiting for a new pool's threads to start while the machine is busy starting them.",
        stormReading(measurements, ratios),
      ],
    };
  },
};
