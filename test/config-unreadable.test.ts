import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@genswap/config';
import { z } from 'zod';

/**
 * A config file without read permission. chmod 000 alone proves nothing when the tests run as
 * root (root reads it anyway), so as root the load runs in a child process switched to the
 * unprivileged user `nobody` (uid 65534), where the permission bits do apply.
 *
 * The child must not depend on where the checkout lives: a clone inside a mode-700 folder (root's
 * home, a `mktemp -d`) is out of nobody's reach. So what the child imports (@genswap/config and
 * @genswap/core as built, yaml, zod) is copied into a temporary directory that nobody can read.
 */
const NOBODY = 65534;
const configPackage = fileURLToPath(new URL('../packages/config/', import.meta.url));
const isRoot = process.getuid?.() === 0;

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-unreadable-'));
chmodSync(dir, 0o755); // nobody must reach the file to be refused by the file's own bits
const file = path.join(dir, 'config.yaml');
writeFileSync(file, 'port: 8080\n');
chmodSync(file, 0o000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Copies @genswap/config's built files and everything it imports under `root/node_modules`. */
function installChildModules(root: string): void {
  // pnpm links each dependency of the package into its own node_modules.
  const packageDir = (name: string): string => realpathSync(path.join(configPackage, 'node_modules', name));
  const copies: Array<[name: string, from: string, entries: readonly string[]]> = [
    ['@genswap/config', configPackage, ['package.json', 'dist']],
    ['@genswap/core', packageDir('@genswap/core'), ['package.json', 'dist']],
    ['yaml', packageDir('yaml'), []],
    ['zod', packageDir('zod'), []],
  ];
  for (const [name, from, entries] of copies) {
    const to = path.join(root, 'node_modules', name);
    mkdirSync(to, { recursive: true });
    if (entries.length === 0) cpSync(from, to, { recursive: true, dereference: true });
    for (const entry of entries) cpSync(path.join(from, entry), path.join(to, entry), { recursive: true, dereference: true });
  }
}

/** Loads `file` as `nobody` in a child and returns its problems (or why it could not run). */
function loadAsNobody(): { problems?: unknown; error?: string } {
  installChildModules(dir);
  const script = `
    import { loadConfig } from '@genswap/config';
    import { z } from 'zod';
    try { await loadConfig(${JSON.stringify(file)}, z.unknown()); console.log(JSON.stringify({ loaded: true })); }
    catch (err) { console.log(JSON.stringify({ problems: err.problems, message: err.message })); }`;
  // cwd is the temporary directory, so bare specifiers resolve in its node_modules and nowhere else.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 20_000 });
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
