/**
 * The reload storm's driver process (apps/bench support/reload-driver.ts) against a real admin
 * listener on 127.0.0.1 that reads the config file the way a server would: the scenario's
 * consistency check is only as good as the generation -> version pairs the driver reports.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const { ReloadDriver, toMonotonicMs } = (await import(path.join(root, 'apps/bench/dist/support/reload-driver.js'))) as typeof import('../apps/bench/src/support/reload-driver.js');
const { stormConfig } = (await import(path.join(root, 'apps/bench/dist/support/storm-config.js'))) as typeof import('../apps/bench/src/support/storm-config.js');

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeAdmin {
  readonly url: string;
  /** [generation, version read from the file] per successful POST /reload. */
  readonly reloads: [number, number][];
  statusRequests: number;
}

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
});

/** An admin listener whose POST /reload reads `file` and makes the next generation of it (or refuses, with `refuse`). */
async function fakeAdmin(file: string, refuse = false): Promise<FakeAdmin> {
  const admin = { url: '', reloads: [] as [number, number][], statusRequests: 0 };
  let generation = 40;
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.method === 'POST' && req.url === '/reload') {
      if (refuse) {
        res.statusCode = 422;
        res.end(JSON.stringify({ ok: false }));
        return;
      }
      const version = Number(/version (\d+)/.exec(readFileSync(file, 'utf8'))![1]);
      admin.reloads.push([++generation, version]);
      res.end(JSON.stringify({ ok: true, generation, durationMs: 0.5 }));
    } else if (req.method === 'GET' && req.url === '/status') {
      admin.statusRequests++;
      res.end(JSON.stringify({ generation }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  admin.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return admin;
}

describe('reload driver process', () => {
  it('writes a new version per step, reloads, and pairs each generation with the version the server read', async () => {
    const file = path.join(dir, 'reload.yaml');
    const admin = await fakeAdmin(file);
    const driver = await ReloadDriver.start();
    try {
      const startedAt = performance.now();
      const log = await driver.drive({ admin: admin.url, file, firstVersion: 7, startMonoMs: toMonotonicMs(startedAt), durationMs: 300, intervalMs: 10, action: 'reload' });
      expect(log.failures).toBe(0);
      expect(log.instants.length).toBeGreaterThan(0);
      expect(log.instants.length).toBeLessThanOrEqual(300 / 10 - 1);
      expect(log.lastVersion).toBe(7 + log.instants.length);
      expect(log.versionOf).toEqual(admin.reloads);
      expect(log.versionOf.map(([, v]) => v)).toEqual(log.instants.map((_, k) => 8 + k));
      expect(log.durationsMs).toEqual(log.instants.map(() => 0.5));
      expect(admin.statusRequests).toBe(0);
      // On the grid: step k starts no earlier than k intervals after the start (a timer may fire
      // early; the driver waits it out), inside the run, and before this process saw the run end.
      log.instants.forEach((t, k) => {
        expect(t).toBeGreaterThanOrEqual((k + 1) * 10);
        expect(t).toBeLessThanOrEqual(300 - 10);
      });
      expect(log.instants[log.instants.length - 1]!).toBeLessThan(performance.now() - startedAt);
      expect(readFileSync(file, 'utf8')).toBe(stormConfig(log.lastVersion));

      // The same process runs the next storm, numbering on from where it is told.
      const again = await driver.drive({ admin: admin.url, file, firstVersion: log.lastVersion, startMonoMs: toMonotonicMs(performance.now()), durationMs: 200, intervalMs: 10, action: 'reload' });
      expect(again.versionOf[0]).toEqual([41 + log.instants.length, log.lastVersion + 1]);
    } finally {
      await driver.close();
    }
  });

  it("'driver alone' writes the versions and asks /status, but never reloads", async () => {
    const file = path.join(dir, 'alone.yaml');
    const admin = await fakeAdmin(file);
    const driver = await ReloadDriver.start();
    try {
      const log = await driver.drive({ admin: admin.url, file, firstVersion: 1, startMonoMs: toMonotonicMs(performance.now()), durationMs: 200, intervalMs: 10, action: 'driver alone' });
      expect(log.failures).toBe(0);
      expect(log.instants.length).toBeGreaterThan(0);
      expect(admin.statusRequests).toBe(log.instants.length);
      expect(admin.reloads).toEqual([]);
      expect(log.versionOf).toEqual([]);
      expect(readFileSync(file, 'utf8')).toBe(stormConfig(1 + log.instants.length));
    } finally {
      await driver.close();
    }
  });

  it('with texts, writes texts[N % texts.length] as version N', async () => {
    const file = path.join(dir, 'texts.yaml');
    const admin = await fakeAdmin(file);
    const texts = ['# version 0\n', '# version 1\n', '# version 2\n'];
    const driver = await ReloadDriver.start();
    try {
      const log = await driver.drive({ admin: admin.url, file, firstVersion: 4, startMonoMs: toMonotonicMs(performance.now()), durationMs: 200, intervalMs: 10, action: 'reload', texts });
      expect(log.failures).toBe(0);
      expect(log.instants.length).toBeGreaterThan(0);
      // The server read texts[N % 3] for version N; the driver reports N itself.
      expect(admin.reloads.map(([, read]) => read)).toEqual(log.versionOf.map(([, version]) => version % 3));
      expect(log.versionOf.map(([, v]) => v)).toEqual(log.instants.map((_, k) => 5 + k));
      expect(readFileSync(file, 'utf8')).toBe(texts[log.lastVersion % 3]);
    } finally {
      await driver.close();
    }
  });

  it('counts every refused reload as a failure and pairs nothing', async () => {
    const file = path.join(dir, 'refused.yaml');
    const admin = await fakeAdmin(file, true);
    const driver = await ReloadDriver.start();
    try {
      const log = await driver.drive({ admin: admin.url, file, firstVersion: 1, startMonoMs: toMonotonicMs(performance.now()), durationMs: 200, intervalMs: 10, action: 'reload' });
      expect(log.instants.length).toBeGreaterThan(0);
      expect(log.failures).toBe(log.instants.length);
      expect(log.versionOf).toEqual([]);
    } finally {
      await driver.close();
    }
  });

  it('fails a run, instead of hanging, when the driver process dies', async () => {
    const file = path.join(dir, 'dies.yaml');
    const driver = await ReloadDriver.start();
    // An admin URL nothing listens on fails each step; killing the process mid-run must reject.
    const run = driver.drive({ admin: 'http://127.0.0.1:9', file, firstVersion: 1, startMonoMs: toMonotonicMs(performance.now()), durationMs: 5000, intervalMs: 10, action: 'reload' });
    process.kill(driver.pid, 'SIGKILL');
    await expect(run).rejects.toThrow(/exited/);
    await driver.close();
  });
});
