import { realpathSync } from 'node:fs';
/**
 * `pnpm bench --server-cpus` reaches the servers under test: startServer runs them through
 * taskset, and the kernel's view of the started process (/proc/<pid>/status) shows the pinning.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const { startServer } = (await import(path.join(root, 'apps/bench/dist/support/server-process.js'))) as typeof import('../apps/bench/src/support/server-process.js');
const { allowedCpus, SERVER_CPUS_ENV } = (await import(path.join(root, 'apps/bench/dist/support/cpus.js'))) as typeof import('../apps/bench/src/support/cpus.js');

/** A stand-in server: announces itself the way `genswap serve` does, then idles until stopped. */
const FAKE = ["console.log('listening on http://127.0.0.1:1 (admin http://127.0.0.1:2)');", 'setInterval(() => {}, 1000);'].join('');
const pinnable = process.platform === 'linux' && cpus().length >= 2 && spawnSync('taskset', ['--version']).status === 0;

afterEach(() => {
  delete process.env[SERVER_CPUS_ENV];
});

describe('server pinning', () => {
  it.skipIf(!pinnable)('runs the server on the CPUs named in GENSWAP_BENCH_SERVER_CPUS, with node as the process', async () => {
    const last = cpus().length - 1;
    process.env[SERVER_CPUS_ENV] = String(last);
    const server = await startServer(['-e', FAKE]);
    try {
      expect(allowedCpus(server.pid)).toBe(String(last));
      // The pinned process is node itself (taskset exec'd it), whatever name the runtime gives
      // its main thread (node on 20, MainThread on 24).
      expect(realpathSync(`/proc/${server.pid}/exe`)).toBe(realpathSync(process.execPath));
    } finally {
      await server.stop();
    }
  });

  it.skipIf(process.platform !== 'linux')('leaves the server on every CPU when nothing is named', async () => {
    const server = await startServer(['-e', FAKE]);
    try {
      expect(allowedCpus(server.pid)).toBe(allowedCpus('self'));
    } finally {
      await server.stop();
    }
  });
});
