import { afterEach, expect, it } from 'vitest';
import { createSupervisor, type Supervisor } from '@genswap/supervisor';
import { definition } from './fixtures/serve/app.mjs';
import { ConfigDir, httpTask } from './fixtures/serve/config-dir.js';
import { until, WORKER } from './fixtures/serve/serve-process.js';

let dir: ConfigDir | undefined;
let supervisor: Supervisor | undefined;

afterEach(async () => {
  await supervisor?.close({ drainTimeoutMs: 0 });
  dir?.cleanup();
});

/**
 * Regression guard: piscina 5 hands queued tasks to replacement workers that are still
 * booting, and when such a task kills its worker before piscina saw the worker's "ready"
 * message, piscina stops replacing workers at all; a burst of crashing tasks then leaves the
 * pool with fewer threads (down to none, and tasks wait forever). The supervisor's balancer
 * only hands tasks to workers announced ready.
 */
it('a burst of crashing tasks leaves the pool at full size, every dead pin released', async () => {
  dir = new ConfigDir();
  dir.write(1);
  supervisor = (await createSupervisor({ configFile: dir.file, app: { definition, createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }) }, worker: WORKER, threads: 2 })) as Supervisor;
  const sup = supervisor;
  const burst = 16;
  const outcomes = await Promise.all(
    Array.from({ length: burst }, (_, i) => sup.run(httpTask(i % 2 === 0 ? '/?op=crash' : '/?op=exit')).catch((e: unknown) => e)),
  );
  expect(outcomes.every((e) => (e as { code?: string }).code === 'GENSWAP_TASK_LOST')).toBe(true);
  await until(() => (sup.status().counters.workerExits === burst && sup.status().workers.alive === 2 ? true : undefined), 'every exit processed and the pool refilled');
  const status = sup.status();
  expect(status.counters.deadWorkerPinsReleased).toBe(burst);
  expect(status.store.slots.every((s) => s.pins === 0)).toBe(true);
  const answers = await Promise.all(Array.from({ length: 4 }, () => sup.run(httpTask('/'))));
  expect(answers.every((a) => a.generation === 1)).toBe(true);
});
