import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@genswap/config';
import type { Codec } from '@genswap/core';
import type { GatewayConfig, GatewayState } from '@genswap/gateway';
import { app, createState, definition } from '@genswap/gateway/definition';
import { type AppModule, createSupervisor, type HttpTask, type Supervisor } from '@genswap/supervisor';
import { Piscina } from 'piscina';
import { type ReportChart, type Scenario, target } from '../harness.js';
import { type Measurement, measurement, round } from '../stats.js';
import { listEntries, sizeLabel, writeListFile } from '../support/lists.js';
import type { IsolateMemory } from '../support/memory.js';
import type { ProbeTask, SwitchAnswer } from '../workers/gateway-probe-worker.js';
import type { RestartAnswer, RestartWorkerData } from '../workers/restart-gateway-worker.js';

/**
 * Reloading a gateway config whose deny list file holds 10k, 100k or 1M entries, through the
 * supervisor (2 threads). Primary: the split of a reload into read, parse, validate, compile
 * (LoadedConfig.timings), encode (timed inside the app's codec) and publish (the rest of
 * store.publish: copy into a free slot, checksum of the leading bytes, Atomics.store), taken
 * by running the reload's two public pieces, loadConfig and store.publish, on the supervisor's
 * own store; and the supervisor's reload() total beside it. Workers: the first task on the new
 * generation (the pin, checksum and decode before the handler runs; the verdict, which compiles
 * the rules) against a later one, and each worker's memory with the generation pinned.
 * Alternative: restarting a 2-thread pool with the compiled config in workerData (what
 * servers/restart-pool-server.ts does), same loadConfig.
 */
const THREADS = 2;
const SIZES = [10_000, 100_000, 1_000_000] as const;
const QUICK_SIZES = [1_000, 10_000] as const;

const probeWorker = new URL('../workers/gateway-probe-worker.js', import.meta.url);
const restartWorker = new URL('../workers/restart-gateway-worker.js', import.meta.url).href;

const REQUEST: HttpTask = { method: 'GET', url: '/index.html', headers: { host: 'example.com', 'user-agent': 'bench' }, remoteAddress: '203.0.113.9' };

function configText(listFile: string | undefined, revision: number): string {
  return `# big-config revision ${revision}
ip:
  deny: [192.0.2.66]
  denyFiles: [${listFile ?? ''}]
rules:
  - name: scanners
    match: { userAgent: "(sqlmap|nikto|nmap)" }
    action: deny
  - name: rev-${revision}
    action: allow
`;
}

/** The gateway codec with its encode timed, so a publish splits into encode and the rest. */
function timedCodec(codec: Codec<GatewayConfig>): { codec: Codec<GatewayConfig>; lastEncodeMs: () => number } {
  let last = Number.NaN;
  return {
    codec: {
      name: codec.name,
      ...(codec.checksumBytes !== undefined ? { checksumBytes: codec.checksumBytes } : {}),
      encode(value) {
        const t0 = performance.now();
        const bytes = codec.encode(value);
        last = performance.now() - t0;
        return bytes;
      },
      decode: (bytes) => codec.decode(bytes),
    },
    lastEncodeMs: () => last,
  };
}

interface WorkerSample {
  readonly first: SwitchAnswer[];
  readonly later: SwitchAnswer[];
}

/** Sends pairs of spinning tasks until every worker has run its first task on `generation`, then one later task each. */
async function switchSample(supervisor: Supervisor, generation: number): Promise<WorkerSample> {
  const first = new Map<number, SwitchAnswer>();
  const later = new Map<number, SwitchAnswer>();
  for (let batch = 0; batch < 100 && (first.size < THREADS || later.size < THREADS); batch++) {
    const answers = await Promise.all(
      Array.from({ length: THREADS }, () => supervisor.run<SwitchAnswer>({ op: 'switch', request: REQUEST, spinMs: 2 } satisfies ProbeTask)),
    );
    for (const a of answers) {
      if (a.generation !== generation) continue;
      if (a.result.first) first.set(a.threadId, a.result);
      else if (first.has(a.threadId) && !later.has(a.threadId)) later.set(a.threadId, a.result);
    }
  }
  return { first: [...first.values()], later: [...later.values()] };
}

