import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineConfig } from './definition.js';
import { ConfigError } from './errors.js';
import { ListCache } from './list-cache.js';
import { loadConfig } from './load-config.js';
import type { ListCompiler } from './types.js';

/** A compiler that records each compile, so a test sees whether the cache answered. */
function countingCompiler(): { compiler: ListCompiler<string[]>; compiles: string[] } {
  const compiles: string[] = [];
  const compiler: ListCompiler<string[]> = {
    name: 'test.words.v1',
    compile(list) {
      compiles.push(list.file);
      const words: string[] = [];
      list.scan((start, end, line, column) => {
        const word = list.bytes.toString('utf8', start, end);
        if (word !== word.toLowerCase()) list.problemAt(line, column, `"${word}" is not lower case`, 'GENSWAP_CONFIG_LIST_ENTRY');
        words.push(word);
      });
      return words;
    },
  };
  return { compiler, compiles };
}

function setup() {
  const { compiler, compiles } = countingCompiler();
  const definition = defineConfig({
    schema: z.object({ words: z.string(), note: z.string().default('') }),
    compile: (value, ctx) => ({ words: ctx.compileList(value.words, ['words'], compiler), note: value.note }),
  });
  return { definition, compiles };
}

/**
 * With no racy margin, an identity is trusted once its hash time is past the file's ctime. The
 * hash time is Date.now() in whole ms, so a load in the same millisecond as the write would hash
 * again (safe, but not what these tests check): wait for the clock's ms to pass the ctime first.
 */
function afterCtime(file: string): void {
  const ctime = statSync(file, { bigint: true }).ctimeNs;
  while (BigInt(Date.now()) * 1_000_000n <= ctime) {
    // at most one millisecond
  }
}

