import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@genswap/config';
import { z } from 'zod';

/**
 * A config file without read permission. chmod 000 alone proves nothing when the tests run as
 * root (root reads it anyway), so as root the load runs in a child process switched to the
 * unprivileged user `nobody` (uid 65534), where the permission bits do apply.
 */
const NOBODY = 65534;
const distIndex = fileURLToPath(new URL('../packages/config/dist/index.js', import.meta.url));
const zodModule = fileURLToPath(new URL('./fixtures/config/zod.mjs', import.meta.url));
const isRoot = process.getuid?.() === 0;

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-unreadable-'));
chmodSync(dir, 0o755); // nobody must reach the file to be refused by the file's own bits
const file = path.join(dir, 'config.yaml');
writeFileSync(file, 'port: 8080\n');
chmodSync(file, 0o000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `file` as `nobody` in a child and returns its problems (or why it could not run). */
function loadAsNobody(): { problems?: unknown; error?: string } {
  const script = `
    const { loadConfig } = await import(${JSON.stringify(pathToFileURL(distIndex).href)});
    const { z } = await import(${JSON.stringify(pathToFileURL(zodModule).href)});
    try { await loadConfig(${JSON.stringify(file)}, z.unknown()); console.log(JSON.stringify({ loaded: true })); }
    catch (err) { console.log(JSON.stringify({ problems: err.problems, message: err.message })); }`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 20_000 });
  if (child.status !== 0) return { error: `child exited ${child.status}: ${child.stderr}` };
  return JSON.parse(child.stdout) as { problems?: unknown };
}

describe('a config file without read permission', () => {
  it.runIf(!isRoot)('is refused with GENSWAP_CONFIG_UNREADABLE', async () => {
    const err = await loadConfig(file, z.unknown()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([{ file, line: 0, column: 0, path: '', message: 'cannot read config: permission denied', code: 'GENSWAP_CONFIG_UNREADABLE' }]);
  });

  it.runIf(isRoot)('is refused with GENSWAP_CONFIG_UNREADABLE (loaded as nobody, since root reads anything)', () => {
    const result = loadAsNobody();
    expect(result.error).toBeUndefined();
    expect(result.problems).toEqual([{ file, line: 0, column: 0, path: '', message: 'cannot read config: permission denied', code: 'GENSWAP_CONFIG_UNREADABLE' }]);
  });
});
