import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { parseConfigText } from '@genswap/config';
import { createStore, type GenerationStore } from '@genswap/core';
import { createRateLimitState, finishHash, type GatewayConfig, gatewayCodec, definition, hashString, hashWord, newKeyHash, parseIp, rateTableFor, startHash } from '@genswap/gateway';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * Two real worker threads run the gateway handler against one shared rate-limit table, as a
 * supervised pool does. The documented accuracy is: counting is exact per key (no increment is
 * lost between threads), so a limit of N lets exactly N requests of a key through, whatever
 * the interleaving; and counters are state, not config, so they survive a reload.
 */

const fixture = new URL('../apps/gateway/test-fixtures/rate-hammer.mjs', import.meta.url);
const NOW = 1_700_000_000_000 - (1_700_000_000_000 % 60_000) + 1000; // 1 s into a 60 s window

function yaml(loginRequests: number): string {
  return `
rules:
  - { name: burst, match: { path: /burst }, action: limit, limit: burst }
  - { name: login, match: { path: /login }, action: limit, limit: login }
limits:
  burst: { requests: 500, windowSeconds: 60 }
  login: { requests: ${loginRequests}, windowSeconds: 60 }
`;
}

async function compile(text: string): Promise<GatewayConfig> {
  return (await parseConfigText(text, path.join(import.meta.dirname, 'rate.yaml'), definition)).value;
}

interface Counts {
  [key: string]: { allowed: number; generation: number };
}

const workers: Worker[] = [];
let store: GenerationStore<GatewayConfig> | undefined;

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
  store?.close();
});

function runPhase(phase: number, plan: readonly { client: string; path: string; times: number }[]): Promise<Counts[]> {
  return Promise.all(
    workers.map(
      (w) =>
        new Promise<Counts>((resolve, reject) => {
          const onMessage = (m: { phase: number; counts: Counts }): void => {
            if (m.phase !== phase) return;
            w.off('message', onMessage);
            resolve(m.counts);
          };
          w.on('message', onMessage);
          w.once('error', reject);
          w.postMessage({ phase, plan });
        }),
    ),
  );
}

function sum(results: Counts[], key: string): number {
  return results.reduce((n, r) => n + r[key]!.allowed, 0);
}

describe('gateway rate limits across worker threads', () => {
  it('lets exactly `requests` through when two workers race for one key, and keeps counts across a reload', async () => {
    store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
    await store.publish(await compile(yaml(1000)));
    const state = createRateLimitState({ entries: 4096 });
    const barrier = new SharedArrayBuffer(64);
    for (let i = 0; i < 2; i++) {
      workers.push(new Worker(fixture, { workerData: { handle: store.handle, state, barrier, nowMs: NOW, parties: 2 } }));
    }

    // Phase 1: both workers hammer /burst (limit 500) 5000 times each from one client; and
    // 400 /login each from a second client (under its limit of 1000); and 5 each from 100 others.
    const others = Array.from({ length: 100 }, (_, i) => ({ client: `198.51.100.${i + 1}`, path: '/login', times: 5 }));
    const phase1 = await runPhase(1, [{ client: '203.0.113.1', path: '/burst', times: 5000 }, { client: '203.0.113.2', path: '/login', times: 400 }, ...others]);
    expect(sum(phase1, '203.0.113.1 /burst')).toBe(500);
    expect(sum(phase1, '203.0.113.2 /login')).toBe(800);
    for (const o of others) expect(sum(phase1, `${o.client} /login`)).toBe(10);

    // The primary sees the same counters (the table is shared memory, not per worker), and
    // hashes keys as the workers did: with the secret seed stored in that shared memory.
    const table = rateTableFor(state);
    const scratch = new Uint32Array(4);
    const keyOf = (limit: string, ip: string): ReturnType<typeof startHash> => {
      parseIp(ip, scratch);
      return finishHash(hashWord(hashWord(hashWord(hashString(startHash(newKeyHash(), table.seed), limit), 4), 32), scratch[0]!));
    };
    expect(table.peek(keyOf('burst', '203.0.113.1'), 60, NOW)).toBe(10_000);
    expect(table.peek(keyOf('login', '203.0.113.2'), 60, NOW)).toBe(800);
    expect(table.stats().evictions).toBe(0);

    // Reload: a new generation lowers login to 900. Counters are not reset: of 200 more
    // requests (100 per worker) exactly 100 fit under the new limit.
    const generation = await store.publish(await compile(yaml(900)));
    const phase2 = await runPhase(2, [{ client: '203.0.113.2', path: '/login', times: 100 }]);
    expect(phase2.map((r) => r['203.0.113.2 /login']!.generation)).toEqual([generation, generation]);
    expect(sum(phase2, '203.0.113.2 /login')).toBe(100);
  });
});
