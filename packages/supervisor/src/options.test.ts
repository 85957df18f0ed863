import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveOptions } from './options.js';

const app = { definition: { schema: z.object({}) } };
const worker = fileURLToPath(import.meta.url); // any existing file

describe('resolveOptions', () => {
  it('fills in defaults', () => {
    const o = resolveOptions({ configFile: 'c.yaml', app, worker });
    expect(o).toMatchObject({ drainTimeoutMs: 10_000, historySize: 20, watchDebounceMs: undefined, concurrentTasksPerWorker: 1, workerFile: worker });
    expect(o.configFile).toMatch(/^\/.*c\.yaml$/);
    expect(o.threads).toBeGreaterThanOrEqual(1);
    expect(resolveOptions({ configFile: 'c', app, worker: new URL(import.meta.url), watch: true }).watchDebounceMs).toBe(100);
  });

  it('names the bad option and its range', () => {
    const bad = (extra: object) => () => resolveOptions({ configFile: 'c.yaml', app, worker, ...extra });
    expect(bad({ threads: 0 })).toThrow(/threads must be an integer from 1 to 1024, got 0/);
    expect(bad({ drainTimeoutMs: -1 })).toThrow(/drainTimeoutMs/);
    expect(bad({ watch: { debounceMs: 1.5 } })).toThrow(/watch.debounceMs/);
    expect(bad({ app: {} })).toThrow(/AppModule/);
    expect(bad({ worker: '/no/such/worker.js' })).toThrow(/does not exist/);
    expect(bad({ configFile: '' })).toThrow(/configFile/);
  });
});
