import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@genswap/config';
import { definition } from './fixtures/config/schema.mjs';

/**
 * A million-entry list file goes through the whole pipeline: read, split, validate, compile.
 * How long it takes is measured by the bench (apps/bench, scenario config-load), not here.
 */
const ENTRIES = 1_000_000;
const BASE = 0x0b000000; // 11.0.0.0

const dotted = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

describe('a list file of 1,000,000 entries', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'genswap-large-list-'));
    // Every other address, so no two entries merge: the compiled table has one range per entry.
    const lines = new Array<string>(ENTRIES);
    for (let i = 0; i < ENTRIES; i++) lines[i] = dotted(BASE + 2 * i);
    writeFileSync(path.join(dir, 'deny.txt'), `# generated\n${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'config.yaml'), 'server: {port: 8080}\nip:\n  deny_files: [deny.txt]\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses, validates and compiles into a sorted range table', async () => {
    const loaded = await loadConfig(path.join(dir, 'config.yaml'), definition);
    const deny = (loaded.value as { ip: { deny: Uint32Array } }).ip.deny;
    expect(loaded.listEntries).toBe(ENTRIES);
    expect(loaded.files).toEqual([path.join(dir, 'config.yaml'), path.join(dir, 'deny.txt')]);
    expect(deny).toHaveLength(2 * ENTRIES);
    expect([deny[0], deny[1], deny[2]]).toEqual([BASE, BASE, BASE + 2]);
    expect(deny[2 * ENTRIES - 1]).toBe(BASE + 2 * (ENTRIES - 1));
  });

  it('points a bad entry near the end at its line', async () => {
    writeFileSync(path.join(dir, 'deny.txt'), `${dotted(BASE)}\n`.repeat(ENTRIES - 1) + '11.0.0.300\n');
    const err = await loadConfig(path.join(dir, 'config.yaml'), definition).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.objectContaining({ file: path.join(dir, 'deny.txt'), line: ENTRIES, column: 1, code: 'GENSWAP_CONFIG_LIST_ENTRY' }),
    ]);
  });
});
