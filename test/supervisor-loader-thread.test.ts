/**
 * With `appModule`, a reload's phase 1 (read, parse, validate, compile, encode) runs in the
 * supervisor's loader thread when it reads more than primaryLoadBytes (0 here: every reload):
 * the primary keeps serving tasks on the running generation while a slow compile is held, and
 * only publishes the finished bytes. Reloads that read less run on the primary itself
 * (primary-first-loader.ts), tested at the end.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ListCache } from '@genswap/config';
import { createSupervisor, type Supervisor } from '@genswap/supervisor';
import { definition } from './fixtures/serve/slow-app.mjs';
import { definition as listApp } from './fixtures/serve/list-app.mjs';
import { ConfigDirs, type EchoBody, httpTask } from './fixtures/serve/config-dir.js';
import { until, WORKER } from './fixtures/serve/serve-process.js';

const APP_MODULE = new URL('./fixtures/serve/slow-app.mjs', import.meta.url);
const LIST_APP = new URL('./fixtures/serve/list-app.mjs', import.meta.url);
const tempDirs: string[] = [];
const dirs = new ConfigDirs();
const supervisors: Supervisor[] = [];

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
  dirs.cleanup();
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(file: string, loaderNice?: number): Promise<Supervisor> {
  const supervisor = (await createSupervisor({
    configFile: file,
    app: { definition, createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }) },
    appModule: APP_MODULE,
    worker: WORKER,
    threads: 2,
    primaryLoadBytes: 0,
    ...(loaderNice !== undefined ? { loaderNice } : {}),
  })) as Supervisor;
  supervisors.push(supervisor);
  return supervisor;
}

/**
 * A one-thread supervisor of the list app, whose list cache trusts an unchanged file identity at
 * once (the default waits out a 1 s racy-write margin); `options` adds to it.
 */
async function startListApp(file: string, options: Partial<Parameters<typeof createSupervisor>[0]>): Promise<Supervisor> {
  const supervisor = (await createSupervisor({
    configFile: file,
    app: { definition: listApp, createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }) },
    appModule: LIST_APP,
    worker: WORKER,
    threads: 1,
    load: { listCache: new ListCache({ racyMarginNs: 0n }) },
    ...options,
  })) as Supervisor;
  supervisors.push(supervisor);
  return supervisor;
}

async function echo(supervisor: Supervisor): Promise<{ generation: number; body: EchoBody }> {
  const { generation, result } = await supervisor.run<{ body: string }>(httpTask('/'));
  return { generation, body: JSON.parse(result.body) as EchoBody };
}

