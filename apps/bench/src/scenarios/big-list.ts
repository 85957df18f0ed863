import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { attachReader, checksum, type Codec, createStore, type GenerationReader, jsonCodec, type StoreHandle } from '@genswap/core';
import {
  createRateLimitState,
  findV4,
  formatIPv4,
  type GatewayConfig,
  gatewayCodec,
  handleRequestAt,
  type RateLimitState,
  RangeSetBuilder,
} from '@genswap/gateway';
import { type Scenario, target } from '../harness.js';
import { measurement, round } from '../stats.js';
import { randomWords } from '../support/lists.js';
import { gcFunction, memoryInUse } from '../support/memory.js';

/**
 * A 1,000,000-entry deny list, published as a new generation: what does a worker pay to switch
 * to it, to look an address up, and in memory?
 *
 * genswap: the gateway's zero-copy codec. The first acquire of a generation verifies core's
 * checksum over the first 64 KiB (header + settings) and decodes only the settings JSON; the
 * range table is a Uint32Array view over the shared slot, searched in place.
 * Alternative: the default JSON codec carrying the same compiled ranges as a number array,
 * what a user who did not write a codec gets: checksum over all bytes, JSON.parse and
 * deep-freeze into each worker's own heap.
 *
 * This file is both the scenario (main thread) and its worker (started on this same module).
 */

type Mode = 'zero-copy' | 'json';

interface WorkerInput {
  readonly scenario: 'big-list';
  readonly mode: Mode;
  readonly handle: StoreHandle;
  readonly state: RateLimitState;
  /** Addresses to look up, half of them on the list. */
  readonly probes: Uint32Array;
  readonly lookupRuns: number;
}

type Request = { type: 'acquire' } | { type: 'lookup' } | { type: 'handler' } | { type: 'full-checksum' } | { type: 'close' };

interface AcquireReply {
  readonly firstAcquireMs: number;
  readonly memoryDelta: number;
}

const JSON_NAME = 'json';

/** A plain-array config: the shape the JSON alternative publishes. */
interface JsonList {
  readonly deny: readonly number[];
}

// ---------------------------------------------------------------- worker side

function runWorker(input: WorkerInput): void {
  const gc = gcFunction();
  const codec = (input.mode === 'zero-copy' ? gatewayCodec : jsonCodec) as Codec<unknown>;
  const reader: GenerationReader<unknown> = attachReader(input.handle, { codec });
  const probes = input.probes;
  let sink = 0;

  const lookupLoop = (value: unknown): number => {
    const t0 = process.hrtime.bigint();
    if (input.mode === 'zero-copy') {
      const table = (value as GatewayConfig).lists.deny[0]!.v4;
      for (let i = 0; i < probes.length; i++) sink += findV4(table, probes[i]!);
    } else {
      const table = (value as JsonList).deny;
      for (let i = 0; i < probes.length; i++) sink += findV4(table, probes[i]!);
    }
    return Number(process.hrtime.bigint() - t0) / probes.length;
  };

  parentPort!.on('message', (request: Request) => {
    switch (request.type) {
      case 'acquire': {
        // A fresh reader holds no decoded generation, so the memory delta is the whole cost of
        // one (a long-lived reader drops the previous generation as it decodes the next).
        const fresh = attachReader(input.handle, { codec });
        const before = memoryInUse(gc);
        const t0 = process.hrtime.bigint();
        const lease = fresh.acquire(); // first acquire of this generation: checksum + decode
        const firstAcquireMs = Number(process.hrtime.bigint() - t0) / 1e6;
        const memoryDelta = memoryInUse(gc) - before;
        lease.release();
        fresh.close();
        parentPort!.postMessage({ firstAcquireMs, memoryDelta } satisfies AcquireReply);
        break;
      }
      case 'lookup': {
        const samples: number[] = [];
        reader.withLease((value) => {
          lookupLoop(value); // warm up the JIT
          for (let r = 0; r < input.lookupRuns; r++) samples.push(lookupLoop(value));
        });
        parentPort!.postMessage({ samples, sink });
        break;
      }
      case 'handler': {
        // The whole verdict: describe the request, allow/deny lists, rules (none here). 1024
        // distinct clients cycled, so this figure is cache-warm, unlike the lookup loop.
        const tasks = Array.from({ length: 1024 }, (_, i) => ({
          method: 'GET',
          url: '/index.html',
          headers: { host: 'example.com', 'user-agent': 'bench' },
          remoteAddress: formatIPv4(probes[i % probes.length]!),
        }));
        const samples: number[] = [];
        const n = Math.max(tasks.length, Math.min(probes.length, 500_000));
        for (let r = 0; r <= input.lookupRuns; r++) {
          const t0 = process.hrtime.bigint();
          for (let i = 0; i < n; i++) {
            const lease = reader.acquire();
            const ctx = { generation: lease.generation, threadId: reader.threadId, state: input.state };
            sink += handleRequestAt(tasks[i & 1023]!, lease.value as GatewayConfig, ctx, 1_700_000_000_000).status;
            lease.release();
          }
          if (r > 0) samples.push(Number(process.hrtime.bigint() - t0) / n); // run 0 warms up
        }
        parentPort!.postMessage({ samples, sink });
        break;
      }
      case 'full-checksum': {
        // What core's checksum would cost if it covered the whole encoding (it covers 64 KiB).
        const samples: number[] = [];
        reader.withLease((value) => {
          const table = (value as GatewayConfig).lists.deny[0]!.v4;
          const all = new Uint8Array(table.buffer, 0, table.byteOffset + table.byteLength);
          for (let r = 0; r < 5; r++) {
            const t0 = process.hrtime.bigint();
            sink += checksum(all);
            samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
          }
        });
        parentPort!.postMessage({ samples, sink });
        break;
      }
      case 'close':
        reader.close();
        parentPort!.close();
        break;
    }
  });
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.scenario === 'big-list') runWorker(workerData as WorkerInput);

