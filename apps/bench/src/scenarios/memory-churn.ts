import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@genswap/config';
import type { HttpTask } from '@genswap/supervisor';
import { createSupervisor, type Supervisor } from '@genswap/supervisor';
import { app, createState, definition } from '@genswap/gateway/definition';
import { Piscina } from 'piscina';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, round } from '../stats.js';
import { dotted } from '../support/lists.js';
import { DrainingPool } from '../support/draining-pool.js';
import { gcFunction, type IsolateMemory } from '../support/memory.js';
import type { ProbeTask } from '../workers/gateway-probe-worker.js';
import type { RestartAnswer, RestartWorkerData } from '../workers/restart-gateway-worker.js';

/**
 * Memory under reload churn: the supervisor (2 threads, gateway handler) reloads a config file
 * rewritten before every reload (a new rule name, a shifted deny list, changed limits) while
 * tasks keep running, and the process's RSS, the primary's heap and the workers' heaps are read
 * after 100, 1,000 and 10,000 reloads (tasks paused, full GCs first). Beside it, the same churn
 * by restarting the pool (new pool with the config in workerData, old one closed) at smaller
 * counts: a restart costs a thread start, so 10,000 of them would take the whole bench budget.
 * Run with --expose-gc (main.ts passes it, see NODE_FLAGS in scenarios/index.ts).
 */
const THREADS = 2;
const IN_FLIGHT = 4;
const REQUEST: HttpTask = { method: 'GET', url: '/index.html', headers: { host: 'example.com', 'user-agent': 'bench' }, remoteAddress: '203.0.113.9' };
const probeWorker = new URL('../workers/gateway-probe-worker.js', import.meta.url);
const restartWorker = new URL('../workers/restart-gateway-worker.js', import.meta.url).href;

function churnConfig(version: number): string {
  const deny = Array.from({ length: 32 }, (_, i) => dotted(0x0b000000 + ((version * 32 + i) % 1_000_000) * 256));
  return `# memory-churn config, version ${version}
ip:
  deny: [${deny.join(', ')}]
rules:
  - name: scanners
    match: { userAgent: "(sqlmap|nikto|nmap|masscan)" }
    action: deny
  - name: dotfiles
    match: { pathRegex: "^/(\\\\.env|\\\\.git)" }
    action: deny
  - name: everyone-rate
    action: limit
    limit: per-ip
  - name: churn-v${version}
    action: allow
limits:
  per-ip: { requests: ${100_000 + (version % 1000)}, windowSeconds: 60 }
`;
}

/** Keeps IN_FLIGHT tasks running until stopped. */
class Pump {
  private active = 0;
  private running = false;
  private idle: (() => void) | undefined;
  tasks = 0;
  failures = 0;
  constructor(private readonly run: () => Promise<unknown>) {}
  start(): void {
    this.running = true;
    this.fill();
  }
  async stop(): Promise<void> {
    this.running = false;
    if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
  }
  private fill(): void {
    while (this.running && this.active < IN_FLIGHT) {
      this.active++;
      this.run().then(
        () => this.settle(true),
        () => this.settle(false),
      );
    }
  }
  private settle(ok: boolean): void {
    this.active--;
    this.tasks++;
    if (!ok) this.failures++;
    if (this.running) this.fill();
    else if (this.active === 0) this.idle?.();
  }
}

interface Sample {
  readonly rss: number;
  readonly heapUsed: number;
  /** V8 heap the primary keeps committed (heapTotal): pages count in RSS whether used or not. */
  readonly heapTotal: number;
  /** Mean per worker. */
  readonly workers: IsolateMemory;
}

async function sample(gc: () => void, workerMemory: () => Promise<IsolateMemory>): Promise<Sample> {
  const workers = await workerMemory();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, workers };
}

/** Mean over the workers of their memory, one answer per thread. */
async function meanWorkerMemory(run: () => Promise<{ threadId: number; result: unknown }>): Promise<IsolateMemory> {
  const seen = new Map<number, IsolateMemory>();
  for (let batch = 0; batch < 50 && seen.size < THREADS; batch++) {
    for (const a of await Promise.all(Array.from({ length: THREADS }, run))) if (!seen.has(a.threadId)) seen.set(a.threadId, a.result as IsolateMemory);
  }
  const all = [...seen.values()];
  const mean = (f: (m: IsolateMemory) => number): number => all.reduce((a, x) => a + f(x), 0) / Math.max(1, all.length);
  return { used: mean((m) => m.used), committed: mean((m) => m.committed), youngCommitted: mean((m) => m.youngCommitted) };
}

