import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@genswap/config';
import { createSupervisor, type Supervisor, SupervisorError, TaskFailedError } from '@genswap/supervisor';
import { definition } from './fixtures/serve/app.mjs';
import { ConfigDir, ConfigDirs, type EchoBody, httpTask } from './fixtures/serve/config-dir.js';
import { until, WORKER } from './fixtures/serve/serve-process.js';

const dirs = new ConfigDirs();
const supervisors: Supervisor[] = [];

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.close({ drainTimeoutMs: 0 })));
  dirs.cleanup();
});

const configDir = (version = 1): ConfigDir => dirs.make(version);

/** A supervisor over the stand-in app; `hits` counts handler starts (each one holds a pin by then). */
async function start(dir: ConfigDir, extra: Record<string, unknown> = {}) {
  const hits = new Int32Array(new SharedArrayBuffer(4));
  const supervisor = (await createSupervisor({
    configFile: dir.file,
    app: { definition, createState: () => ({ hits }) },
    worker: WORKER,
    threads: 2,
    ...extra,
  })) as Supervisor;
  supervisors.push(supervisor);
  return { supervisor, hits };
}

async function echo(supervisor: Supervisor, url = '/'): Promise<{ generation: number; body: EchoBody }> {
  const { generation, result } = await supervisor.run<{ body: string }>(httpTask(url));
  return { generation, body: JSON.parse(result.body) as EchoBody };
}

/** Waits until the handler has started `n` more tasks than `from`. */
function handlerStarts(hits: Int32Array, n: number): Promise<number> {
  return until(() => (Atomics.load(hits, 0) >= n ? Atomics.load(hits, 0) : undefined), `${n} handler starts`);
}