// ---------------------------------------------------------------- main side

function ask<T>(worker: Worker, request: Request): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (reply: T): void => {
      worker.off('error', reject);
      resolve(reply);
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
    worker.postMessage(request);
  });
}

interface ModeResult {
  readonly firstAcquireMs: number[];
  readonly memoryDelta: number[];
  readonly publishMs: number[];
  readonly lookupNs: number[];
  readonly handlerNs: number[];
  readonly fullChecksumMs: number[];
}

async function measureMode(mode: Mode, config: GatewayConfig, probes: Uint32Array, runs: number, lookupRuns: number): Promise<ModeResult> {
  const value: unknown = mode === 'zero-copy' ? config : ({ deny: Array.from(config.lists.deny[0]!.v4) } satisfies JsonList);
  const store = createStore<unknown>({ codec: (mode === 'zero-copy' ? gatewayCodec : jsonCodec) as Codec<unknown>, slots: 3, maxBytes: 256 * 1024 * 1024 });
  const input: WorkerInput = { scenario: 'big-list', mode, handle: store.handle, state: createRateLimitState({ entries: 1024 }), probes, lookupRuns };
  await store.publish(value);
  const worker = new Worker(new URL(import.meta.url), { workerData: input });
  const result: ModeResult = { firstAcquireMs: [], memoryDelta: [], publishMs: [], lookupNs: [], handlerNs: [], fullChecksumMs: [] };
  try {
    await ask<AcquireReply>(worker, { type: 'acquire' }); // attach + warm up once
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      await store.publish(value); // a new generation the worker has not decoded yet
      result.publishMs.push(performance.now() - t0);
      const reply = await ask<AcquireReply>(worker, { type: 'acquire' });
      result.firstAcquireMs.push(reply.firstAcquireMs);
      result.memoryDelta.push(reply.memoryDelta);
    }
    result.lookupNs.push(...(await ask<{ samples: number[] }>(worker, { type: 'lookup' })).samples);
    if (mode === 'zero-copy') {
      result.handlerNs.push(...(await ask<{ samples: number[] }>(worker, { type: 'handler' })).samples);
      result.fullChecksumMs.push(...(await ask<{ samples: number[] }>(worker, { type: 'full-checksum' })).samples);
    }
    worker.postMessage({ type: 'close' } satisfies Request);
  } finally {
    await worker.terminate();
    store.close();
  }
  return result;
}