interface ChurnResult {
  readonly samples: Sample[];
  readonly reloadMs: number[];
  /** Wall time of each phase (start, or the previous checkpoint, to this checkpoint). */
  readonly phaseMs: number[];
  readonly tasks: number;
  readonly failures: number;
}

/**
 * The supervisor under churn: reloads up to each checkpoint with tasks running. Without
 * `reloads`, the control: the same tasks for the same wall time per phase (`phaseMs`), no reload.
 */
async function genswapChurn(file: string, checkpoints: readonly number[], gc: () => void, control?: { phaseMs: readonly number[] }): Promise<ChurnResult> {
  writeFileSync(file, churnConfig(0));
  const supervisor: Supervisor = await createSupervisor({ configFile: file, app, worker: probeWorker, threads: THREADS });
  const pump = new Pump(() => supervisor.run({ op: 'verdict', request: REQUEST } satisfies ProbeTask));
  const result: ChurnResult = { samples: [], reloadMs: [], phaseMs: [], tasks: 0, failures: 0 };
  try {
    let done = 0;
    for (const [i, checkpoint] of checkpoints.entries()) {
      const t0 = performance.now();
      pump.start();
      if (control !== undefined) await new Promise((resolve) => setTimeout(resolve, control.phaseMs[i]));
      for (; control === undefined && done < checkpoint; done++) {
        writeFileSync(file, churnConfig(done + 1));
        const record = await supervisor.reload();
        if (!record.ok) throw new Error(`reload failed: ${JSON.stringify(record.problems)}`);
        result.reloadMs.push(record.durationMs);
      }
      await pump.stop();
      result.phaseMs.push(performance.now() - t0);
      result.samples.push(await sample(gc, () => meanWorkerMemory(() => supervisor.run({ op: 'memory' } satisfies ProbeTask))));
    }
  } finally {
    await pump.stop();
    await supervisor.close();
  }
  return { ...result, tasks: pump.tasks, failures: pump.failures };
}

async function restartChurn(file: string, checkpoints: readonly number[], gc: () => void): Promise<{ samples: Sample[]; restartMs: number[]; tasks: number; failures: number }> {
  const state = createState();
  const closing = new Set<Promise<void>>();
  let generation = 0;
  const startPool = async (version: number): Promise<DrainingPool> => {
    writeFileSync(file, churnConfig(version));
    const loaded = await loadConfig(file, definition);
    const data: RestartWorkerData = { config: loaded.value, generation: ++generation, state };
    return new DrainingPool(new Piscina({ filename: restartWorker, minThreads: THREADS, maxThreads: THREADS, workerData: data }));
  };
  let pool = await startPool(0);
  const pump = new Pump(() => pool.run(REQUEST));
  const samples: Sample[] = [];
  const restartMs: number[] = [];
  try {
    let done = 0;
    for (const checkpoint of checkpoints) {
      pump.start();
      for (; done < checkpoint; done++) {
        const t0 = performance.now();
        const next = await startPool(done + 1);
        const old = pool;
        pool = next;
        const closed: Promise<void> = old.retire().finally(() => closing.delete(closed));
        closing.add(closed);
        await pool.run(REQUEST); // serving again before the next restart
        restartMs.push(performance.now() - t0);
      }
      await pump.stop();
      await Promise.all([...closing]);
      samples.push(await sample(gc, () => meanWorkerMemory(() => pool.run<RestartAnswer>({ kind: 'bench.memory' }))));
    }
  } finally {
    await pump.stop();
    await Promise.all([...closing]);
    await pool.retire();
  }
  return { samples, restartMs, tasks: pump.tasks, failures: pump.failures };
}

