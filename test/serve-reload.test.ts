import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigDir, ConfigDirs, type EchoBody } from './fixtures/serve/config-dir.js';
import { get, killAll, post, runCli, startServe, until } from './fixtures/serve/serve-process.js';

const dirs = new ConfigDirs();

afterEach(async () => {
  await killAll();
  dirs.cleanup();
});

const configDir = (version = 1): ConfigDir => dirs.make(version);

async function answer(url: string): Promise<{ generation: number; body: EchoBody }> {
  const res = await get(url);
  expect(res.status).toBe(200);
  return { generation: res.generation, body: JSON.parse(res.body) as EchoBody };
}

describe('genswap serve + reload + status (real process, real signals, real HTTP)', () => {
  it('a good reload changes answers; a bad file is reported with exit 1 and leaves the old generation serving', async () => {
    const dir = configDir(1);
    const pidFile = join(dir.dir, 'genswap.pid');
    const serve = await startServe(dir.file, ['--pid-file', pidFile, '--admin', '127.0.0.1:0']);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(serve.pid));
    expect(await answer(`${serve.url}/login`)).toMatchObject({ generation: 1, body: { version: 1, label: 'v1', generation: 1 } });

    // Through the pid file: SIGHUP, then the outcome from the state file.
    dir.write(2);
    const good = await runCli(['reload', '--pid-file', pidFile]);
    expect(good).toMatchObject({ code: 0 });
    expect(good.stdout).toMatch(/^reloaded: generation 2 is serving \([\d.]+ ms, reload #1\)\n$/);
    expect(await answer(serve.url)).toMatchObject({ generation: 2, body: { version: 2, words: ['alpha-2', 'beta-2'] } });

    dir.writeBad();
    const bad = await runCli(['reload', '--pid-file', pidFile]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('reload failed (2 problems): generation 2 keeps serving');
    expect(bad.stderr).toContain(`${dir.file}:1:10: version: `);
    expect(bad.stderr).toContain('[GENSWAP_CONFIG_TYPE]');
    expect(bad.stderr).toMatch(new RegExp(`${dir.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:1: labell: unknown key "labell".*\\[GENSWAP_CONFIG_UNKNOWN_KEY\\]`));
    expect(bad.stderr).toContain('[GENSWAP_CLI_RELOAD_FAILED]');
    expect(await answer(serve.url)).toMatchObject({ generation: 2, body: { version: 2 } });

    // Through the admin endpoint, machine-readable.
    const badJson = await runCli(['reload', '--admin', serve.admin!, '--json']);
    expect(badJson.code).toBe(1);
    expect(JSON.parse(badJson.stdout)).toMatchObject({ ok: false, id: 3, generation: 2, triggers: ['admin'] });
    dir.write(3);
    const goodAdmin = await runCli(['reload', '--admin', serve.admin!]);
    expect(goodAdmin).toMatchObject({ code: 0, stdout: expect.stringContaining('generation 3 is serving') });
    expect(await answer(serve.url)).toMatchObject({ generation: 3, body: { version: 3 } });

    const status = await runCli(['status', '--pid-file', pidFile, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      pid: serve.pid,
      generation: 3,
      counters: { reloadRequests: 4, reloadsOk: 2, reloadsFailed: 2 },
      workers: { threads: 2, alive: 2 },
    });
    const human = await runCli(['status', '--admin', serve.admin!]);
    expect(human.stdout).toMatch(/^genswap pid \d+, running, up [\d.]+ s, generation 3\n/);
    expect(human.stdout).toContain('reloads: 2 ok, 2 failed, 4 requested');

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(pidFile)).toBe(false);
    expect(existsSync(`${pidFile}.state.json`)).toBe(false);
  });

  it('reload and status report a server that is not there, and usage mistakes exit 2', async () => {
    const dir = configDir(1);
    const missing = await runCli(['reload', '--pid-file', join(dir.dir, 'none.pid')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[GENSWAP_CLI_NO_SERVER]');
    const neither = await runCli(['reload']);
    expect(neither.code).toBe(2);
    const badListen = await runCli(['serve', '--config', dir.file, '--listen', 'nowhere']);
    expect(badListen.code).toBe(2);
    expect(badListen.stderr).toContain('--listen expects host:port');
  });

  it('serve refuses a bad config at start-up with its problems and exit 1', async () => {
    const dir = configDir(1);
    dir.writeBad();
    const res = await runCli(['serve', '--config', dir.file, '--handler', 'test/fixtures/serve/worker.mjs', '--schema', 'test/fixtures/serve/app.mjs', '--listen', '127.0.0.1:0']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${dir.file}:1:10: version:`);
    expect(res.stderr).toContain('[GENSWAP_CONFIG_INVALID]');
  });

  it('a small reload runs on the primary: no loader thread starts', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    dir.write(2);
    expect((await post(`${serve.admin}/reload`)).json).toMatchObject({ ok: true, generation: 2, loadedOn: 'primary' });
    const status = (await (await fetch(`${serve.admin}/status`)).json()) as { reloads: { loaderThread: boolean } };
    expect(status.reloads.loaderThread).toBe(false);
    expect(await answer(`${serve.url}/`)).toMatchObject({ generation: 2, body: { version: 2 } });
  });

  it('--loader-idle: the loader thread runs from a reload until that long without one, and the next reload starts it again', async () => {
    const dir = configDir(1);
    // --primary-load-bytes 0: every reload in the loader thread, however small.
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--loader-idle', '200', '--primary-load-bytes', '0']);
    const loaderThread = async (): Promise<boolean> => ((await (await fetch(`${serve.admin}/status`)).json()) as { reloads: { loaderThread: boolean } }).reloads.loaderThread;
    expect(await loaderThread()).toBe(false); // generation 1 loaded on the primary
    dir.write(2);
    expect((await post(`${serve.admin}/reload`)).json).toMatchObject({ ok: true, generation: 2, loadedOn: 'loader thread' });
    expect(await loaderThread()).toBe(true);
    await until(async () => ((await loaderThread()) ? undefined : true), 'the idle loader thread to stop');
    dir.write(3);
    expect((await post(`${serve.admin}/reload`)).json).toMatchObject({ ok: true, generation: 3 });
    expect(await answer(`${serve.url}/`)).toMatchObject({ generation: 3, body: { version: 3 } });
  });

  it('--watch reloads when the file changes', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--watch']);
    expect(await answer(serve.url)).toMatchObject({ generation: 1 });
    dir.write(2);
    const seen = await until(async () => {
      const a = await answer(serve.url);
      return a.body.version === 2 ? a : undefined;
    }, 'the watched change to serve');
    expect(seen.generation).toBe(2);
  });
});
