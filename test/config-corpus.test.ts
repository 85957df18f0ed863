import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONFIG_ERRORS, ConfigError, type ConfigProblem, type LoadOptions, loadConfig } from '@genswap/config';
import { definition } from './fixtures/config/schema.mjs';

/**
 * The bad-config corpus: every file under fixtures/config/bad/ must be refused with exactly the
 * problems expectations.json lists (file, line, column, document path and code, in order).
 */
const root = fileURLToPath(new URL('./fixtures/config/', import.meta.url));

interface Expected {
  readonly fixture: string;
  readonly note?: string;
  readonly options?: LoadOptions;
  readonly problems: readonly Omit<ConfigProblem, 'message'>[];
}

const expectations = JSON.parse(readFileSync(path.join(root, 'expectations.json'), 'utf8')) as Expected[];

async function problemsOf(file: string, options?: LoadOptions): Promise<ConfigProblem[]> {
  try {
    await loadConfig(file, definition, options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error(`${file} loaded without a problem`);
}

describe('bad config corpus', () => {
  it('holds at least 40 bad configs, each with its expectation and none without', () => {
    const onDisk = readdirSync(path.join(root, 'bad')).filter((n) => n.endsWith('.yaml'));
    const expected = expectations.map((e) => e.fixture);
    expect(expectations.length).toBeGreaterThanOrEqual(40);
    // Every fixture on disk is covered; the only expectation without a file is the missing-file case.
    expect(onDisk.map((n) => `bad/${n}`).filter((f) => !expected.includes(f))).toEqual([]);
    expect(expected.filter((f) => !onDisk.includes(path.basename(f)))).toEqual(['bad/missing.yaml']);
    expect(statSync(path.join(root, 'bad/a-directory.yaml')).isDirectory()).toBe(true);
  });

  it.each(expectations)('$fixture', async ({ fixture, options, problems }) => {
    const found = await problemsOf(path.join(root, fixture), options);
    const located = found.map(({ file, line, column, path: where, code }) => ({ file: path.relative(root, file), line, column, path: where, code }));
    expect(located).toEqual(problems);
    for (const p of found) {
      // One line per problem is the CLI's contract, and every code must be documented.
      expect(p.message).toMatch(/^[^\n]+$/);
      expect(Object.keys(CONFIG_ERRORS)).toContain(p.code);
    }
  });
});

describe('good configs', () => {
  it('loads the full example, list file included, into compiled ranges', async () => {
    const loaded = await loadConfig(path.join(root, 'good/gateway.yaml'), definition);
    const value = loaded.value as { ip: { allow: Uint32Array; deny: Uint32Array }; labels: Record<string, string>; rules: unknown[]; mode: string };
    const ip = (s: string): number => s.split('.').reduce((n, o) => n * 256 + Number(o), 0);
    // allow: 10.0.0.0/8 and 192.168.1.0/24, sorted.
    expect([...value.ip.allow]).toEqual([ip('10.0.0.0'), ip('10.255.255.255'), ip('192.168.1.0'), ip('192.168.1.255')]);
    // deny: two inline entries and three list entries, sorted and disjoint.
    expect([...value.ip.deny]).toEqual([
      ip('100.64.0.0'), ip('100.127.255.255'),
      ip('192.0.2.0'), ip('192.0.2.255'),
      ip('198.51.100.0'), ip('198.51.100.127'),
      ip('203.0.113.0'), ip('203.0.113.255'),
    ]);
    expect(value.labels).toEqual({ team: 'edge', '80': 'http' });
    expect(value.rules).toHaveLength(2);
    expect(value.mode).toBe('monitor');
    expect(loaded.files).toEqual([path.join(root, 'good/gateway.yaml'), path.join(root, 'good/lists/deny.txt')]);
    expect(loaded.listEntries).toBe(3);
    expect(loaded.bytes).toBe(statSync(path.join(root, 'good/gateway.yaml')).size);
  });

  it('fills defaults for a minimal config', async () => {
    const loaded = await loadConfig(path.join(root, 'good/minimal.yaml'), definition);
    expect(loaded.value).toMatchObject({ server: { host: '127.0.0.1', port: 80 }, enabled: true, mode: 'enforce', rules: [] });
    expect(loaded.files).toEqual([path.join(root, 'good/minimal.yaml')]);
  });
});

describe('prototype keys', () => {
  it('are refused and reach no prototype', async () => {
    for (const fixture of ['bad/proto-key.yaml', 'bad/proto-key-nested.yaml']) {
      const problems = await problemsOf(path.join(root, fixture));
      expect(problems.every((p) => p.code === 'GENSWAP_CONFIG_FORBIDDEN_KEY')).toBe(true);
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
