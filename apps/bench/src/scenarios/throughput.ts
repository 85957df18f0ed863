import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { app, createState } from '@genswap/gateway/definition';
import { createSupervisor } from '@genswap/supervisor';
import { Piscina } from 'piscina';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, round } from '../stats.js';

/**
 * Tasks per second through a pool of 2 threads with many tasks in flight: a no-op task on raw
 * piscina (what a user without genswap runs), the same returning an object shaped like genswap's
 * result envelope (to tell its clone cost from the pin's), a pool running a defineWorker handler that
 * reads the config (worker-side cost: pin, read, release, result envelope), and the supervisor
 * (createSupervisor + defineWorker: the worker-side cost plus the primary's run() bookkeeping).
 * Runs are interleaved, the order rotating each round (A B C, B C A, C A B ...), so drift and
 * position hit all three alike.
 */
type Variant = 'raw piscina' | 'raw piscina, envelope-shaped result' | 'piscina + defineWorker' | 'supervisor';
const VARIANTS: readonly Variant[] = ['raw piscina', 'raw piscina, envelope-shaped result', 'piscina + defineWorker', 'supervisor'];
const THREADS = 2;

const noopWorker = new URL('../workers/noop-worker.js', import.meta.url).href;
const envelopeWorker = new URL('../workers/envelope-worker.js', import.meta.url).href;
const configWorker = new URL('../workers/config-read-worker.js', import.meta.url);
const gatewayYaml = fileURLToPath(import.meta.resolve('@genswap/gateway/config/gateway.yaml'));

type Run = (task: number) => Promise<unknown>;

/** Keeps `inFlight` tasks running for `ms` and returns completed tasks per second. */
async function pump(run: Run, inFlight: number, ms: number): Promise<number> {
  let done = 0;
  let running = true;
  const t0 = performance.now();
  const end = t0 + ms;
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    const next = (): void => {
      while (running && active < inFlight) {
        active++;
        run(done).then(() => {
          active--;
          done++;
          if (performance.now() >= end) running = false;
          if (running) next();
          else if (active === 0) resolve();
        }, reject);
      }
    };
    next();
  });
  return done / ((performance.now() - t0) / 1000);
}

/** The honest reading, phrased from this run's numbers. */
function throughputReading(supervisor: number, raw: number, ratio: number, wrappedRatio: number, envelopeRatio: number): string {
  const head = `for a task that does nothing, genswap's per-task cost is all there is to see: the supervisor ran ${Math.round(supervisor)} tasks/s against raw piscina's ${Math.round(raw)} (x${ratio} per round)`;
  const parts = `the worker side alone (pin, config read, release, result envelope) measured x${wrappedRatio}, and raw piscina returning an object shaped like the envelope, with no pin, x${envelopeRatio}`;
  if (ratio >= 0.99) return `Where genswap would lose: ${head}, within this machine's run-to-run noise; ${parts}.`;
  return (
    `Where genswap loses: ${head}, ${((1 - ratio) * 100).toFixed(1)}% fewer; ${parts} (the share of the cost that is cloning the bigger result back to the primary). ` +
    "Tasks that do real work (the gateway's verdict, HTTP parsing) dilute this fixed cost."
  );
}

export const scenario: Scenario = {
  name: 'throughput',
  title: 'no-op tasks per second, 2 threads, many in flight: raw piscina vs the supervisor (pin + config read per task)',
  async run({ quick }) {
    const rounds = quick ? 4 : 12;
    const runMs = quick ? 150 : 1000;
    const warmupMs = quick ? 100 : 800;
    const inFlight = 64;

    const raw = new Piscina({ filename: noopWorker, minThreads: THREADS, maxThreads: THREADS });
    const enveloped = new Piscina({ filename: envelopeWorker, minThreads: THREADS, maxThreads: THREADS });
    const supervisor = await createSupervisor({ configFile: gatewayYaml, app, worker: configWorker, threads: THREADS });
    // The defineWorker module on a bare piscina pool, attached to the supervisor's store.
    const wrapped = new Piscina({
      filename: configWorker.href,
      minThreads: THREADS,
      maxThreads: THREADS,
      workerData: { handle: supervisor.store.handle, state: createState() },
    });
    const runners: Record<Variant, Run> = {
      'raw piscina': (n) => raw.run(n),
      'raw piscina, envelope-shaped result': (n) => enveloped.run(n),
      'piscina + defineWorker': (n) => wrapped.run(n),
      supervisor: (n) => supervisor.run(n),
    };
    const samples: Record<Variant, number[]> = { 'raw piscina': [], 'raw piscina, envelope-shaped result': [], 'piscina + defineWorker': [], supervisor: [] };
    try {
      for (const v of VARIANTS) await pump(runners[v], inFlight, warmupMs);
      for (let r = 0; r < rounds; r++) {
        // Rotate the order (A B C, B C A, C A B ...) so no variant always runs first or last.
        for (let i = 0; i < VARIANTS.length; i++) {
          const v = VARIANTS[(r + i) % VARIANTS.length]!;
          samples[v].push(await pump(runners[v], inFlight, runMs));
        }
      }
    } finally {
      await raw.destroy();
      await enveloped.destroy();
      await wrapped.destroy();
      await supervisor.close();
    }
    const measurements: Record<string, Measurement> = {};
    for (const v of VARIANTS) measurements[`${v}: tasks/s`] = measurement('tasks/s', samples[v].map((x) => Math.round(x)));
    // Ratio per round (the two runs are back to back), then the median.
    const ratioOf = (a: Variant, b: Variant): number => round(median(samples[a].map((x, i) => x / samples[b][i]!)), 3);
    const supervisorRatio = ratioOf('supervisor', 'raw piscina');
    const rawMedian = measurements['raw piscina: tasks/s']!.median;
    const supMedian = measurements['supervisor: tasks/s']!.median;
    const wrappedRatio = ratioOf('piscina + defineWorker', 'raw piscina');
    return {
      params: { threads: THREADS, inFlight, rounds, runMs, warmupMs, config: 'apps/gateway/config/gateway.yaml' },
      measurements,
      ratios: {
        'supervisor / raw piscina': supervisorRatio,
        'raw piscina, envelope-shaped result / raw piscina': ratioOf('raw piscina, envelope-shaped result', 'raw piscina'),
        'piscina + defineWorker / raw piscina': wrappedRatio,
        'supervisor / piscina + defineWorker': ratioOf('supervisor', 'piscina + defineWorker'),
      },
      targets: [target('supervisor / raw piscina, tasks/s', supervisorRatio, '>=', 0.97)],
      notes: [
        `The primary thread (which submits tasks and receives results) and the ${THREADS} workers share ${availableParallelism()} cores, so the figures measure per-task overhead, not parallel speed-up. Ratios are per round (runs back to back, order rotating), then their median; single runs vary by several percent, so a ratio within a few hundredths of 1 is within noise.`,
        "piscina + defineWorker: the supervisor's worker module on a bare piscina pool (default load balancer), attached to the supervisor's store; the supervisor installs its own ready-only load balancer and wraps each run() (envelope check, counters, metrics).",
        throughputReading(supMedian, rawMedian, supervisorRatio, wrappedRatio, ratioOf('raw piscina, envelope-shaped result', 'raw piscina')),
      ],
    };
  },
};
