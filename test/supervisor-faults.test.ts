import { afterEach, expect, it } from 'vitest';
import { createSupervisor, type Supervisor, TaskFailedError } from '@genswap/supervisor';
import { definition } from './fixtures/serve/app.mjs';
import { ConfigDir, type EchoBody, httpTask } from './fixtures/serve/config-dir.js';
import { until, WORKER } from './fixtures/serve/serve-process.js';

let dir: ConfigDir | undefined;
let supervisor: Supervisor | undefined;

afterEach(async () => {
  await supervisor?.close({ drainTimeoutMs: 0 });
  dir?.cleanup();
});

/**
 * Regression guard for pin leaks: a worker that dies mid-task never runs its release, so only
 * the supervisor's exit handling (store.releaseReader after the thread stopped) can free the
 * generation it pinned. Without it, each dead task leaves a slot 'retired' forever and, with a
 * few of them, every publish times out.
 */
it('aborted, exiting, crashing and out-of-memory workers release their pins while reloads happen', async () => {
  dir = new ConfigDir();
  dir.write(1);
  const hits = new Int32Array(new SharedArrayBuffer(4));
  supervisor = (await createSupervisor({
    configFile: dir.file,
    app: { definition, createState: () => ({ hits }) },
    worker: WORKER,
    threads: 3,
    store: { slots: 4, publishTimeoutMs: 10_000 },
    resourceLimits: { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 },
  })) as Supervisor;
  const sup = supervisor;
  const run = (url: string, signal?: AbortSignal) => sup.run<{ body: string }>(httpTask(url), signal === undefined ? {} : { signal });

  let version = 1;
  let killed = 0;
  let reloads = 0;
  const settled: unknown[] = [];
  for (let round = 0; round < 3; round++) {
    // An abort mid-task: wait until the handler runs (it holds its pin by then), then abort.
    // Nothing else is in flight here, so the next hit is the hanging task's.
    const faults: Promise<unknown>[] = [];
    const before = Atomics.load(hits, 0);
    const abort = new AbortController();
    const aborted = run('/?op=hang', abort.signal).catch((e: unknown) => e);
    await until(() => (Atomics.load(hits, 0) > before ? true : undefined), 'the hanging task to start');
    dir.write(++version);
    const reload = sup.reload();
    abort.abort();
    killed++;
    expect(await aborted).toMatchObject({ code: 'GENSWAP_TASK_ABORTED' });

    // Deaths of every other kind, interleaved with reloads.
    const kinds = round === 0 ? ['exit', 'crash', 'oom'] : ['exit', 'crash'];
    for (const kind of kinds) {
      faults.push(run(`/?op=${kind}`).then(() => ({ code: 'resolved' }), (e: unknown) => e));
      killed++;
      dir.write(++version);
      faults.push(sup.reload());
    }
    faults.push(run('/?op=throw').catch((e: unknown) => e));
    expect(await reload).toMatchObject({ ok: true });
    reloads++;
    settled.push(...(await Promise.all(faults)));
  }
  const lost = settled.filter((r) => (r as { code?: string }).code === 'GENSWAP_TASK_LOST');
  expect(lost).toHaveLength(killed - 3);
  expect(settled.filter((r) => r instanceof TaskFailedError)).toHaveLength(3);
  expect(settled.filter((r) => (r as { ok?: boolean }).ok === true).length).toBe(killed - 3);

  // Every dead thread's exit is processed (its 'exit' event can trail the task's rejection).
  await until(() => (sup.status().counters.workerExits === killed && sup.status().workers.alive === 3 ? true : undefined), `all worker exits`);
  // One more reload retires everything older than it.
  dir.write(++version);
  const last = await sup.reload();
  expect(last).toMatchObject({ ok: true });

  const status = sup.status();
  expect(status.counters).toMatchObject({ workerExits: killed, deadWorkerPinsReleased: killed, tasksAborted: 3, tasksLost: killed - 3, tasksFailed: 3 });
  for (const slot of status.store.slots) {
    expect(slot.pins, `slot ${slot.slot}`).toBe(0);
    expect(['current', 'free', 'empty'], `slot ${slot.slot} state`).toContain(slot.state);
  }
  expect(status.store.slots.filter((s) => s.state === 'current')).toEqual([expect.objectContaining({ generation: status.generation })]);
  expect(status.store.readers.every((r) => r.pins === 0)).toBe(true);
  // Dead rows were handed back: only live threads own one.
  for (const reader of status.store.readers) expect(status.workers.threadIds).toContain(reader.threadId);
  expect(status.reloads.history.every((r) => r.ok)).toBe(true);
  expect(reloads).toBe(3);

  // And the pool still works, on the newest config.
  const { generation, result } = await run('/');
  expect(generation).toBe(status.generation);
  expect((JSON.parse(result.body) as EchoBody).version).toBe(version);
});