describe('list cache', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-list-cache-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'app.yaml');
  const list = path.join(dir, 'words.txt');

  it('goes on in another cache made from its entries (cloned, as between threads); a commit that changed an entry moves version', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache();
    writeFileSync(list, 'alpha\n');
    writeFileSync(config, 'words: words.txt\nnote: one\n');
    await loadConfig(config, definition, { listCache });
    expect(listCache.version).toBe(1);
    writeFileSync(config, 'words: words.txt\nnote: two\n');
    await loadConfig(config, definition, { listCache });
    const version = listCache.version;
    const next = new ListCache({ entries: structuredClone(listCache.entries()) });
    expect(next.size).toBe(1);
    writeFileSync(config, 'words: words.txt\nnote: three\n');
    const third = await loadConfig(config, definition, { listCache: next });
    expect(compiles).toEqual([list]);
    expect(third.listsReused).toBe(1);
    expect(third.value.words).toEqual(['alpha']);
    writeFileSync(list, 'alpha\ngamma\n');
    await loadConfig(config, definition, { listCache });
    expect(listCache.version).toBe(version + 1);
    expect(compiles).toEqual([list, list]);
  });

  it('cache hit on unchanged content: a changed config beside an unchanged list does not compile the list again', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache();
    writeFileSync(list, 'alpha\n# comment\n  beta  \n');
    writeFileSync(config, 'words: words.txt\nnote: one\n');
    const first = await loadConfig(config, definition, { listCache });
    writeFileSync(config, 'words: words.txt\nnote: two\n');
    const second = await loadConfig(config, definition, { listCache });
    expect(compiles).toEqual([list]);
    expect(second.value.words).toEqual(['alpha', 'beta']);
    expect(second.value.note).toBe('two');
    expect([first.listsReused, second.listsReused]).toEqual([0, 1]);
    expect(second.listEntries).toBe(2);
    expect(second.files).toEqual([config, list]);
  });

  it('cache miss on changed content with the same mtime and size', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache();
    const stamp = 1_700_000_000; // whole seconds: utimes keeps them exactly
    writeFileSync(list, 'alpha\nbeta\n');
    utimesSync(list, stamp, stamp);
    writeFileSync(config, 'words: words.txt\n');
    await loadConfig(config, definition, { listCache });
    const before = statSync(list);
    writeFileSync(list, 'gamma\ndelta'); // 11 bytes, like the old content
    utimesSync(list, stamp, stamp);
    expect(statSync(list).size).toBe(before.size);
    expect(statSync(list).mtimeMs).toBe(before.mtimeMs);
    const loaded = await loadConfig(config, definition, { listCache });
    expect(compiles).toHaveLength(2);
    expect(loaded.value.words).toEqual(['gamma', 'delta']);
    expect(loaded.listsReused).toBe(0);
  });

  it('a bad line in a changed list is still located at file:line:col, and the cache keeps the last good compile', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache();
    writeFileSync(list, 'alpha\nbeta\n');
    writeFileSync(config, 'words: words.txt\n');
    await loadConfig(config, definition, { listCache });
    writeFileSync(list, 'alpha\n\n   Beta # capital\n');
    const err = await loadConfig(config, definition, { listCache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => `${path.basename(p.file)}:${p.line}:${p.column} ${p.code}`)).toEqual(['words.txt:3:4 GENSWAP_CONFIG_LIST_ENTRY']);
    // Back to the good content: the result of the last good load is reused, not the failed one's.
    writeFileSync(list, 'alpha\nbeta\n');
    const again = await loadConfig(config, definition, { listCache });
    expect(again.listsReused).toBe(1);
    expect(again.value.words).toEqual(['alpha', 'beta']);
    expect(compiles).toHaveLength(2);
  });

  it('never reuses a result from a failed load (a clean list beside a bad config)', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache();
    writeFileSync(list, 'alpha\n');
    writeFileSync(config, 'words: words.txt\nnote: 5\n'); // a schema problem: the load fails before compile
    await expect(loadConfig(config, definition, { listCache })).rejects.toBeInstanceOf(ConfigError);
    writeFileSync(config, 'words: words.txt\nnotes: x\n'); // unknown key: compile runs, the load fails
    await expect(loadConfig(config, definition, { listCache })).rejects.toBeInstanceOf(ConfigError);
    expect(listCache.size).toBe(0);
    writeFileSync(config, 'words: words.txt\n');
    const loaded = await loadConfig(config, definition, { listCache });
    expect(loaded.listsReused).toBe(0);
    expect(compiles).toHaveLength(2); // the unknown-key load compiled it; the good load compiled it again
  });

  it('reports binary content in a list at its line and column, and drops lists the config stopped naming', async () => {
    const { definition } = setup();
    const listCache = new ListCache();
    writeFileSync(list, 'alpha\nbe\u0001ta\n');
    writeFileSync(config, 'words: words.txt\n');
    const err = await loadConfig(config, definition, { listCache }).catch((e: unknown) => e);
    expect((err as ConfigError).problems.map((p) => `${p.line}:${p.column} ${p.code}`)).toEqual(['2:3 GENSWAP_CONFIG_BINARY']);
    const other = path.join(dir, 'other.txt');
    writeFileSync(list, 'alpha\n');
    writeFileSync(other, 'omega\n');
    await loadConfig(config, definition, { listCache });
    writeFileSync(config, 'words: other.txt\n');
    await loadConfig(config, definition, { listCache });
    expect(listCache.size).toBe(1);
  });

  it('an unchanged file identity skips the read; a same-size rewrite with its mtime put back is read again and recompiled', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache({ racyMarginNs: 0n });
    writeFileSync(list, 'gamma\ndelta\n');
    writeFileSync(config, 'words: words.txt\nnote: one\n');
    afterCtime(list);
    await loadConfig(config, definition, { listCache });
    const second = await loadConfig(config, definition, { listCache });
    expect(listCache.unchangedHits).toBe(1);
    expect(second.value.words).toEqual(['gamma', 'delta']);
    const before = statSync(list);
    writeFileSync(list, 'gamma\nDELTA\n'); // same size
    utimesSync(list, before.atime, before.mtime); // mtime put back: only ctime tells
    await expect(loadConfig(config, definition, { listCache })).rejects.toBeInstanceOf(ConfigError);
    expect(listCache.unchangedHits).toBe(1);
    expect(compiles).toEqual([list, list]);
  });

  it('a file written within the racy margin of its hash is hashed again on the next load, not trusted on identity', async () => {
    const { definition } = setup();
    const listCache = new ListCache(); // the real 1 s margin
    writeFileSync(list, 'epsilon\n');
    writeFileSync(config, 'words: words.txt\nnote: one\n');
    await loadConfig(config, definition, { listCache });
    const writtenMs = statSync(list).ctimeMs;
    const again = await loadConfig(config, definition, { listCache });
    expect(again.listsReused).toBe(1); // the content hash still reuses the compile
    // Only meaningful while the write is younger than the margin (always, short of a stalled machine).
    if (Date.now() - writtenMs < 900) expect(listCache.unchangedHits).toBe(0);
  });
});