export const scenario: Scenario = {
  name: 'big-list',
  title: 'a 1,000,000-entry deny list: a worker switching to it, looking up in it, and its memory (zero-copy codec vs JSON)',
  async run({ quick }) {
    const entries = quick ? 20_000 : 1_000_000;
    const runs = quick ? 2 : 7;
    const lookupRuns = quick ? 2 : 7;
    const probeCount = quick ? 20_000 : 1_000_000;

    const listed = randomWords(entries, 0x9e3779b9);
    const builder = new RangeSetBuilder();
    const t0 = performance.now();
    for (let i = 0; i < entries; i++) builder.addV4(listed[i]!, listed[i]!);
    const deny = builder.build();
    const compileMs = performance.now() - t0;
    const empty = { v4: new Uint32Array(0), v6: new Uint32Array(0) };
    const config: GatewayConfig = {
      settings: { statuses: { allow: 200, deny: 403, limited: 429 }, rules: [], limits: {} },
      lists: { allow: [], deny: [deny], trustedProxies: empty },
    };
    // Half the probes are listed addresses, half random ones (almost all misses).
    const strangers = randomWords(probeCount, 0x1234567);
    const probes = new Uint32Array(probeCount);
    for (let i = 0; i < probeCount; i++) probes[i] = i % 2 === 0 ? listed[(i * 7919) % entries]! : strangers[i]!;

    const zero = await measureMode('zero-copy', config, probes, runs, lookupRuns);
    const json = await measureMode('json', config, probes, Math.min(runs, quick ? 2 : 5), lookupRuns);

    const tableBytes = deny.v4.byteLength;
    const m = {
      'zero-copy: first acquire of a new generation': measurement('ms', zero.firstAcquireMs),
      'json: first acquire of a new generation': measurement('ms', json.firstAcquireMs),
      'zero-copy: worker memory growth on first acquire': measurement('bytes', zero.memoryDelta),
      'json: worker memory growth on first acquire': measurement('bytes', json.memoryDelta),
      'zero-copy: lookup (binary search in place)': measurement('ns/op', zero.lookupNs),
      'json: lookup (binary search, JS array)': measurement('ns/op', json.lookupNs),
      'zero-copy: whole verdict (acquire + handler + release)': measurement('ns/op', zero.handlerNs),
      'zero-copy: publish (encode + checksum 64 KiB + copy)': measurement('ms', zero.publishMs),
      'json: publish (stringify + checksum all + copy)': measurement('ms', json.publishMs),
      'checksum over the whole encoding (not done: bounded to 64 KiB)': measurement('ms', zero.fullChecksumMs),
    };
    const first = m['zero-copy: first acquire of a new generation'].median;
    return {
      params: { entries, mergedRanges: deny.v4.length / 2, tableBytes, runs, lookupRuns, probes: probeCount, compileMs: round(compileMs, 1) },
      measurements: m,
      ratios: {
        'json / zero-copy first acquire': round(m['json: first acquire of a new generation'].median / first, 1),
        'json / zero-copy memory growth': round(m['json: worker memory growth on first acquire'].median / Math.max(1, m['zero-copy: worker memory growth on first acquire'].median), 1),
        'zero-copy memory growth / table bytes': round(m['zero-copy: worker memory growth on first acquire'].median / tableBytes, 4),
      },
      targets: [
        target('first acquire of a new generation with a 1M-entry list, ms', round(first, 3), '<=', 1, 'ms'),
        target('lookup in a 1M-entry list, ns', round(m['zero-copy: lookup (binary search in place)'].median, 1), '<=', 1000, 'ns'),
        target('worker memory growth / table bytes', round(m['zero-copy: worker memory growth on first acquire'].median / tableBytes, 4), '<=', 0.01),
      ],
      notes: [
        'Memory growth = V8 used heap + external memory (typed-array backing stores) after full GCs, before and after the first acquire of a freshly attached reader, lease held.',
        `The range table is ${tableBytes} bytes; core hashes only the first 64 KiB of each generation (codec.checksumBytes): the line "checksum over the whole encoding" is what a full checksum would add to every worker's switch.`,
        'Lookups: half are listed addresses, half random (misses); the same probes for both codecs.',
      ],
    };
  },
};
