import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkAnswers, overlapWindows } from './answer-check.js';
import { treeCpu, treeMemory, treeRss } from './process-tree.js';
import { ReloadDriver, toMonotonicMs } from './reload-driver.js';
import { expectedAnswer, RELOAD_TEXTS } from './serve-configs.js';
import { type ServerProcess, startServer } from './server-process.js';
import { runWrk, type WrkResult } from './wrk.js';

/**
 * One measured run of serve-throughput against one server process: steady load (req/s,
 * latency, memory and CPU of the server's process tree), or load under a reload every
 * `intervalMs` (answers checked against the config of the generation that gave them).
 * Every run starts a fresh server and warms it up before measuring.
 */
export interface RunTiming {
  /** 0: no warm-up (quick runs, which only prove the scenario works). */
  readonly warmupS: number;
  readonly durationS: number;
  readonly connections: number;
}

/** The probed request: a client behind the trusted loopback proxy, judged by every rule. */
export const PROBE_HEADERS: Readonly<Record<string, string>> = {
  'X-Forwarded-For': '100.64.0.9',
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
};

const wrk = (server: ServerProcess, timing: RunTiming, durationS: number, dir: string, check: boolean): Promise<WrkResult> =>
  runWrk({ url: `${server.url}/`, connections: timing.connections, durationS, headers: PROBE_HEADERS, check, dir });

/** One request before the load: the server must judge the probe as `rule` (else the figures would measure something else). */
async function expectVerdict(server: ServerProcess, rule: string): Promise<void> {
  const res = await fetch(`${server.url}/`, { headers: PROBE_HEADERS });
  await res.arrayBuffer();
  const got = res.headers.get('x-genswap-rule');
  if (got !== rule) throw new Error(`${server.url}: the probe was decided by rule ${String(got)} (status ${res.status}), expected ${rule}`);
}

export interface SteadyRun {
  readonly load: WrkResult;
  /** Highest VmRSS sum of the tree, sampled every 250 ms while measuring. */
  readonly rssPeak: number;
  /** PSS sum of the tree after the load. */
  readonly pss: number;
  /** RSS of the first process alone after the load (genswap's only one, the cluster's primary). */
  readonly rootRss: number;
  readonly processes: number;
  /** CPU while measuring, in cores: the first process's main thread, and every other thread. */
  readonly mainThreadCores: number;
  readonly otherThreadsCores: number;
  /**
   * genswap serve only: requests of the busiest HTTP thread over the mean of all, while measuring
   * (1 is an even spread), from its admin status; undefined for servers without one.
   */
  readonly busiestThreadShare: number | undefined;
}

/** Per-thread request counts of a genswap serve, or undefined when the server is not one. */
async function threadRequests(admin: string): Promise<number[] | undefined> {
  try {
    const status = (await (await fetch(`${admin}/status`)).json()) as { http?: { threads: { requests: number }[] } };
    return status.http?.threads.map((t) => t.requests);
  } catch {
    return undefined;
  }
}

export async function steadyRun(args: readonly string[], timing: RunTiming, dir: string): Promise<SteadyRun> {
  const server = await startServer(args, 120_000);
  try {
    await expectVerdict(server, 'default');
    if (timing.warmupS > 0) await wrk(server, timing, timing.warmupS, dir, false);
    let rssPeak = treeRss(server.pid);
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, treeRss(server.pid))), 250);
    const cpu0 = treeCpu(server.pid);
    const before = await threadRequests(server.admin);
    let load: WrkResult;
    try {
      load = await wrk(server, timing, timing.durationS, dir, false);
    } finally {
      clearInterval(sampler);
    }
    const cpu1 = treeCpu(server.pid);
    const after = before === undefined ? undefined : await threadRequests(server.admin);
    const memory = treeMemory(server.pid);
    let busiestThreadShare: number | undefined;
    if (before !== undefined && after !== undefined && after.length === before.length && after.length > 0) {
      const served = after.map((n, i) => n - before[i]!);
      const total = served.reduce((a, b) => a + b, 0);
      if (total > 0) busiestThreadShare = Math.max(...served) / (total / served.length);
    }
    const seconds = load.durationMs / 1000;
    return {
      load,
      rssPeak: Math.max(rssPeak, memory.rss),
      pss: memory.pss,
      rootRss: memory.rootRss,
      processes: memory.processes,
      mainThreadCores: (cpu1.mainThreadS - cpu0.mainThreadS) / seconds,
      otherThreadsCores: (cpu1.otherThreadsS - cpu0.otherThreadsS) / seconds,
      busiestThreadShare,
    };
  } finally {
    await server.stop();
  }
}

export interface ReloadRun {
  readonly load: WrkResult;
  /** Answers whose rule or status is not that of the config their generation was built from. */
  readonly inconsistent: number;
  /** Connection errors, timeouts and 5xx answers. */
  readonly errors: number;
  readonly reloads: number;
  readonly reloadFailures: number;
  /** Per reload seen by the client: ms from the first answer of the new generation to the last of an older one (0 if none came after). */
  readonly windowsMs: readonly number[];
  /** Answers of an older generation arriving after one of a newer generation. */
  readonly stale: number;
}

/**
 * Load with a reload every `intervalMs` from a driver process (support/reload-driver.ts), which
 * alternates the two configs of RELOAD_TEXTS and learns generation -> version from each POST
 * /reload answer. The warm-up reloads too, so the reload path is compiled before measuring.
 */
export async function reloadRun(args: (file: string) => readonly string[], timing: RunTiming, intervalMs: number, dir: string, name: string): Promise<ReloadRun> {
  const file = path.join(dir, `reload-${name}.yaml`);
  writeFileSync(file, RELOAD_TEXTS[1]!); // version 1
  const server = await startServer(args(file), 60_000);
  const driver = await ReloadDriver.start().catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  try {
    await expectVerdict(server, expectedAnswer(1).rule);
    const versionOf = new Map<number, number>([[1, 1]]);
    const storm = async (firstVersion: number, durationS: number, check: boolean) => {
      const startMonoMs = toMonotonicMs(performance.now());
      const [log, load] = await Promise.all([
        driver.drive({ admin: server.admin, file, firstVersion, startMonoMs, durationMs: durationS * 1000, intervalMs, action: 'reload', texts: RELOAD_TEXTS }),
        wrk(server, timing, durationS, dir, check),
      ]);
      for (const [generation, version] of log.versionOf) versionOf.set(generation, version);
      return { log, load };
    };
    const warm = timing.warmupS > 0 ? (await storm(1, timing.warmupS, false)).log : { lastVersion: 1, failures: 0 };
    const { log, load } = await storm(warm.lastVersion, timing.durationS, true);
    const answers = load.answers!;
    const checked = checkAnswers(answers, versionOf, expectedAnswer);
    return {
      load,
      inconsistent: checked.inconsistent,
      errors: checked.errors + load.errors,
      reloads: log.instants.length,
      reloadFailures: log.failures + warm.failures,
      windowsMs: overlapWindows(answers.seen),
      stale: answers.stale,
    };
  } finally {
    await driver.close();
    await server.stop();
  }
}
