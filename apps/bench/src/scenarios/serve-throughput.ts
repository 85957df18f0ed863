import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Scenario, skippedRun, type SummaryRow, type Target, target } from '../harness.js';
import { bootstrapInterval, type Interval, type Measurement, measurement, median, round, roundInterval } from '../stats.js';
import { allowedCpus, SERVER_CPUS_ENV } from '../support/cpus.js';
import { listEntries, sizeLabel, writeListFile } from '../support/lists.js';
import { serveConfig } from '../support/serve-configs.js';
import { PROBE_HEADERS, type ReloadRun, reloadRun, type RunTiming, type SteadyRun, steadyRun } from '../support/serve-runs.js';
import { findWrk, wrkVersion } from '../support/wrk.js';

/**
 * `genswap serve --threads N` against what a user would otherwise run with the same handler
 * (`@genswap/gateway`'s handleRequest) and the same config: one plain Node process computing the
 * verdict on its HTTP thread (servers/inline-server.ts), and node:cluster with N processes whose
 * primary loads the config once and broadcasts it over IPC on reload, PM2-style
 * (servers/cluster-server.ts). Each is a child process on 127.0.0.1 loaded by wrk, in
 * interleaved rounds: req/s, latency, memory and CPU of the server's process tree with the
 * default config and with a big deny list; then, for genswap and the cluster, a reload every
 * 100 ms with two configs that judge the probed request differently, and every answer checked.
 *
 * genswap runs through the real CLI (apps/cli/dist/main.js), so these figures measure whichever
 * front end `genswap serve` has when the bench runs.
 */
type Server = 'genswap serve' | 'node:cluster' | 'inline' | 'genswap serve (control)';
const SERVERS: readonly Server[] = ['genswap serve', 'node:cluster', 'inline'];
/**
 * The same genswap serve once more in every default-config round (an A/A control): its ratios to
 * the first genswap run are what the noise of this machine alone makes of two equal servers.
 */
const CONTROL: Server = 'genswap serve (control)';
const RELOADING: readonly Server[] = ['genswap serve', 'node:cluster'];

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const INLINE = fileURLToPath(new URL('../servers/inline-server.js', import.meta.url));
const CLUSTER = fileURLToPath(new URL('../servers/cluster-server.js', import.meta.url));
/** Threads of genswap, processes of the cluster. */
const N = 2;
const CONNECTIONS = 32;
const RELOAD_INTERVAL_MS = 100;

