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
import { gcFunction } from '../support/memory.js';
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
  readonly workers: number;
}

async function sample(gc: () => void, workerMemory: () => Promise<number>): Promise<Sample> {
  const workers = await workerMemory();
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, workers };
}

/** Mean of the workers' heap + external memory, one answer per thread. */
async function meanWorkerMemory(run: () => Promise<{ threadId: number; result: unknown }>): Promise<number> {
  const seen = new Map<number, number>();
  for (let batch = 0; batch < 50 && seen.size < THREADS; batch++) {
    for (const a of await Promise.all(Array.from({ length: THREADS }, run))) if (!seen.has(a.threadId)) seen.set(a.threadId, a.result as number);
  }
  return [...seen.values()].reduce((a, x) => a + x, 0) / Math.max(1, seen.size);
}

async function genswapChurn(file: string, checkpoints: readonly number[], gc: () => void): Promise<{ samples: Sample[]; reloadMs: number[]; tasks: number; failures: number }> {
  writeFileSync(file, churnConfig(0));
  const supervisor: Supervisor = await createSupervisor({ configFile: file, app, worker: probeWorker, threads: THREADS });
  const pump = new Pump(() => supervisor.run({ op: 'verdict', request: REQUEST } satisfies ProbeTask));
  const samples: Sample[] = [];
  const reloadMs: number[] = [];
  try {
    let done = 0;
    for (const checkpoint of checkpoints) {
      pump.start();
      for (; done < checkpoint; done++) {
        writeFileSync(file, churnConfig(done + 1));
        const record = await supervisor.reload();
        if (!record.ok) throw new Error(`reload failed: ${JSON.stringify(record.problems)}`);
        reloadMs.push(record.durationMs);
      }
      await pump.stop();
      samples.push(await sample(gc, () => meanWorkerMemory(() => supervisor.run({ op: 'memory' } satisfies ProbeTask))));
    }
  } finally {
    await pump.stop();
    await supervisor.close();
  }
  return { samples, reloadMs, tasks: pump.tasks, failures: pump.failures };
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

export const scenario: Scenario = {
  name: 'memory-churn',
  title: 'RSS and heap after 100, 1,000 and 10,000 reloads with tasks running, vs restarting the pool',
  async run({ quick }) {
    const checkpoints = quick ? [10, 30, 60] : [100, 1_000, 10_000];
    const restartCheckpoints = quick ? [3, 6] : [30, 100, 300];
    const gc = gcFunction();
    const exposedGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-churn-'));
    let g: Awaited<ReturnType<typeof genswapChurn>>;
    let r: Awaited<ReturnType<typeof restartChurn>>;
    try {
      g = await genswapChurn(path.join(dir, 'genswap.yaml'), checkpoints, gc);
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
      measurements[`genswap, after ${n.toLocaleString('en-US')} reloads: worker heap + external (mean)`] = measurement('MiB', [mib(s.workers)]);
    });
    restartCheckpoints.forEach((n, i) => {
      const s = r.samples[i]!;
      measurements[`restart pool, after ${n} restarts: RSS`] = measurement('MiB', [mib(s.rss)]);
      measurements[`restart pool, after ${n} restarts: primary heap used`] = measurement('MiB', [mib(s.heapUsed)]);
    });
    measurements['genswap: reload duration'] = measurement('ms', g.reloadMs);
    measurements['restart pool: restart until serving'] = measurement('ms', r.restartMs.map((x) => round(x, 3)));
    measurements['genswap: tasks run meanwhile'] = measurement('count', [g.tasks]);
    measurements['genswap: failed tasks'] = measurement('count', [g.failures]);
    measurements['restart pool: failed tasks'] = measurement('count', [r.failures]);

    const [g1, g2, g3] = [g.samples[0]!, g.samples[1]!, g.samples[g.samples.length - 1]!];
    const [r1, r2] = [r.samples[0]!, r.samples[r.samples.length - 1]!];
    const mid = checkpoints[1]!.toLocaleString('en-US');
    const end = checkpoints[checkpoints.length - 1]!.toLocaleString('en-US');
    const ratios: Record<string, number> = {
      [`genswap RSS growth, ${checkpoints[0]} -> ${mid} reloads`]: growth(g1.rss, g2.rss),
      [`genswap RSS growth, ${mid} -> ${end} reloads`]: growth(g2.rss, g3.rss),
      [`genswap primary heap growth, ${mid} -> ${end} reloads`]: growth(g2.heapUsed, g3.heapUsed),
      [`genswap worker memory growth, ${mid} -> ${end} reloads`]: growth(g2.workers, g3.workers),
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
        target(`genswap worker memory growth, ${mid} -> ${end} reloads`, growth(g2.workers, g3.workers), '<=', 0.05),
        target('genswap: failed tasks during churn', g.failures, '<=', 0),
      ],
      notes: [
        'One process, one sample per checkpoint (counts are cumulative): tasks paused, the workers GC and report heap + external, then the primary runs full GCs before process.memoryUsage(). RSS covers the primary and its worker threads.',
        'Every reload reads a rewritten file: a new rule name, a shifted 32-entry deny list and a changed limit, so every generation differs; 4 verdict tasks stay in flight meanwhile.',
        `The restart alternative is measured to ${restartCheckpoints[restartCheckpoints.length - 1]} restarts only: each waits for a new pool to serve (median ${round(measurement('ms', r.restartMs).median, 1)} ms against ${round(measurement('ms', g.reloadMs).median, 2)} ms for a genswap reload).`,
      ],
    };
  },
};
