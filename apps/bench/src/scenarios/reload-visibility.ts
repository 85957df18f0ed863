import { BroadcastChannel } from 'node:worker_threads';
import { createStore, type GenerationStore } from '@genswap/core';
import { Piscina } from 'piscina';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, round } from '../stats.js';
import type { VisibilityConfig, VisibilityResult, VisibilityTask, VisibilityWorkerData } from '../workers/visibility-worker.js';

/**
 * Reload visibility under load: the time from "the new config is handed over" until every
 * worker has started a task on it, and the inconsistency window (from the first task on the new
 * config to the last task that still started on the old one). genswap beside what a user would
 * build instead: a BroadcastChannel message to every worker (piscina's default atomics: 'sync'
 * and the 'async' mode that lets messages in), and recreating the pool with the new config.
 */
type Variant = 'genswap' | 'broadcast (atomics sync)' | 'broadcast (atomics async)' | 'restart pool';

const filename = new URL('../workers/visibility-worker.js', import.meta.url).href;
const THREADS = 2;
const IN_FLIGHT = 8;
const SPIN_US = 20;

function now(): number {
  return performance.timeOrigin + performance.now();
}

interface VariantResult {
  visibilityUs: number[];
  windowUs: number[];
  timeouts: number;
}

function config(version: number, payloadBytes: number): VisibilityConfig {
  return { version, payload: 'x'.repeat(payloadBytes) };
}

function makePool(variant: Variant, workerData: VisibilityWorkerData): Piscina {
  return new Piscina({
    filename,
    minThreads: THREADS,
    maxThreads: THREADS,
    atomics: variant === 'broadcast (atomics async)' ? 'async' : 'sync',
    workerData,
  });
}

async function runVariant(variant: Variant, reloads: number, timeoutMs: number, payloadBytes: number): Promise<VariantResult> {
  const channelName = `genswap-bench-${process.pid}`;
  const channel = new BroadcastChannel(channelName);
  let store: GenerationStore<VisibilityConfig> | undefined;
  const dataFor = (version: number): VisibilityWorkerData => {
    if (variant === 'genswap') return { variant: 'genswap', handle: store!.handle };
    if (variant === 'restart pool') return { variant: 'restart', config: config(version, payloadBytes) };
    return { variant: 'broadcast', config: config(version, payloadBytes), channel: channelName };
  };
  if (variant === 'genswap') {
    store = createStore<VisibilityConfig>({ slots: 4 });
    await store.publish(config(1, payloadBytes));
  }
  let pool = makePool(variant, dataFor(1));
  let version = 1;
  let firstNew = new Map<number, number>();
  let lastOldAt = 0;
  let wanted = new Set<number>();
  let onProgress: (() => void) | undefined;
  const pending = new Set<Promise<unknown>>();
  let running = true;

  const record = (r: VisibilityResult) => {
    if (r.version === version) {
      if (!firstNew.has(r.threadId)) firstNew.set(r.threadId, r.at);
      onProgress?.();
    } else if (r.version < version) {
      lastOldAt = Math.max(lastOldAt, r.at);
    }
  };
  const pump = () => {
    while (running && pending.size < IN_FLIGHT) {
      const p: Promise<unknown> = pool.run({ spinUs: SPIN_US } satisfies VisibilityTask).then(record, () => undefined);
      pending.add(p);
      void p.finally(() => {
        pending.delete(p);
        pump();
      });
    }
  };

  await Promise.all(Array.from({ length: 200 }, () => pool.run({ spinUs: 1 })));
  pump();
  const result: VariantResult = { visibilityUs: [], windowUs: [], timeouts: 0 };
  for (let r = 0; r < reloads; r++) {
    version++;
    firstNew = new Map();
    lastOldAt = 0;
    const t0 = now();
    let retiring: Piscina | undefined;
    if (variant === 'genswap') await store!.publish(config(version, payloadBytes));
    else if (variant === 'restart pool') {
      retiring = pool;
      pool = makePool(variant, dataFor(version));
    } else channel.postMessage(config(version, payloadBytes));
    wanted = new Set(pool.threads.map((t) => t.threadId));

    const allSeen = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      onProgress = () => {
        // Restarted pools create their threads lazily: take the thread set as it is now.
        if (variant === 'restart pool') wanted = new Set(pool.threads.map((t) => t.threadId));
        if (wanted.size >= THREADS && [...wanted].every((id) => firstNew.has(id))) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      onProgress();
    });
    onProgress = undefined;
    await Promise.all([...pending]); // tasks already started on the old config finish first
    if (retiring) await retiring.destroy();
    if (!allSeen) {
      result.timeouts++;
      result.visibilityUs.push(timeoutMs * 1000);
      if (result.timeouts >= 3) break; // it does not get better: do not spend minutes proving it
      continue;
    }
    const firstAt = Math.min(...firstNew.values());
    result.visibilityUs.push((Math.max(...firstNew.values()) - t0) * 1000);
    result.windowUs.push(Math.max(0, lastOldAt - firstAt) * 1000);
  }
  running = false;
  await Promise.all([...pending]);
  await pool.destroy();
  channel.close();
  store?.close();
  return result;
}

export const scenario: Scenario = {
  name: 'reload-visibility',
  title: 'time until every worker serves the new config, under load, vs BroadcastChannel and pool restart',
  async run({ quick }) {
    const reloads = quick ? 3 : 25;
    const timeoutMs = quick ? 300 : 3000;
    const payloadBytes = quick ? 1024 : 64 * 1024;
    const variants: Variant[] = ['genswap', 'broadcast (atomics sync)', 'broadcast (atomics async)', 'restart pool'];
    const measurements: Record<string, Measurement> = {};
    const results = new Map<Variant, VariantResult>();
    for (const v of variants) {
      const r = await runVariant(v, reloads, timeoutMs, payloadBytes);
      results.set(v, r);
      measurements[`${v}: visibility`] = measurement('µs', r.visibilityUs);
      // A variant whose reloads never reached every worker has no window to report.
      if (r.windowUs.length > 0) measurements[`${v}: inconsistency window`] = measurement('µs', r.windowUs);
      measurements[`${v}: reloads not seen by every worker within ${timeoutMs} ms`] = measurement('count', [r.timeouts]);
    }
    const g = measurements['genswap: visibility']!.median;
    const ratios: Record<string, number> = {};
    for (const v of variants.slice(1)) ratios[`${v} / genswap, visibility`] = round(measurements[`${v}: visibility`]!.median / g, 1);
    return {
      params: { threads: THREADS, inFlight: IN_FLIGHT, taskSpinUs: SPIN_US, reloads, payloadBytes, timeoutMs },
      measurements,
      ratios,
      targets: [target('genswap: reloads not seen within the timeout', results.get('genswap')!.timeouts, '<=', 0)],
      notes: [
        'Visibility: from the hand-over (publish, postMessage, new pool) to the last worker starting a task on the new config. A reload that times out counts as the timeout.',
        "With piscina's default atomics: 'sync', a busy worker never returns to its event loop, so a BroadcastChannel message waits until the pool goes idle.",
        'Restart pool: new tasks go to the new pool at once and wait for its threads to start, so its visibility is also a stall of every request in that time.',
      ],
    };
  },
};
