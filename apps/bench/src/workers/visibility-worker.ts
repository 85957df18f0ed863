import { BroadcastChannel, threadId, workerData } from 'node:worker_threads';
import { attachReader, type GenerationReader, type StoreHandle } from '@genswap/core';

/**
 * A piscina task module for the reload-visibility scenario. Each task reads the config the way
 * its variant delivers it, notes the moment it did, spins a little, and reports which version
 * it served. Variants: genswap (pin the current generation from shared memory), broadcast (a
 * BroadcastChannel message updates a module variable), restart (config fixed in workerData).
 */
export interface VisibilityConfig {
  readonly version: number;
  readonly payload: string;
}

export interface VisibilityWorkerData {
  readonly variant: 'genswap' | 'broadcast' | 'restart';
  readonly handle?: StoreHandle;
  readonly config?: VisibilityConfig;
  readonly channel?: string;
}

export interface VisibilityTask {
  readonly spinUs: number;
}

export interface VisibilityResult {
  readonly version: number;
  /** Epoch ms (µs precision) when the task fixed its config. */
  readonly at: number;
  readonly threadId: number;
}

const data = workerData as VisibilityWorkerData;
let current: VisibilityConfig | undefined = data.config;
let reader: GenerationReader<VisibilityConfig> | undefined;
if (data.variant === 'genswap') reader = attachReader<VisibilityConfig>(data.handle!);
if (data.variant === 'broadcast') {
  const channel = new BroadcastChannel(data.channel!);
  channel.onmessage = (event: unknown) => {
    current = (event as { data: VisibilityConfig }).data;
  };
}

function now(): number {
  return performance.timeOrigin + performance.now();
}

function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end) { /* simulated request work */ }
}

export default function task({ spinUs }: VisibilityTask): VisibilityResult {
  if (reader !== undefined) {
    const lease = reader.acquire();
    try {
      const at = now();
      spin(spinUs);
      return { version: lease.value.version, at, threadId };
    } finally {
      lease.release();
    }
  }
  const at = now();
  const version = current!.version;
  spin(spinUs);
  return { version, at, threadId };
}