const growth = (from: number, to: number): number => round((to - from) / from, 4);
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
const mibText = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The honest reading of the RSS target, computed from this run's samples. */
function rssReading(g2: Sample, g3: Sample, c2: Sample, c3: Sample, mid: string, end: string): string {
  const withReloads = growth(g2.rss, g3.rss);
  const control = growth(c2.rss, c3.rss);
  const verdict =
    Math.abs(withReloads - control) <= 0.05
      ? 'about the same: the growth comes from running tasks over time, not from reloading'
      : `so reloading adds ${((withReloads - control) * 100).toFixed(1)} points of RSS growth over the control`;
  if (withReloads <= 0.05) {
    return (
      `RSS grew ${pct(withReloads)} between ${mid} and ${end} reloads (target: under 5%); the control, the same tasks for the same time without a reload, ${pct(control)}. ` +
      `Each worker's young generation stayed at ${mibText(g3.workers.youngCommitted)}: the supervisor caps it at 8 MiB by default, because V8 otherwise grows it to 32 MiB as each generation's decoded config survives scavenges, and keeps it. ` +
      `Where genswap still pays: a reload's decoded config is garbage in every worker once the next one arrives, so reloading thousands of times costs worker GC work that a static config does not.`
    );
  }
  return (
    `Where genswap loses: RSS grew ${pct(withReloads)} between ${mid} and ${end} reloads (target: under 5%). ` +
    `Heap in use changed ${pct(growth(g2.heapUsed, g3.heapUsed))} in the primary and ${pct(growth(g2.workers.used, g3.workers.used))} in the workers, RSS minus the committed V8 heaps ${pct(growth(nonHeap(g2), nonHeap(g3)))}; ` +
    `what grew is the heap each worker keeps committed (${mibText(g2.workers.committed)} -> ${mibText(g3.workers.committed)}), its young generation alone ${mibText(g2.workers.youngCommitted)} -> ${mibText(g3.workers.youngCommitted)}: ` +
    'V8 enlarges the new space when many objects survive a scavenge, as each generation\'s decoded config does, keeps it after GCs, and stops at its cap (the supervisor\'s resourceLimits.maxYoungGenerationSizeMb lowers the cap). ' +
    `The control, the same tasks for the same time without a reload, grew RSS ${pct(control)} (worker young generation ${mibText(c2.workers.youngCommitted)} -> ${mibText(c3.workers.youngCommitted)}), ${verdict}.`
  );
}

/** RSS not explained by committed V8 heaps: native allocations, thread stacks, code, shared slots. */
const nonHeap = (s: Sample): number => s.rss - s.heapTotal - THREADS * s.workers.committed;

