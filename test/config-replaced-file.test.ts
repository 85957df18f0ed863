import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@genswap/config';
import { z } from 'zod';

/**
 * A config replaced while it is being loaded (editors and config management write a temporary
 * file and rename it over) must load as the old file or the new one, never a mix: the loader reads
 * through one descriptor, size and bytes alike, and parses that single copy.
 */
const schema = z.object({ version: z.string(), port: z.number(), padding: z.array(z.string()) });

// Two versions of different sizes, each consistent with itself: version a <=> port 1111.
const versionA = `version: a\nport: 1111\npadding:\n${'  - aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'.repeat(5000)}`;
const versionB = `version: b\nport: 2222\npadding: [b]\n`;

describe('a config file replaced mid-load', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-replace-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads as one whole version every time', async () => {
    const file = path.join(dir, 'config.yaml');
    writeFileSync(path.join(dir, 'seed.yaml'), versionA);
    renameSync(path.join(dir, 'seed.yaml'), file);

    let stop = false;
    let swaps = 0;
    // The writer keeps renaming the other version over the file while loads are in flight.
    const writer = (async () => {
      while (!stop) {
        const next = swaps % 2 === 0 ? versionB : versionA;
        const tmp = path.join(dir, `tmp-${swaps}.yaml`);
        await writeFile(tmp, next);
        await rename(tmp, file);
        swaps++;
      }
    })();

    const seen = new Set<string>();
    try {
      for (let i = 0; i < 150; i++) {
        const { value, bytes } = await loadConfig(file, schema);
        const expected = value.version === 'a' ? { port: 1111, padding: 5000, bytes: versionA.length } : { port: 2222, padding: 1, bytes: versionB.length };
        expect({ port: value.port, padding: value.padding.length, bytes }).toEqual(expected);
        seen.add(value.version);
      }
    } finally {
      stop = true;
      await writer;
    }
    // Both versions were met, so loads did overlap with replacements.
    expect(swaps).toBeGreaterThan(0);
    expect([...seen].sort()).toEqual(['a', 'b']);
  });
});
