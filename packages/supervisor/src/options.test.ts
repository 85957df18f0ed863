import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resolveOptions } from './options.js';

const app = { definition: { schema: z.object({}) } };
const worker = fileURLToPath(import.meta.url); // any existing file

describe('resolveOptions', () => {
  it('caps each worker young generation by default and merges the user limits over it', () => {
    expect(resolveOptions({ configFile: 'c.yaml', app, worker }).resourceLimits).toEqual({ maxYoungGenerationSizeMb: 8 });
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, resourceLimits: { maxOldGenerationSizeMb: 64 } }).resourceLimits).toEqual({ maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 64 });
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, resourceLimits: { maxYoungGenerationSizeMb: 32 } }).resourceLimits).toEqual({ maxYoungGenerationSizeMb: 32 });
  });

  it('turns appModule paths into file URLs and keeps URLs', () => {
    expect(resolveOptions({ configFile: 'c.yaml', app, worker }).appModuleUrl).toBeUndefined();
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, appModule: '/srv/app.js' }).appModuleUrl).toBe('file:///srv/app.js');
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, appModule: new URL('file:///x/app.mjs') }).appModuleUrl).toBe('file:///x/app.mjs');
    expect(() => resolveOptions({ configFile: 'c.yaml', app, worker, appModule: '' })).toThrow(/appModule/);
  });

  it('takes loaderNice from 0 to 19, default 10', () => {
    expect(resolveOptions({ configFile: 'c.yaml', app, worker }).loaderNice).toBe(10);
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, loaderNice: 0 }).loaderNice).toBe(0);
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, loaderNice: 19 }).loaderNice).toBe(19);
    for (const bad of [-1, 20, 2.5]) expect(() => resolveOptions({ configFile: 'c.yaml', app, worker, loaderNice: bad })).toThrow(/loaderNice/);
  });

  it('takes primaryLoadBytes from 0 (every reload in the loader thread), default 64 KiB', () => {
    expect(resolveOptions({ configFile: 'c.yaml', app, worker }).primaryLoadBytes).toBe(65_536);
    expect(resolveOptions({ configFile: 'c.yaml', app, worker, primaryLoadBytes: 0 }).primaryLoadBytes).toBe(0);
    for (const bad of [-1, 2.5, 2 ** 31]) expect(() => resolveOptions({ configFile: 'c.yaml', app, worker, primaryLoadBytes: bad })).toThrow(/primaryLoadBytes/);
  });

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