describe('supervisor reload', () => {
  it('runs tasks on generation 1, then on the generation a good reload publishes', async () => {
    const dir = configDir(1);
    const { supervisor } = await start(dir);
    expect(await echo(supervisor)).toMatchObject({ generation: 1, body: { version: 1, label: 'v1', words: ['alpha-1', 'beta-1'], generation: 1 } });

    dir.write(2);
    const outcome = await supervisor.reload();
    expect(outcome).toMatchObject({ ok: true, id: 1, generation: 2, requests: 1, triggers: ['api'] });
    expect(outcome.ok && outcome.files).toEqual([dir.file, join(dir.dir, 'words-2.txt')]);
    expect(await echo(supervisor)).toMatchObject({ generation: 2, body: { version: 2, words: ['alpha-2', 'beta-2'] } });
    expect(supervisor.files).toEqual([dir.file, join(dir.dir, 'words-2.txt')]);
  });

  it('refuses a bad config with located problems and leaves the running generation serving', async () => {
    const dir = configDir(1);
    const { supervisor } = await start(dir);
    dir.writeBad();
    const outcome = await supervisor.reload();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.generation).toBe(1);
    expect(outcome.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: dir.file, line: 1, column: 10, path: 'version', code: 'GENSWAP_CONFIG_TYPE' }),
        expect.objectContaining({ file: dir.file, line: 3, path: 'labell', code: 'GENSWAP_CONFIG_UNKNOWN_KEY' }),
      ]),
    );
    expect(await echo(supervisor)).toMatchObject({ generation: 1, body: { version: 1 } });
    const status = supervisor.status();
    expect(status.generation).toBe(1);
    expect(status.store.publishes).toBe(1);
    expect(status.counters).toMatchObject({ reloadRequests: 1, reloadsOk: 0, reloadsFailed: 1 });
    expect(status.reloads.history).toEqual([expect.objectContaining({ ok: false, id: 1 })]);
  });

  it('a missing list file fails the reload too, pointing at the config key that names it', async () => {
    const dir = configDir(1);
    const { supervisor } = await start(dir);
    dir.writeAtomic('config.yaml', 'version: 5\nlabel: v5\nwords: nowhere.txt\n');
    const outcome = await supervisor.reload();
    expect(outcome).toMatchObject({ ok: false, generation: 1, problems: [expect.objectContaining({ file: dir.file, line: 3, path: 'words' })] });
  });

  it('a task running across a reload finishes on the generation it started with, then its slot is free', async () => {
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir);
    const slow = echo(supervisor, '/?op=sleep&ms=300');
    await handlerStarts(hits, 1);
    dir.write(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2 });
    const during = supervisor.status().store.slots.find((s) => s.generation === 1)!;
    expect(during).toMatchObject({ state: 'retired', pins: 1 });
    expect(await echo(supervisor)).toMatchObject({ generation: 2, body: { version: 2 } });
    expect(await slow).toMatchObject({ generation: 1, body: { version: 1, label: 'v1', words: ['alpha-1', 'beta-1'] } });
    expect(supervisor.status().store.slots.find((s) => s.generation === 1)).toMatchObject({ state: 'free', pins: 0 });
  });

  it('reloads asked for while one runs coalesce into exactly one more, which reads the latest file', async () => {
    // Three slots, two of them pinned by hanging tasks: the next publish must wait, which holds
    // reload #3 "running" for as long as the test wants.
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir, { threads: 3, store: { slots: 3 } });
    const holdOne = new AbortController();
    const holdTwo = new AbortController();
    const held = [supervisor.run(httpTask('/?op=hang'), { signal: holdOne.signal }), supervisor.run(httpTask('/?op=hang'), { signal: holdTwo.signal })];
    for (const p of held) p.catch(() => undefined);
    await handlerStarts(hits, 1); // pins generation 1
    dir.write(2);
    expect(await supervisor.reload()).toMatchObject({ ok: true, id: 1, generation: 2 });
    // The second hanging task may have started on generation 1 already; hold one on 2 for sure.
    const holdThree = new AbortController();
    held.push(supervisor.run(httpTask('/?op=hang'), { signal: holdThree.signal }));
    held[2]!.catch(() => undefined);
    await handlerStarts(hits, 3);
    dir.write(3);
    expect(await supervisor.reload()).toMatchObject({ ok: true, id: 2, generation: 3 });

    dir.write(4);
    const running = supervisor.reload();
    await until(() => (supervisor.status().store.pendingPublish ? true : undefined), 'reload #3 waiting for a free slot');
    const coalesced = [supervisor.reload(), supervisor.reload({ trigger: 'signal' }), supervisor.reload(), supervisor.reload({ trigger: 'watch' })];
    dir.write(5); // written after the requests: the queued reload reads it when it starts
    expect(supervisor.status().reloads).toMatchObject({ inProgress: true, queued: true });

    holdOne.abort();
    holdTwo.abort();
    holdThree.abort();
    const first = await running;
    const rest = await Promise.all(coalesced);
    expect(first).toMatchObject({ ok: true, id: 3, requests: 1 });
    for (const outcome of rest) expect(outcome).toBe(rest[0]);
    expect(rest[0]).toMatchObject({ ok: true, id: 4, requests: 4, triggers: ['api', 'signal', 'watch'] });
    expect(await echo(supervisor)).toMatchObject({ generation: rest[0]!.generation, body: { version: 5 } });
    expect(supervisor.status().counters).toMatchObject({ reloadRequests: 7, reloadsOk: 4, tasksAborted: 3 });
  });

  it('start-up fails fast: a bad config rejects with its ConfigError, an unwrapped worker with GENSWAP_WORKER_NOT_WRAPPED', async () => {
    const dir = configDir(1);
    dir.writeBad();
    const bad = createSupervisor({ configFile: dir.file, app: { definition }, worker: WORKER, threads: 1 });
    await expect(bad).rejects.toBeInstanceOf(ConfigError);
    await expect(bad).rejects.toMatchObject({ problems: expect.arrayContaining([expect.objectContaining({ line: 1, column: 10 })]) });

    dir.write(1);
    const unwrapped = createSupervisor({ configFile: dir.file, app: { definition }, worker: new URL('./fixtures/serve/not-wrapped-worker.mjs', import.meta.url), threads: 1 });
    await expect(unwrapped).rejects.toMatchObject({ code: 'GENSWAP_WORKER_NOT_WRAPPED' });
    const missing = createSupervisor({ configFile: dir.file, app: { definition }, worker: join(dir.dir, 'nope.mjs') });
    await expect(missing).rejects.toMatchObject({ code: 'GENSWAP_SUPERVISOR_MODULE' });
    await expect(createSupervisor({ configFile: dir.file, app: { definition }, worker: WORKER, threads: 0 })).rejects.toMatchObject({
      code: 'GENSWAP_SUPERVISOR_INVALID_OPTION',
      message: expect.stringContaining('threads'),
    });
  });

  it('a handler error reaches the caller with the generation it ran on; the worker keeps serving', async () => {
    const dir = configDir(1);
    const { supervisor } = await start(dir);
    const err = await supervisor.run(httpTask('/?op=throw')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect(err).toMatchObject({ code: 'GENSWAP_TASK_FAILED', generation: 1, remote: { name: 'Error', message: 'handler asked to throw on generation 1' } });
    expect(await echo(supervisor)).toMatchObject({ generation: 1 });
    expect(supervisor.status().counters).toMatchObject({ tasksFailed: 1, tasksOk: 1, workerExits: 0 });
  });

  it('shared state is one object for every worker and survives reloads', async () => {
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir);
    await Promise.all(Array.from({ length: 20 }, () => echo(supervisor)));
    dir.write(2);
    await supervisor.reload();
    const threads = new Set<number>();
    const last = await Promise.all(Array.from({ length: 20 }, () => echo(supervisor)));
    for (const r of last) threads.add(r.body.threadId);
    expect(Atomics.load(hits, 0)).toBe(40);
    expect(Math.max(...last.map((r) => r.body.hits))).toBe(40);
    expect(threads.size).toBeGreaterThanOrEqual(1);
  });

  it('concurrentTasksPerWorker lets one worker run several tasks at once', async () => {
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir, { threads: 1, concurrentTasksPerWorker: 4 });
    // Without AbortSignals: piscina gives an abortable task a worker of its own (aborting kills the worker).
    const hung = Array.from({ length: 4 }, () => supervisor.run(httpTask('/?op=hang')).catch((e: unknown) => e));
    await handlerStarts(hits, 4); // four handlers started and none finished: they run side by side
    expect(supervisor.status().store.slots.find((s) => s.state === 'current')!.pins).toBe(4);
    expect(supervisor.status().store.readers).toHaveLength(1);
    await supervisor.close({ drainTimeoutMs: 0 });
    for (const e of await Promise.all(hung)) expect(e).toMatchObject({ code: 'GENSWAP_TASK_LOST' });
    expect(supervisor.status().counters.deadWorkerPinsReleased).toBe(4);
    expect(supervisor.status().store.slots.every((s) => s.pins === 0)).toBe(true);
  });

  it('close drains in-flight tasks, then refuses tasks and reloads', async () => {
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir);
    const slow = echo(supervisor, '/?op=sleep&ms=200');
    await handlerStarts(hits, 1);
    const closing = supervisor.close({ drainTimeoutMs: 5000 });
    await expect(supervisor.run(httpTask('/'))).rejects.toMatchObject({ code: 'GENSWAP_SUPERVISOR_CLOSED' });
    await expect(supervisor.reload()).rejects.toBeInstanceOf(SupervisorError);
    expect(await slow).toMatchObject({ generation: 1, body: { version: 1 } });
    await closing;
    expect(supervisor.status()).toMatchObject({ state: 'closed', counters: { tasksOk: 1, workerExits: 0 } });
  });

  it('close cuts tasks that outlive the drain timeout and releases their pins', async () => {
    const dir = configDir(1);
    const { supervisor, hits } = await start(dir);
    const hung = supervisor.run(httpTask('/?op=hang')).catch((e: unknown) => e);
    await handlerStarts(hits, 1);
    await supervisor.close({ drainTimeoutMs: 50 });
    expect(await hung).toMatchObject({ code: 'GENSWAP_TASK_LOST' });
    const status = supervisor.status();
    expect(status.store.slots.every((s) => s.pins === 0)).toBe(true);
    expect(status.counters.deadWorkerPinsReleased).toBe(1);
  });
});

// Keep the fixture honest: a config written by hand parses the way ConfigDir writes them.
it('ConfigDir writes what the stand-in schema accepts', async () => {
  const dir = configDir(7);
  writeFileSync(join(dir.dir, 'extra.txt'), 'unrelated');
  const { supervisor } = await start(dir);
  expect(await echo(supervisor)).toMatchObject({ body: { version: 7, label: 'v7', words: ['alpha-7', 'beta-7'] } });
});

// piscina require()s its worker file before it tries import(); a worker terminated while Node
// links a require()d ES module aborts the whole process (seen twice in this suite, on close()
// while a worker was still starting). piscina-entry.cjs makes the worker module an import().
it("regression: piscina's workers import() the worker module, they never require() it", async () => {
  const probe = createRequire(import.meta.url)('./fixtures/serve/load-path.mjs') as { REQUIRED_SYNC: RegExp; stack: string };
  expect(probe.REQUIRED_SYNC.test(probe.stack)).toBe(true); // the check sees a require() on this Node
  const { supervisor } = await start(configDir(1));
  const { result } = await supervisor.run<{ body: string }>(httpTask('/?op=loaded'));
  expect(JSON.parse(result.body)).toEqual({ requiredSync: false });
});