function argsOf(server: Server, file: string): string[] {
  switch (server) {
    case 'genswap serve':
    case 'genswap serve (control)':
      return [CLI, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--threads', String(N), '--admin', '127.0.0.1:0', '--log-level', 'warn'];
    case 'node:cluster':
      return [CLUSTER, '--config', file, '--processes', String(N)];
    case 'inline':
      return [INLINE, '--config', file];
  }
}

/** Round r starts at the r-th entry, so no server is always first (or last) after another's run. */
const rotate = <T>(list: readonly T[], r: number): T[] => [...list.slice(r % list.length), ...list.slice(0, r % list.length)];

/** The reading, phrased from this run's numbers: where the CPU and the memory went, and by how much a target was missed. */
function reading(m: Readonly<Record<string, Measurement>>, targets: readonly Target[], big: string): string {
  const med = (k: string): number => m[k]!.median;
  const mib = (k: string): string => `${(med(k) / 2 ** 20).toFixed(0)} MiB`;
  const cores = (s: Server, w: string): string =>
    `${med(`${s}, ${w}: CPU of the first process's main thread`).toFixed(2)} + ${med(`${s}, ${w}: CPU of every other thread`).toFixed(2)} cores`;
  const missed = targets
    .filter((t) => !t.met)
    .map((t) => {
      const [op, goal] = t.target.split(' ') as [string, string];
      if (Number(goal) === 0) return `${t.name} is ${t.value} (${t.target})`;
      const by = op === '>=' ? 1 - t.value / Number(goal) : t.value / Number(goal) - 1;
      const noise = t.interval === undefined ? '' : `; ${Math.round(t.interval.level * 100)}% interval over the rounds ${t.interval.low}-${t.interval.high}${t.withinNoise === true ? ', so within the noise' : ''}`;
      return `${t.name} is ${t.value} (${t.target}; off by ${Math.abs(by * 100).toFixed(0)}%${noise})`;
    });
  return (
    `Read: with the default config genswap serve answered ${Math.round(med('genswap serve, default config: req/s'))} req/s, node:cluster ${Math.round(med('node:cluster, default config: req/s'))}, one inline process ${Math.round(med('inline, default config: req/s'))}. ` +
    `CPU while measuring (the first process's main thread + every other thread): genswap serve ${cores('genswap serve', 'default config')}, node:cluster ${cores('node:cluster', 'default config')}, inline ${cores('inline', 'default config')}. ` +
    `With the ${big}, RSS of the process tree: genswap serve ${mib(`genswap serve, ${big}: RSS of the process tree (peak under load)`)}, node:cluster ${mib(`node:cluster, ${big}: RSS of the process tree (peak under load)`)} (its primary alone ${mib(`node:cluster, ${big}: RSS of the primary alone (after the load)`)}), inline ${mib(`inline, ${big}: RSS of the process tree (peak under load)`)}. ` +
    (missed.length === 0 ? 'Every target was met.' : `Missed: ${missed.join('; ')}.`)
  );
}

/** The README's rows: req/s, p99 and RSS with the big list against node:cluster, and consistency under reloads. */
function summaryRows(ratios: Record<string, number>, measurements: Record<string, Measurement>, big: string, inconsistent: number, targets: readonly Target[]): SummaryRow[] {
  const noise = (name: string): string => {
    const i = targets.find((t) => t.name === name)?.interval;
    return i === undefined ? '' : `; ${Math.round(i.level * 100)}% interval x${i.low}-${i.high}`;
  };
  const fig = (name: string, unit: string): string => {
    const m = measurements[name];
    if (m === undefined) return 'n/a';
    const value = unit === 'MiB' ? m.median / 2 ** 20 : m.median;
    return `${value.toLocaleString('en-US', { maximumFractionDigits: unit === 'req/s' || unit === 'MiB' ? 0 : 1 })} ${unit}`;
  };
  const rows: SummaryRow[] = [];
  const add = (measure: string, ours: string, theirs: string, ratio: number, unit: string, higherIsBetter: boolean, extra = ''): void => {
    rows.push({ measure, genswap: fig(ours, unit), alternative: 'node:cluster', value: fig(theirs, unit), ratio: `x${ratio}${higherIsBetter ? '' : ' (lower is better)'}${extra}` });
  };
  add('serve the verdict, 2 threads vs 2 processes: req/s', 'genswap serve, default config: req/s', 'node:cluster, default config: req/s', ratios['req/s, genswap serve / node:cluster, default config']!, 'req/s', true, noise('req/s, genswap serve / node:cluster (default config)'));
  add('serve the verdict: p99 latency', 'genswap serve, default config: p99 latency', 'node:cluster, default config: p99 latency', ratios['p99, genswap serve / node:cluster, default config']!, 'ms', false, noise('p99, genswap serve / node:cluster (default config)'));
  add(`serve with the ${big}: RSS of all processes`, `genswap serve, ${big}: RSS of the process tree (peak under load)`, `node:cluster, ${big}: RSS of the process tree (peak under load)`, ratios[`RSS, genswap serve / node:cluster, ${big}`]!, 'MiB', false);
  rows.push({ measure: 'a reload every 100 ms: answers inconsistent with their generation', genswap: String(inconsistent), alternative: 'node:cluster', value: 'configs mixed across processes (see RESULTS.md)', ratio: inconsistent === 0 ? 'none' : `${inconsistent}` });
  return rows;
}

export const scenario: Scenario = {
  name: 'serve-throughput',
  title: `HTTP throughput: genswap serve (${N} threads) vs node:cluster (${N} processes) vs one inline Node process, same handler, wrk`,
  async run({ quick }) {
    if (findWrk() === undefined) return skippedRun('serve-throughput', 'wrk is not installed (Debian/Ubuntu: apt-get install wrk)', quick);
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build the CLI first (pnpm build)`);
    const rounds = quick ? 1 : 8;
    const timing: RunTiming = quick ? { warmupS: 0, durationS: 1, connections: CONNECTIONS } : { warmupS: 2, durationS: 5, connections: CONNECTIONS };
    const entries = quick ? 20_000 : 1_000_000;
    const big = `${sizeLabel(entries)}-entry deny list`;
    const workloads = ['default config', big] as const;
    type Workload = (typeof workloads)[number];

    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-serve-'));
    const steady = new Map<string, SteadyRun[]>();
    const reloads = new Map<Server, ReloadRun[]>();
    const key = (s: Server, w: Workload): string => `${s}, ${w}`;
    try {
      const files = new Map<Workload, string>([
        ['default config', path.join(dir, 'default.yaml')],
        [big, path.join(dir, 'big-list.yaml')],
      ]);
      writeFileSync(files.get('default config')!, serveConfig());
      writeFileSync(files.get(big)!, serveConfig({ denyFiles: [writeListFile(dir, `deny-${sizeLabel(entries)}.txt`, listEntries(entries))] }));
      for (let r = 0; r < rounds; r++) {
        for (const w of r % 2 === 0 ? workloads : [...workloads].reverse()) {
          for (const s of rotate(w === 'default config' ? [...SERVERS, CONTROL] : SERVERS, r)) {
            const run = await steadyRun(argsOf(s, files.get(w)!), timing, dir);
            steady.set(key(s, w), [...(steady.get(key(s, w)) ?? []), run]);
          }
        }
        for (const s of rotate(RELOADING, r)) {
          const run = await reloadRun((file) => argsOf(s, file), timing, RELOAD_INTERVAL_MS, dir, s.replace(/\W+/g, '-'));
          reloads.set(s, [...(reloads.get(s) ?? []), run]);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    const measurements: Record<string, Measurement> = {};
    const of = (s: Server, w: Workload): SteadyRun[] => steady.get(key(s, w))!;
    for (const w of workloads) {
      for (const s of SERVERS) {
        const list = of(s, w);
        const k = key(s, w);
        measurements[`${k}: req/s`] = measurement('req/s', list.map((x) => round(x.load.requestsPerSecond, 0)));
        measurements[`${k}: p50 latency`] = measurement('ms', list.map((x) => round(x.load.p50Ms, 3)));
        measurements[`${k}: p99 latency`] = measurement('ms', list.map((x) => round(x.load.p99Ms, 3)));
        measurements[`${k}: max latency`] = measurement('ms', list.map((x) => round(x.load.maxMs, 3)));
        measurements[`${k}: RSS of the process tree (peak under load)`] = measurement('bytes', list.map((x) => x.rssPeak));
        measurements[`${k}: PSS of the process tree (after the load)`] = measurement('bytes', list.map((x) => x.pss));
        if (s === 'node:cluster') measurements[`${k}: RSS of the primary alone (after the load)`] = measurement('bytes', list.map((x) => x.rootRss));
        measurements[`${k}: CPU of the first process's main thread`] = measurement('cores', list.map((x) => round(x.mainThreadCores, 2)));
        measurements[`${k}: CPU of every other thread`] = measurement('cores', list.map((x) => round(x.otherThreadsCores, 2)));
        const shares = list.map((x) => x.busiestThreadShare).filter((x): x is number => x !== undefined);
        if (shares.length > 0) measurements[`${k}: requests of the busiest thread / the mean (1 = even)`] = measurement('ratio', shares.map((x) => round(x, 3)));
        measurements[`${k}: errors and non-200 answers`] = measurement('count', list.map((x) => x.load.errors + x.load.non2xx));
      }
    }
    const control = of(CONTROL, 'default config');
    measurements[`${key(CONTROL, 'default config')}: req/s`] = measurement('req/s', control.map((x) => round(x.load.requestsPerSecond, 0)));
    measurements[`${key(CONTROL, 'default config')}: p99 latency`] = measurement('ms', control.map((x) => round(x.load.p99Ms, 3)));
    const storm = `reload every ${RELOAD_INTERVAL_MS} ms`;
    for (const s of RELOADING) {
      const list = reloads.get(s)!;
      const k = `${s}, ${storm}`;
      measurements[`${k}: req/s (wrk counting answers)`] = measurement('req/s', list.map((x) => round(x.load.requestsPerSecond, 0)));
      measurements[`${k}: p99 latency`] = measurement('ms', list.map((x) => round(x.load.p99Ms, 3)));
      measurements[`${k}: inconsistent responses`] = measurement('count', list.map((x) => x.inconsistent));
      measurements[`${k}: errors`] = measurement('count', list.map((x) => x.errors));
      measurements[`${k}: reloads done`] = measurement('count', list.map((x) => x.reloads - x.reloadFailures));
      measurements[`${k}: reloads failed`] = measurement('count', list.map((x) => x.reloadFailures));
      measurements[`${k}: answers from an older config after a newer one answered`] = measurement('count', list.map((x) => x.stale));
      measurements[`${k}: old and new config both answering, median per reload`] = measurement('ms', list.map((x) => (x.windowsMs.length === 0 ? 0 : round(median(x.windowsMs), 3))));
      measurements[`${k}: old and new config both answering, longest`] = measurement('ms', list.map((x) => round(Math.max(0, ...x.windowsMs), 3)));
    }

    // Ratios per round (the runs of one round are a minute apart at most), then their median.
    const roundRatios = (f: (x: SteadyRun) => number, a: Server, b: Server, w: Workload): number[] => {
      const over = of(b, w);
      return of(a, w).map((x, i) => f(x) / f(over[i]!));
    };
    const perRound = (f: (x: SteadyRun) => number, a: Server, b: Server, w: Workload): number => round(median(roundRatios(f, a, b, w)), 3);
    /** How far that median moves between runs of this many rounds (the rounds are paired). */
    const spread = (f: (x: SteadyRun) => number, w: Workload, over: Server = 'node:cluster'): Interval =>
      roundInterval(bootstrapInterval([roundRatios(f, 'genswap serve', over, w)], ([g]) => median(g!)));
    const rps = (x: SteadyRun): number => x.load.requestsPerSecond;
    const p99 = (x: SteadyRun): number => x.load.p99Ms;
    const rss = (x: SteadyRun): number => x.rssPeak;
    /** CPU seconds of the whole tree per answered request: the work each server does per request, whoever is waiting on whom. */
    const cpuPerRequest = (x: SteadyRun): number => (x.mainThreadCores + x.otherThreadsCores) / x.load.requestsPerSecond;
    const ratios: Record<string, number> = {};
    for (const w of workloads) {
      ratios[`req/s, genswap serve / node:cluster, ${w}`] = perRound(rps, 'genswap serve', 'node:cluster', w);
      ratios[`req/s, genswap serve / inline, ${w}`] = perRound(rps, 'genswap serve', 'inline', w);
      ratios[`req/s, node:cluster / inline, ${w}`] = perRound(rps, 'node:cluster', 'inline', w);
      ratios[`p99, genswap serve / node:cluster, ${w}`] = perRound(p99, 'genswap serve', 'node:cluster', w);
      ratios[`RSS, genswap serve / node:cluster, ${w}`] = perRound(rss, 'genswap serve', 'node:cluster', w);
      ratios[`CPU per request, genswap serve / node:cluster, ${w}`] = perRound(cpuPerRequest, 'genswap serve', 'node:cluster', w);
    }
    ratios['req/s, genswap serve / the same again (control), default config'] = perRound(rps, 'genswap serve', CONTROL, 'default config');
    ratios['p99, genswap serve / the same again (control), default config'] = perRound(p99, 'genswap serve', CONTROL, 'default config');
    ratios['CPU per request, genswap serve / the same again (control), default config'] = perRound(cpuPerRequest, 'genswap serve', CONTROL, 'default config');
    const controlSpread = { rps: spread(rps, 'default config', CONTROL), p99: spread(p99, 'default config', CONTROL), cpu: spread(cpuPerRequest, 'default config', CONTROL) };
    const cpuSpread = spread(cpuPerRequest, 'default config');
    const inconsistent = reloads.get('genswap serve')!.reduce((a, x) => a + x.inconsistent, 0);
    const targets = [
      target('req/s, genswap serve / node:cluster (default config)', ratios['req/s, genswap serve / node:cluster, default config']!, '>=', 1, '', spread(rps, 'default config')),
      target('p99, genswap serve / node:cluster (default config)', ratios['p99, genswap serve / node:cluster, default config']!, '<=', 1, '', spread(p99, 'default config')),
      target(`RSS with the ${big}, genswap serve / node:cluster`, ratios[`RSS, genswap serve / node:cluster, ${big}`]!, '<=', 0.6),
      target(`genswap serve: inconsistent responses, ${storm}, all runs`, inconsistent, '<=', 0),
    ];
    const cores = cpus().length; // the machine's, not the share --client-cpus left this process
    const serverCpus = process.env[SERVER_CPUS_ENV];
    const where = (): string =>
      serverCpus === undefined || serverCpus === ''
        ? `On this ${cores}-core machine wrk (one thread) and the server under test share the cores`
        : `The servers ran on CPUs ${serverCpus} of this ${cores}-core machine (pnpm bench --server-cpus), wrk and the bench process on CPUs ${allowedCpus() ?? 'unknown'}`;
    return {
      params: {
        rounds,
        warmupS: timing.warmupS,
        durationS: timing.durationS,
        connections: CONNECTIONS,
        threadsOrProcesses: N,
        denyListEntries: entries,
        reloadIntervalMs: RELOAD_INTERVAL_MS,
        loadGenerator: `${wrkVersion()}: wrk -t1 -c${CONNECTIONS} -d${timing.durationS}s --latency, GET / with ${Object.entries(PROBE_HEADERS).map(([h, v]) => `${h}: ${v}`).join(', ')}`,
      },
      measurements,
      ratios,
      targets,
      summary: summaryRows(ratios, measurements, big, inconsistent, targets),
      notes: [
        `${where()}; every run starts a fresh server process, warms it up with ${timing.warmupS} s of the same load (reloads included in the reload runs), then measures ${timing.durationS} s. Rounds are interleaved and each starts with a different server. Ratios are taken per round, then their median.`,
        `Config: the gateway's bundled config without its loopback allow entries and limit rules (support/serve-configs.ts), so each request is judged in full: X-Forwarded-For believed from the trusted loopback proxy, the allow and deny lists searched, every rule tried, allowed by default. The big variant adds a deny list file of ${entries.toLocaleString('en-US')} entries (support/lists.ts), which the probed address is not on.`,
        `The alternatives: 'inline' is one Node process computing the verdict on its HTTP thread; 'node:cluster' is ${N} processes doing the same behind node:cluster's default round-robin, its primary loading and compiling the config once and sending each process the gateway codec's bytes over IPC; every process decodes its own copy and keeps its own rate-limit table. Both build the same HttpTask as genswap's front end and call the same handleRequest.`,
        `Memory: the sum of VmRSS over the server's process tree (/proc), sampled every 250 ms while measuring (the peak is reported); RSS counts pages shared between processes (the node binary) once per process, so the PSS sum after the load, which splits them, is given beside it. CPU: utime + stime per thread over the measured run; for genswap serve the first process's main thread is its primary, for the cluster it is the primary (which only hands out connections), for inline it is the one thread serving.`,
        `Reloads: a driver process (support/reload-driver.ts) writes, every ${RELOAD_INTERVAL_MS} ms, the next version of a config whose last rule allows the probed request (odd versions, reload-a, 200) or denies it (even versions, reload-b, 403), asks POST /reload, and learns from each answer which generation that version became. A wrk Lua response callback counts every answer by generation, status and rule (it makes wrk parse headers, so these req/s are lower than the steady ones); an answer is inconsistent when its rule or status is not that of its generation's version. 'Old and new config both answering' is, per reload, the time from the first answer of the new generation to the last answer of an older one, as the client saw them: for genswap that is requests pinned before the publish finishing after it; for the cluster it also holds the time until its last process has applied the new config (its reload answers once every process has acknowledged).`,
        reading(measurements, targets, big),
        `Control: every default-config round also runs genswap serve a second time, the same build and arguments, in its place in the rotation. genswap serve / that control run: req/s x${ratios['req/s, genswap serve / the same again (control), default config']} (90% interval x${controlSpread.rps.low}-${controlSpread.rps.high}), p99 x${ratios['p99, genswap serve / the same again (control), default config']} (x${controlSpread.p99.low}-${controlSpread.p99.high}). Two equal servers differ by that much here from the machine alone; a ratio to node:cluster inside that band is not told apart from equal.`,
        `CPU per request (the server tree's CPU over the run divided by its answers; not a target, it shows where a req/s ratio comes from, since wrk shares the cores and req/s also moves with how the scheduler splits them): genswap serve / node:cluster x${ratios['CPU per request, genswap serve / node:cluster, default config']} (90% interval x${cpuSpread.low}-${cpuSpread.high}); genswap serve / the control x${ratios['CPU per request, genswap serve / the same again (control), default config']} (x${controlSpread.cpu.low}-${controlSpread.cpu.high}).`,
      ],
    };
  },
};