export const scenario: Scenario = {
  name: 'memory-churn',
  title: 'RSS and heap after 100, 1,000 and 10,000 reloads with tasks running, vs restarting the pool',
  async run({ quick }) {
    const checkpoints = quick ? [10, 30, 60] : [100, 1_000, 10_000];
    const restartCheckpoints = quick ? [3, 6] : [30, 100, 300];
    const gc = gcFunction();
    const exposedGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-churn-'));
    let g: ChurnResult;
    let c: ChurnResult;
    let r: Awaited<ReturnType<typeof restartChurn>>;
    try {
      g = await genswapChurn(path.join(dir, 'genswap.yaml'), checkpoints, gc);
      c = await genswapChurn(path.join(dir, 'control.yaml'), checkpoints, gc, { phaseMs: g.phaseMs });
      r = await restartChurn(path.join(dir, 'restart.yaml'), restartCheckpoints, gc);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const measurements: Record<string, Measurement> = {};
    const mib = (bytes: number): number => round(bytes / 2 ** 20, 2);
    checkpoints.forEach((n, i) => {
      const s = g.samples[i]!;
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: RSS`] = measurement('MiB', [mib(s.rss)]);
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: primary heap used`] = measurement('MiB', [mib(s.heapUsed)]);
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: primary heap committed`] = measurement('MiB', [mib(s.heapTotal)]);
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: worker heap used + external (mean)`] = measurement('MiB', [mib(s.workers.used)]);
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: worker heap committed + external (mean)`] = measurement('MiB', [mib(s.workers.committed)]);
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads:   of which young generation`] = measurement('MiB', [mib(s.workers.youngCommitted)]);
    });
    checkpoints.forEach((n, i) => {
      const s = c.samples[i]!;
      const label = `control, no reloads, same tasks and time as ${n.toLocaleString('en-US')} reloads`;
      measurements[`${label}: RSS`] = measurement('MiB', [mib(s.rss)]);
      measurements[`${label}: worker heap committed + external (mean)`] = measurement('MiB', [mib(s.workers.committed)]);
      measurements[`${label}:   of which young generation`] = measurement('MiB', [mib(s.workers.youngCommitted)]);
    });
    restartCheckpoints.forEach((n, i) => {
      const s = r.samples[i]!;
      measurements[`restart pool, after ${n} restarts: RSS`] = measurement('MiB', [mib(s.rss)]);
      measurements[`restart pool, after ${n} restarts: primary heap used`] = measurement('MiB', [mib(s.heapUsed)]);
    });
    measurements['genswap: reload duration'] = measurement('ms', g.reloadMs);
    measurements['restart pool: restart until serving'] = measurement('ms', r.restartMs.map((x) => round(x, 3)));
    measurements['genswap: tasks run meanwhile'] = measurement('count', [g.tasks]);
    measurements['control: tasks run'] = measurement('count', [c.tasks]);
    measurements['genswap: failed tasks'] = measurement('count', [g.failures]);
    measurements['restart pool: failed tasks'] = measurement('count', [r.failures]);

    const [g1, g2, g3] = [g.samples[0]!, g.samples[1]!, g.samples[g.samples.length - 1]!];
    const [c2, c3] = [c.samples[1]!, c.samples[c.samples.length - 1]!];
    const [r1, r2] = [r.samples[0]!, r.samples[r.samples.length - 1]!];
    const mid = checkpoints[1]!.toLocaleString('en-US');
    const end = checkpoints[checkpoints.length - 1]!.toLocaleString('en-US');
    const ratios: Record<string, number> = {
      [`genswap RSS growth, ${checkpoints[0]} -> ${mid} reloads`]: growth(g1.rss, g2.rss),
      [`genswap RSS growth, ${mid} -> ${end} reloads`]: growth(g2.rss, g3.rss),
      [`genswap primary heap growth, ${mid} -> ${end} reloads`]: growth(g2.heapUsed, g3.heapUsed),
      [`genswap worker memory growth, ${mid} -> ${end} reloads`]: growth(g2.workers.used, g3.workers.used),
      [`genswap RSS minus committed V8 heaps, growth ${mid} -> ${end} reloads`]: growth(nonHeap(g2), nonHeap(g3)),
      [`genswap worker heap committed growth, ${mid} -> ${end} reloads`]: growth(g2.workers.committed, g3.workers.committed),
      'control (no reloads) RSS growth, same phases': growth(c2.rss, c3.rss),
      'control (no reloads) worker heap committed growth, same phases': growth(c2.workers.committed, c3.workers.committed),
      [`restart pool RSS growth, ${restartCheckpoints[0]} -> ${restartCheckpoints[restartCheckpoints.length - 1]} restarts`]: growth(r1.rss, r2.rss),
      'restart until serving / genswap reload, median': round(measurement('ms', r.restartMs).median / measurement('ms', g.reloadMs).median, 1),
    };
    return {
      params: { threads: THREADS, tasksInFlight: IN_FLIGHT, checkpoints, restartCheckpoints, exposedGc },
      measurements,
      ratios,
      targets: [
        target(`genswap RSS growth, ${mid} -> ${end} reloads`, growth(g2.rss, g3.rss), '<=', 0.05),
        target(`genswap primary heap growth, ${mid} -> ${end} reloads`, growth(g2.heapUsed, g3.heapUsed), '<=', 0.05),
        target(`genswap worker memory growth, ${mid} -> ${end} reloads`, growth(g2.workers.used, g3.workers.used), '<=', 0.05),
        target('genswap: failed tasks during churn', g.failures, '<=', 0),
      ],
      notes: [
        'One process, one sample per checkpoint (counts are cumulative): tasks paused, the workers GC and report heap + external, then the primary runs full GCs before process.memoryUsage(). RSS covers the primary and its worker threads.',
        'Every reload reads a rewritten file: a new rule name, a shifted 32-entry deny list and a changed limit, so every generation differs; 4 verdict tasks stay in flight meanwhile.',
        rssReading(g2, g3, c2, c3, mid, end),
        `The restart alternative is measured to ${restartCheckpoints[restartCheckpoints.length - 1]} restarts only: each waits for a new pool to serve (median ${round(measurement('ms', r.restartMs).median, 1)} ms against ${round(measurement('ms', g.reloadMs).median, 2)} ms for a genswap reload).`,
      ],
    };
  },
};