describe('reloads in the loader thread', () => {
  it('keep the primary serving the running generation while a slow compile is held', async () => {
    const dir = dirs.make(1);
    const supervisor = await start(dir.file);
    dir.writeAtomic('config.yaml', 'version: 2\nlabel: slow\n');

    const reloading = supervisor.reload();
    const started = join(dir.dir, 'started');
    await until(() => (existsSync(started) ? true : undefined), 'the compile step to start');
    expect(Number(readFileSync(started, 'utf8'))).not.toBe(0); // compiled on a worker thread, not the main one

    // Phase 1 is held in the loader thread; this thread still runs tasks, on generation 1.
    expect(await echo(supervisor)).toMatchObject({ generation: 1, body: { version: 1, label: 'v1' } });
    expect(supervisor.status().generation).toBe(1);

    writeFileSync(join(dir.dir, 'release'), '');
    expect(await reloading).toMatchObject({ ok: true, generation: 2 });
    expect(await echo(supervisor)).toMatchObject({ generation: 2, body: { version: 2, label: 'slow' } });
  });

  it('report a bad file with its located problems, and keep reloading after it', async () => {
    const dir = dirs.make(1);
    const supervisor = await start(dir.file);
    dir.writeBad();
    const refused = await supervisor.reload();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems.map((p) => [p.line, p.column, p.code])).toEqual([
      [1, 10, 'GENSWAP_CONFIG_TYPE'],
      [3, 1, 'GENSWAP_CONFIG_UNKNOWN_KEY'],
    ]);
    expect((await echo(supervisor)).generation).toBe(1);
    dir.write(3);
    const done = await supervisor.reload();
    expect(done).toMatchObject({ ok: true, generation: 2 });
    // Where the reload's time went: every phase measured, none longer than the whole.
    const timings = done.ok ? done.timings! : undefined;
    expect(Object.keys(timings ?? {}).sort()).toEqual(['compileMs', 'encodeMs', 'parseMs', 'publishMs', 'readMs', 'validateMs']);
    const phases = Object.values(timings ?? {});
    expect(phases.every((ms) => ms >= 0)).toBe(true);
    expect(phases.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(done.durationMs + 0.01);
    expect((await echo(supervisor)).body).toMatchObject({ version: 3, words: ['alpha-3', 'beta-3'] });
  });

  it('refuse at start an app module that cannot be imported, or that exports another app than the app option', async () => {
    const dir = dirs.make(1);
    const options = { configFile: dir.file, app: { definition }, worker: WORKER, threads: 1 };
    await expect(createSupervisor({ ...options, appModule: new URL('./fixtures/serve/no-such-module.mjs', import.meta.url) })).rejects.toMatchObject({
      code: 'GENSWAP_SUPERVISOR_MODULE',
    });
    // slow-app's definition, but app.mjs as the module the loader thread would import
    await expect(createSupervisor({ ...options, appModule: new URL('./fixtures/serve/app.mjs', import.meta.url) })).rejects.toMatchObject({
      code: 'GENSWAP_SUPERVISOR_INVALID_OPTION',
      message: expect.stringContaining('another app'),
    });
  });

  it('start with the first reload (generation 1 loads on the primary), stop after loaderIdleMs, and hand the list cache from thread to thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genswap-loader-idle-'));
    tempDirs.push(dir);
    const file = join(dir, 'config.yaml');
    const writeConfig = (version: number): void => writeFileSync(file, `version: ${version}\nlist: list.txt\n`);
    const writeList = (words: string[]): void => {
      writeFileSync(join(dir, 'list.tmp'), `${words.join('\n')}\n`);
      renameSync(join(dir, 'list.tmp'), join(dir, 'list.txt'));
    };
    const compiles = (): number[] => readFileSync(join(dir, 'compiles.log'), 'utf8').trim().split('\n').map(Number);
    writeList(['a']);
    writeConfig(1);
    const supervisor = (await createSupervisor({ configFile: file, app: { definition: listApp }, appModule: LIST_APP, worker: WORKER, threads: 1, loaderIdleMs: 150, primaryLoadBytes: 0 })) as Supervisor;
    supervisors.push(supervisor);
    expect(compiles()).toEqual([threadId]); // generation 1: compiled on this (the primary's) thread
    expect(supervisor.status().reloads.loaderThread).toBe(false);

    // The first reload starts the thread, which has the primary's cache: the unchanged list is not compiled.
    writeConfig(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2 });
    expect(compiles()).toEqual([threadId]);
    writeList(['a', 'b']);
    writeConfig(3);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 3 });
    const [, first] = compiles();
    expect(first).not.toBe(threadId); // compiled in the loader thread
    expect(supervisor.status().reloads.loaderThread).toBe(true);

    await until(() => (supervisor.status().reloads.loaderThread ? undefined : true), 'the idle loader thread to stop');
    // A new thread, with the cache the last one sent back: the list it compiled is not compiled again.
    writeConfig(4);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 4 });
    expect(compiles()).toHaveLength(2);
    writeList(['a', 'b', 'c']);
    writeConfig(5);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 5 });
    const ids = compiles();
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3); // primary, first loader thread, its successor
  });

  it('load generation 1 through the same loadGeneration (one load path): a bad first config is refused with its problems', async () => {
    const dir = dirs.make(1);
    dir.writeBad();
    await expect(createSupervisor({ configFile: dir.file, app: { definition }, appModule: APP_MODULE, worker: WORKER, threads: 1 })).rejects.toMatchObject({
      code: 'GENSWAP_CONFIG_INVALID',
      problems: expect.arrayContaining([expect.objectContaining({ line: 1 })]),
    });
  });

  /** Nice value of every thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
  function threadNices(): number[] {
    return readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  }

  it.runIf(process.platform === 'linux')('run in one thread niced loaderNice steps below the others (default 10), leaving every other thread as it was', async () => {
    const base = getPriority(0);
    expect(base).toBeLessThanOrEqual(9); // else the cap at 19 would blur the steps measured here
    const before = threadNices();
    expect(before.every((n) => n === base)).toBe(true);
    for (const [loaderNice, expected] of [[undefined, 10], [3, 3], [0, 0]] as const) {
      const dir = dirs.make(1);
      const supervisor = await start(dir.file, loaderNice);
      dir.write(2);
      expect(await supervisor.reload()).toMatchObject({ ok: true }); // the loader is up and has run
      const nices = threadNices();
      expect(nices.filter((n) => n !== base)).toEqual(expected === 0 ? [] : [base + expected]);
      expect(getPriority(0)).toBe(base);
      await supervisors.pop()!.close({ drainTimeoutMs: 0 });
    }
  });
});

describe('reloads on the primary (primaryLoadBytes)', () => {
  it('run on the primary while they read little, in the loader thread when a changed list is bigger, and the two keep one list cache', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'genswap-primary-load-'));
    tempDirs.push(dir);
    const file = join(dir, 'config.yaml');
    const writeConfig = (version: number): void => writeFileSync(file, `version: ${version}\nlist: small.txt\nsecond: big.txt\n`);
    const writeList = (name: string, words: string[]): void => {
      writeFileSync(join(dir, `${name}.tmp`), `${words.join('\n')}\n`);
      renameSync(join(dir, `${name}.tmp`), join(dir, name));
    };
    const big = (tag: string): string[] => Array.from({ length: 400 }, (_, i) => `${tag}-${i}`); // > 2,000 bytes
    const compiles = (): number[] => readFileSync(join(dir, 'compiles.log'), 'utf8').trim().split('\n').map(Number);
    writeList('small.txt', ['a']);
    writeList('big.txt', big('x'));
    writeConfig(1);
    const supervisor = await startListApp(file, { primaryLoadBytes: 1000 });
    expect(compiles()).toEqual([threadId, threadId]); // generation 1, on the primary: both lists

    // The small list changed, the big one is reused by its identity (not read): on the primary.
    writeList('small.txt', ['b']);
    writeConfig(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2, loadedOn: 'primary' });
    expect(compiles()).toEqual([threadId, threadId, threadId]);
    expect(supervisor.status().reloads.loaderThread).toBe(false);

    // The big list changed: more to read than 1000 bytes, so the whole load runs in the thread,
    // which starts from the primary's cache (the small list is not compiled again).
    writeList('big.txt', big('y'));
    writeConfig(3);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 3, loadedOn: 'loader thread' });
    const loader = compiles()[3]!;
    expect(loader).not.toBe(threadId);
    expect(compiles()).toHaveLength(4);
    expect(supervisor.status().reloads.loaderThread).toBe(true);

    // Back on the primary, which took over the thread's cache: the big list is reused, not read.
    writeList('small.txt', ['c']);
    writeConfig(4);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 4, loadedOn: 'primary' });
    expect(compiles().slice(4)).toEqual([threadId]);

    // The thread again; it was sent the primary's cache with this load, so only the big list compiles.
    writeList('big.txt', big('z'));
    writeConfig(5);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 5, loadedOn: 'loader thread' });
    expect(compiles().slice(5)).toEqual([loader]);
    const { result } = await supervisor.run<{ body: string }>(httpTask('/'));
    expect(JSON.parse(result.body)).toMatchObject({ version: 5, generation: 5 });

    // A bad small config is refused on the primary, with its problems; nothing moves to the thread.
    writeFileSync(file, 'version: -1\nlist: small.txt\n');
    const refused = await supervisor.reload();
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.problems.map((p) => [p.line, p.code])).toEqual([[1, 'GENSWAP_CONFIG_OUT_OF_RANGE']]);
    expect(compiles()).toHaveLength(6);
  });
});

describe('the reload warm-up (warmUpLoads)', () => {
  /** A list-app config directory: config.yaml naming small.txt, and the compiles log. */
  function listDir(): { file: string; writeConfig: (version: number) => void; writeList: (words: string[]) => void; compiles: () => number } {
    const dir = mkdtempSync(join(tmpdir(), 'genswap-warm-up-'));
    tempDirs.push(dir);
    const file = join(dir, 'config.yaml');
    const writeList = (words: string[]): void => {
      writeFileSync(join(dir, 'small.tmp'), `${words.join('\n')}\n`);
      renameSync(join(dir, 'small.tmp'), join(dir, 'small.txt'));
    };
    writeList(['a']);
    const writeConfig = (version: number): void => writeFileSync(file, `version: ${version}\nlist: small.txt\n`);
    writeConfig(1);
    return { file, writeConfig, writeList, compiles: () => readFileSync(join(dir, 'compiles.log'), 'utf8').trim().split('\n').length };
  }

  const startWarming = (file: string, warmUpLoads: number, warmUpAfterReloads: number, logger?: object): Promise<Supervisor> =>
    startListApp(file, { warmUpLoads, warmUpAfterReloads, ...(logger !== undefined ? { logger: logger as never } : {}) });

  it('starts after warmUpAfterReloads reloads, publishes nothing, and keeps its list cache to itself', async () => {
    const { file, writeConfig, writeList, compiles } = listDir();
    const supervisor = await startWarming(file, 30, 2);
    writeConfig(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2, loadedOn: 'primary' });
    expect(supervisor.status().reloads.warmUpLoads).toBe(0);
    writeConfig(3);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 3 });
    expect(compiles()).toBe(1); // generation 1 compiled the list; both reloads reused it
    // Changed before the warm-up's first slice runs (a timer: after this synchronous write).
    writeList(['changed']);
    await until(() => (supervisor.status().reloads.warmUpLoads === 30 ? true : undefined), 'the warm-up to finish');
    expect(supervisor.generation).toBe(3);
    expect(supervisor.status().reloads.history).toHaveLength(2);
    // The dry loads compiled the changed list once, into a cache of their own, and reused it after.
    expect(compiles()).toBe(2);
    // So the real cache still holds what generation 3 was built from: this reload compiles it again.
    writeConfig(4);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 4 });
    expect(compiles()).toBe(3);
    const { result } = await supervisor.run<{ body: string }>(httpTask('/'));
    expect(JSON.parse(result.body)).toMatchObject({ version: 4, generation: 4 });
  });

  it('pauses at a dry load that fails, and the next good reload resumes it to the full count', async () => {
    const { file, writeConfig } = listDir();
    const debug: string[] = [];
    const logger = { debug: (_: object, msg: string) => debug.push(msg), info() {}, warn() {}, error() {}, child() { return logger; } };
    const supervisor = await startWarming(file, 1000, 1, logger);
    writeConfig(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2 });
    // Written before the first slice's timer fires: every dry load of this warm-up sees it.
    writeFileSync(file, 'version: -1\nlist: small.txt\n');
    const paused = 'reload warm-up paused until the next good reload: a dry load failed';
    await until(() => (debug.includes(paused) ? true : undefined), 'the warm-up to pause');
    expect(supervisor.status().reloads.warmUpLoads).toBe(0);
    const refused = await supervisor.reload();
    expect(!refused.ok && refused.problems.map((p) => p.code)).toEqual(['GENSWAP_CONFIG_OUT_OF_RANGE']);
    expect(supervisor.generation).toBe(2);
    // A failed reload does not resume it; a good one does, and it then runs to the end.
    expect(debug.filter((m) => m === paused)).toHaveLength(1);
    writeConfig(3);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 3 });
    await until(() => (supervisor.status().reloads.warmUpLoads === 1000 ? true : undefined), 'the warm-up to finish');
    expect(debug).toContain('reload warm-up done');
    expect(debug.filter((m) => m === paused)).toHaveLength(1);
    expect(supervisor.generation).toBe(3);
    // Done: later reloads do not start it again.
    writeConfig(4);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 4 });
    expect(supervisor.status().reloads.warmUpLoads).toBe(1000);
    expect(debug.filter((m) => m === 'reload warm-up done')).toHaveLength(1);
  });

  it('never runs with warmUpLoads 0', async () => {
    const { file, writeConfig } = listDir();
    const supervisor = await startWarming(file, 0, 1);
    for (const version of [2, 3, 4]) {
      writeConfig(version);
      expect(await supervisor.reload()).toMatchObject({ ok: true, generation: version });
    }
    expect(supervisor.status().reloads.warmUpLoads).toBe(0);
  });
});
