import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@genswap/config';
import { createStore } from '@genswap/core';
import { definition, FAMILY_V4, type GatewayConfig, gatewayCodec, MAX_TABLE_BYTES, MAX_V4_RANGES, MAX_V6_RANGES, RangeSetBuilder, TableBudget } from '@genswap/gateway';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The documented cap on range tables (56 MiB for all lists of a config: 7,340,032 IPv4 or
 * 1,835,008 IPv6 ranges) is the real one: a config at the cap publishes into a store with the
 * default 64 MiB slots, and one entry more is refused at compile time at its own line
 * (the old 16,777,216-per-family cap could not be reached: the store refused ~8M IPv4 ranges
 * first, "at line 0").
 */

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-list-caps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const empty = { v4: new Uint32Array(0), v6: new Uint32Array(0) };

/** The n-th IPv6 single address of a sequence in which no two merge (every other one). */
function v6(n: number): string {
  const k = 2 * n;
  return `2001:db8::${(k >>> 16).toString(16)}:${(k & 0xffff).toString(16)}`;
}

describe('range-table caps', () => {
  it('states the cap in bytes and in ranges of each family', () => {
    expect(MAX_TABLE_BYTES).toBe(56 * 1024 * 1024);
    expect([MAX_V4_RANGES, MAX_V6_RANGES]).toEqual([7_340_032, 1_835_008]);
  });

  it('regression: IPv4 ranges at the cap encode and publish into a default 64 MiB store; one more does not fit the budget', async () => {
    const budget = new TableBudget();
    const builder = new RangeSetBuilder();
    let taken = 0;
    for (let i = 0; i < MAX_V4_RANGES; i++) {
      if (budget.take(FAMILY_V4)) taken++;
      builder.addV4(2 * i, 2 * i); // every other address from 0.0.0.0: nothing merges
    }
    expect(taken).toBe(MAX_V4_RANGES);
    expect(budget.take(FAMILY_V4)).toBe(false);
    const deny = builder.build();
    expect(deny.v4.length).toBe(2 * MAX_V4_RANGES);
    const config: GatewayConfig = { settings: { statuses: { allow: 200, deny: 403, limited: 429 }, rules: [], limits: {} }, lists: { allow: [], deny: [deny], trustedProxies: empty } };
    const store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
    try {
      expect(store.maxBytes).toBe(64 * 1024 * 1024);
      await store.publish(config);
      expect(store.generation).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 120_000);

  it('regression: an IPv6 list at the cap compiles; one entry more is refused at its own line', async () => {
    const lines = new Array<string>(MAX_V6_RANGES + 1);
    for (let i = 0; i <= MAX_V6_RANGES; i++) lines[i] = v6(i);
    writeFileSync(path.join(dir, 'at-cap.txt'), `${lines.slice(0, MAX_V6_RANGES).join('\n')}\n`);
    writeFileSync(path.join(dir, 'over-cap.txt'), `# one too many\n${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'at-cap.yaml'), 'ip:\n  denyFiles: [at-cap.txt]\n');
    writeFileSync(path.join(dir, 'over-cap.yaml'), 'ip:\n  denyFiles: [over-cap.txt]\n');

    const loaded = await loadConfig(path.join(dir, 'at-cap.yaml'), definition);
    expect(loaded.value.lists.deny.map((set) => set.v6.length)).toEqual([8 * MAX_V6_RANGES]);
    expect(gatewayCodec.encode(loaded.value).byteLength).toBeLessThanOrEqual(64 * 1024 * 1024);

    const err = await loadConfig(path.join(dir, 'over-cap.yaml'), definition).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.objectContaining({ file: path.join(dir, 'over-cap.txt'), line: MAX_V6_RANGES + 2, column: 1, code: 'GENSWAP_GATEWAY_CONFIG_TOO_MANY_RANGES' }),
    ]);
  }, 120_000);
});
