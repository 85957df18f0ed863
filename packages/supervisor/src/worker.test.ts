import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { isEnvelope } from './envelope.js';
import type { AppModule, ConfigOf, StateOf } from './app-contract.js';
import type { TaskContext } from './worker.js';
import { defineWorker, type WorkerEntry } from './worker.js';

interface Config {
  readonly greeting: string;
}
const app: AppModule<Config, { hits: Int32Array }> = {
  definition: { schema: z.strictObject({ greeting: z.string() }) },
  createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }),
};

describe('defineWorker', () => {
  it('types the handler config and state from the app, and the entry from the handler', () => {
    expectTypeOf<ConfigOf<typeof app>>().toEqualTypeOf<Config>();
    expectTypeOf<StateOf<typeof app>>().toEqualTypeOf<{ hits: Int32Array }>();
    const entry = defineWorker((name: string, config: ConfigOf<typeof app>, ctx: TaskContext<StateOf<typeof app>>) => {
      Atomics.add(ctx.state.hits, 0, 1);
      return `${config.greeting}, ${name} (generation ${ctx.generation})`;
    });
    expectTypeOf(entry).toEqualTypeOf<WorkerEntry<string, string>>();
  });

  it('refuses to run outside a supervised worker, without calling the handler', async () => {
    let called = false;
    const entry = defineWorker(() => {
      called = true;
    });
    await expect(entry(undefined)).rejects.toMatchObject({ code: 'GENSWAP_WORKER_NOT_SUPERVISED' });
    expect(called).toBe(false);
  });

  it('recognizes its own envelopes only', () => {
    expect(isEnvelope({ kind: 'genswap.task', ok: true, generation: 1, threadId: 1, result: 1 })).toBe(true);
    expect(isEnvelope({ status: 200 })).toBe(false);
    expect(isEnvelope(null)).toBe(false);
  });
});