describe('readBudget', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-read-budget-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = path.join(dir, 'app.yaml');
  const list = path.join(dir, 'words.txt');
  const codes = async (p: Promise<unknown>): Promise<string[]> => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((x) => x.code);
  };

  it('stops before a read that would pass it, with its own code, counting the config and the lists together', async () => {
    const { definition, compiles } = setup();
    writeFileSync(list, 'alpha\n'.repeat(100)); // 600 bytes
    writeFileSync(config, 'words: words.txt\n'); // 17 bytes
    expect(await codes(loadConfig(config, definition, { readBudget: 16 }))).toEqual(['GENSWAP_CONFIG_OVER_BUDGET']);
    expect(await codes(loadConfig(config, definition, { readBudget: 600 }))).toEqual(['GENSWAP_CONFIG_OVER_BUDGET']);
    expect(compiles).toEqual([]);
    const loaded = await loadConfig(config, definition, { readBudget: 617 });
    expect(loaded.value.words).toHaveLength(100);
    // A limit of the config itself still reads as one, under a bigger budget.
    expect(await codes(loadConfig(config, definition, { readBudget: 10_000, maxListBytes: 599 }))).toEqual(['GENSWAP_CONFIG_TOO_LARGE']);
  });

  it('does not count a list reused by its unchanged identity, which is not read', async () => {
    const { definition, compiles } = setup();
    const listCache = new ListCache({ racyMarginNs: 0n });
    writeFileSync(list, 'beta\n'.repeat(1000)); // 5,000 bytes
    writeFileSync(config, 'words: words.txt\nnote: one\n');
    afterCtime(list);
    await loadConfig(config, definition, { listCache });
    writeFileSync(config, 'words: words.txt\nnote: two\n');
    const second = await loadConfig(config, definition, { listCache, readBudget: 100 });
    expect(second.value.note).toBe('two');
    expect(listCache.unchangedHits).toBe(1);
    expect(compiles).toEqual([list]);
    // Changed, the list must be read, and the budget stops the load before it.
    writeFileSync(list, 'gamma\n'.repeat(1000));
    expect(await codes(loadConfig(config, definition, { listCache, readBudget: 100 }))).toEqual(['GENSWAP_CONFIG_OVER_BUDGET']);
    expect(compiles).toEqual([list]);
  });

  it('is checked like the other limits: an integer, 0 allowed', async () => {
    const { definition } = setup();
    writeFileSync(config, 'words: words.txt\n');
    expect(await codes(loadConfig(config, definition, { readBudget: 0 }))).toEqual(['GENSWAP_CONFIG_OVER_BUDGET']);
    await expect(loadConfig(config, definition, { readBudget: -1 })).rejects.toMatchObject({ code: 'GENSWAP_CONFIG_BAD_OPTION' });
    await expect(loadConfig(config, definition, { readBudget: 1.5 })).rejects.toMatchObject({ code: 'GENSWAP_CONFIG_BAD_OPTION' });
  });
});