/** Memory of each worker (heap + external), with the current generation pinned. */
async function workerMemory(run: (task: ProbeTask | { kind: 'bench.memory' }) => Promise<{ threadId: number; result: unknown }>): Promise<number[]> {
  const seen = new Map<number, number>();
  for (let batch = 0; batch < 50 && seen.size < THREADS; batch++) {
    const answers = await Promise.all(Array.from({ length: THREADS }, () => run({ op: 'memory' })));
    for (const a of answers) if (!seen.has(a.threadId)) seen.set(a.threadId, (a.result as IsolateMemory).used);
  }
  return [...seen.values()];
}

async function reloadOrThrow(supervisor: Supervisor): Promise<{ durationMs: number; generation: number }> {
  const record = await supervisor.reload();
  if (!record.ok) throw new Error(`reload failed: ${JSON.stringify(record.problems)}`);
  return record;
}

/** Mean memory growth per worker between two samples of the same pool size. */
function pairedGrowth(before: readonly number[], after: readonly number[]): number {
  const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
  return Math.round(mean(after) - mean(before));
}

/** A memory growth in words: below 1 KiB, or negative (GC noise), reads as none. */
function kib(bytes: number): string {
  if (bytes < 1024) return `no measurable growth (${(bytes / 1024).toFixed(1)} KiB)`;
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

interface RestartSample {
  readonly primaryMs: number;
  readonly serveMs: number[];
  readonly memory: number[];
}

/** The alternative: load the same file, start a new pool with the config in workerData, wait until each thread answers. */
async function restartOnce(file: string, state: GatewayState): Promise<RestartSample> {
  const t0 = performance.now();
  const loaded = await loadConfig(file, definition);
  const data: RestartWorkerData = { config: loaded.value, generation: 1, state };
  const pool = new Piscina({ filename: restartWorker, minThreads: THREADS, maxThreads: THREADS, workerData: data });
  const primaryMs = performance.now() - t0;
  try {
    const served = new Map<number, number>();
    for (let batch = 0; batch < 200 && served.size < THREADS; batch++) {
      const answers = await Promise.all(Array.from({ length: THREADS * 2 }, () => pool.run(REQUEST) as Promise<RestartAnswer>));
      const now = performance.now();
      for (const a of answers) if (!served.has(a.threadId)) served.set(a.threadId, now - t0);
    }
    const memory = await workerMemory(async () => (await pool.run({ kind: 'bench.memory' })) as RestartAnswer);
    return { primaryMs, serveMs: [...served.values()], memory };
  } finally {
    await pool.destroy();
  }
}

export const scenario: Scenario = {
  name: 'big-config',
  title: 'reloading deny lists of 10k, 100k and 1M entries: primary time split, worker switch, worker memory, vs restarting the pool',
  async run({ quick }) {
    const sizes = quick ? QUICK_SIZES : SIZES;
    const runs = quick ? 2 : 5;
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-big-config-'));
    const file = path.join(dir, 'gateway.yaml');
    writeFileSync(file, configText(undefined, 0));
    const timed = timedCodec(app.codec!);
    const timedApp: AppModule<GatewayConfig, GatewayState> = { ...app, codec: timed.codec };
    const supervisor = await createSupervisor({ configFile: file, app: timedApp, worker: probeWorker, threads: THREADS, store: { maxBytes: 128 * 1024 * 1024 } });
    const state = createState();
    const measurements: Record<string, Measurement> = {};
    const ratios: Record<string, number> = {};
    const params: Record<string, unknown> = { threads: THREADS, runs, sizes: [...sizes] };
    const chart = { genswapPrimary: [] as [number, number][], genswapSwitch: [] as [number, number][], restartServe: [] as [number, number][] };
    const memoryChart = { genswap: [] as [number, number][], restart: [] as [number, number][], table: [] as [number, number][] };
    let revision = 0;
    let largest = { reloadMs: Number.NaN, parseCompileMs: Number.NaN, switchMs: Number.NaN, memoryGrowth: Number.NaN, restartGrowth: Number.NaN, tableBytes: 1 };
    try {
      await switchSample(supervisor, supervisor.generation); // warm up both workers
      for (const n of sizes) {
        const listName = `deny-${n}.txt`;
        writeListFile(dir, listName, listEntries(n));
        const s = { read: [], parse: [], validate: [], compile: [], encode: [], publish: [], total: [], reload: [], first: [], firstAcquire: [], later: [], memory: [] } as Record<string, number[]>;
        const r = { primary: [] as number[], serve: [] as number[], memory: [] as number[] };
        let tableBytes = 0;
        for (let i = 0; i < runs; i++) {
          // 0. Memory of the same workers on the base config (no list), to pair with step 1.
          writeFileSync(file, configText(undefined, ++revision));
          await reloadOrThrow(supervisor);
          const before = await workerMemory((t) => supervisor.run(t));
          // 1. The real reload, as SIGHUP or POST /reload run it.
          writeFileSync(file, configText(listName, ++revision));
          const record = await reloadOrThrow(supervisor);
          s.reload!.push(record.durationMs);
          const sample = await switchSample(supervisor, record.generation);
          s.first!.push(...sample.first.map((a) => a.acquireMs + a.verdictMs));
          s.firstAcquire!.push(...sample.first.map((a) => a.acquireMs));
          s.later!.push(...sample.later.map((a) => a.acquireMs + a.verdictMs));
          s.memory!.push(pairedGrowth(before, await workerMemory((t) => supervisor.run(t))));
          // 2. The same reload in its public pieces, for the split.
          writeFileSync(file, configText(listName, ++revision));
          const t0 = performance.now();
          const loaded = await loadConfig(file, definition);
          const t1 = performance.now();
          await supervisor.store.publish(loaded.value);
          const publishTotal = performance.now() - t1;
          tableBytes = loaded.value.lists.deny.reduce((n, set) => n + set.v4.byteLength + set.v6.byteLength, 0);
          s.read!.push(loaded.timings.readMs);
          s.parse!.push(loaded.timings.parseMs);
          s.validate!.push(loaded.timings.validateMs);
          s.compile!.push(loaded.timings.compileMs);
          s.encode!.push(timed.lastEncodeMs());
          s.publish!.push(publishTotal - timed.lastEncodeMs());
          s.total!.push(performance.now() - t0);
          // 3. The alternative, its memory paired with a pool on the base config.
          writeFileSync(file, configText(undefined, revision));
          const base = await restartOnce(file, state);
          writeFileSync(file, configText(listName, revision));
          const alt = await restartOnce(file, state);
          r.primary.push(alt.primaryMs);
          r.serve.push(...alt.serveMs);
          r.memory.push(pairedGrowth(base.memory, alt.memory));
        }
        const k = sizeLabel(n);
        const m = (unit: string, list: number[]): Measurement => measurement(unit, list.map((x) => round(x, 3)));
        measurements[`${k}: genswap primary, reload() total`] = m('ms', s.reload!);
        measurements[`${k}:   read`] = m('ms', s.read!);
        measurements[`${k}:   parse`] = m('ms', s.parse!);
        measurements[`${k}:   validate`] = m('ms', s.validate!);
        measurements[`${k}:   compile`] = m('ms', s.compile!);
        measurements[`${k}:   encode`] = m('ms', s.encode!);
        measurements[`${k}:   publish (copy, checksum, Atomics.store)`] = m('ms', s.publish!);
        measurements[`${k}:   sum of the pieces (loadConfig + store.publish)`] = m('ms', s.total!);
        measurements[`${k}: genswap worker, first task on the new generation`] = m('ms', s.first!);
        measurements[`${k}:   of which pin + checksum + decode`] = m('ms', s.firstAcquire!);
        measurements[`${k}: genswap worker, a later task`] = m('ms', s.later!);
        measurements[`${k}: genswap worker memory growth over the base config`] = measurement('bytes', s.memory!);
        measurements[`${k}: restart pool primary (loadConfig + new pool)`] = m('ms', r.primary);
        measurements[`${k}: restart pool, until a worker serves`] = m('ms', r.serve);
        measurements[`${k}: restart pool worker memory growth over the base config`] = measurement('bytes', r.memory);
        const med = (label: string): number => measurements[`${k}: ${label}`]!.median;
        const gGrowth = med('genswap worker memory growth over the base config');
        const rGrowth = med('restart pool worker memory growth over the base config');
        ratios[`${k}: restart until serving / genswap first task`] = round(med('restart pool, until a worker serves') / med('genswap worker, first task on the new generation'), 1);
        if (n === sizes[sizes.length - 1]) {
          ratios[`${k}: genswap worker memory growth / table bytes`] = round(gGrowth / tableBytes, 4);
          ratios[`${k}: restart worker memory growth / table bytes`] = round(rGrowth / tableBytes, 3);
        }
        params[`tableBytes ${k}`] = tableBytes;
        chart.genswapPrimary.push([n, med('genswap primary, reload() total')]);
        chart.genswapSwitch.push([n, med('genswap worker, first task on the new generation')]);
        chart.restartServe.push([n, med('restart pool, until a worker serves')]);
        memoryChart.genswap.push([n, Math.max(1, gGrowth / 1024)]);
        memoryChart.restart.push([n, Math.max(1, rGrowth / 1024)]);
        memoryChart.table.push([n, tableBytes / 1024]);
        largest = {
          reloadMs: med('genswap primary, reload() total'),
          parseCompileMs: med('  parse') + med('  compile'),
          switchMs: med('genswap worker, first task on the new generation'),
          memoryGrowth: gGrowth,
          restartGrowth: rGrowth,
          tableBytes,
        };
      }
    } finally {
      await supervisor.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const top = sizeLabel(sizes[sizes.length - 1]!);
    const charts: ReportChart[] = [
      {
        id: 'cost',
        title: 'reload cost vs deny-list size',
        xLabel: 'entries in the deny list (log)',
        yLabel: 'ms (log)',
        logX: true,
        logY: true,
        series: [
          { name: 'genswap: primary reload()', points: chart.genswapPrimary },
          { name: 'genswap: worker first task', points: chart.genswapSwitch },
          { name: 'restart: until a worker serves', points: chart.restartServe },
        ],
      },
      {
        id: 'memory',
        title: 'worker memory growth vs deny-list size',
        xLabel: 'entries in the deny list (log)',
        yLabel: 'KiB per worker (log; 1 = none)',
        logX: true,
        logY: true,
        series: [
          { name: 'genswap (read in place)', points: memoryChart.genswap },
          { name: 'restart (workerData copy)', points: memoryChart.restart },
          { name: 'the range tables', points: memoryChart.table },
        ],
      },
    ];
    return {
      params,
      measurements,
      ratios,
      targets: [
        target(`${top}: genswap worker, first task on the new generation, ms`, round(largest.switchMs, 3), '<=', 1, 'ms'),
        target(`${top}: genswap worker memory growth / table bytes`, round(largest.memoryGrowth / largest.tableBytes, 4), '<=', 0.01),
      ],
      charts,
      notes: [
        `${THREADS} worker threads; the primary and the workers share the machine's 2 cores. List entries are /32 and /24 IPv4 blocks (listEntries in support/lists.ts).`,
        'The split runs loadConfig and store.publish on the supervisor\'s own store, the two steps its reload() runs; "reload() total" is the supervisor\'s own figure for a real reload of the same file. Encode is timed inside the app\'s codec; publish is the rest of store.publish.',
        'Worker memory is V8 heap + external memory of each worker isolate after full GCs, with the generation pinned (genswap) or the config in workerData (restart); growth is paired, per run: the same genswap workers just before on the base config (no list), or a restarted pool on the base config.',
        `Where genswap loses: a reload's work grows with the list: ${Math.round(largest.reloadMs)} ms for ${top} entries, ${Math.round((100 * largest.parseCompileMs) / largest.reloadMs)}% of it parsing and compiling the list file, so a new list takes that long to apply. Here it runs on the primary's thread (no appModule); \`genswap serve\` runs it in its loader thread, so HTTP is not stalled meanwhile (see reload-stall). The restart alternative runs the same loadConfig, then also copies the tables into every worker: ${(largest.restartGrowth / 2 ** 20).toFixed(1)} MiB more per worker here, against ${kib(largest.memoryGrowth)} for genswap.`,
      ],
    };
  },
};
