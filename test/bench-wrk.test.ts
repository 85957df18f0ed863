/**
 * serve-throughput's load generator (apps/bench support/wrk.ts) against a small server on
 * 127.0.0.1 whose answers are known: the figures come back from wrk's Lua `done` callback, and
 * the checking callback counts every answer by generation, status and rule. Skipped where wrk
 * is not installed (the scenario then says so and skips too).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const { findWrk, runWrk } = (await import(path.join(root, 'apps/bench/dist/support/wrk.js'))) as typeof import('../apps/bench/src/support/wrk.js');

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-wrk-'));
// Generation 1 answers the first gen1Left requests, then generation 2 (counted, not timed: a busy
// machine may start wrk late); generation 2 denies requests without the header.
let gen1Left = 0;
const seenHeader: string[] = [];
const server = createServer((req, res) => {
  const generation = gen1Left-- > 0 ? 1 : 2;
  seenHeader.push(String(req.headers['x-forwarded-for']));
  const allowed = generation === 1 || req.headers['x-forwarded-for'] === '100.64.0.9';
  res.writeHead(allowed ? 200 : 403, { 'x-genswap-generation': String(generation), 'x-genswap-rule': generation === 1 ? 'rule-one' : 'rule two' });
  res.end('ok\n');
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(findWrk() === undefined)('wrk as the load generator', () => {
  it('reports requests, rate and latency percentiles, and sends the given headers', async () => {
    gen1Left = 0; // generation 2 throughout
    const result = await runWrk({ url, connections: 4, durationS: 1, headers: { 'X-Forwarded-For': '100.64.0.9' }, check: false, dir });
    expect(result.requests).toBeGreaterThan(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(900);
    expect(result.requestsPerSecond).toBeCloseTo(result.requests / (result.durationMs / 1000), 6);
    expect(result.p50Ms).toBeGreaterThan(0);
    expect(result.p50Ms).toBeLessThanOrEqual(result.p99Ms);
    expect(result.p99Ms).toBeLessThanOrEqual(result.maxMs);
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.answers).toBeUndefined();
    expect(seenHeader.every((h) => h === '100.64.0.9')).toBe(true);
  });

  it('with check, counts every answer by generation, status and rule, and times each generation', async () => {
    gen1Left = 20;
    const result = await runWrk({ url, connections: 4, durationS: 1, headers: {}, check: true, dir });
    const answers = result.answers!;
    const counts = Object.fromEntries(answers.counts);
    // The space in "rule two" is not kept as is: the key stays three space-separated fields.
    expect(Object.keys(counts).sort()).toEqual(['1 200 rule-one', '2 403 rule?two']);
    expect(counts['1 200 rule-one']! + counts['2 403 rule?two']!).toBe(result.requests);
    expect(result.non2xx).toBe(counts['2 403 rule?two']);
    const [first1, last1] = answers.seen.get(1)!;
    const [first2, last2] = answers.seen.get(2)!;
    expect(first1).toBeLessThanOrEqual(last1);
    expect(first1).toBeLessThan(first2);
    expect(last1).toBeLessThan(last2);
    expect(first2).toBeLessThanOrEqual(last2);
    expect(last2 - first1).toBeGreaterThan(500);
    expect(answers.stale).toBeGreaterThanOrEqual(0);
  });
});
