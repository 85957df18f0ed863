import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, type ConfigProblem } from './index.js';
import { excerpt, MAX_EXCERPT_CHARS } from './list-file.js';
import { loadConfig } from './load-config.js';
import type { CompileContext, ConfigDefinition } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-list-budget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A definition whose compile reads every named list and reports each entry that is not `ok-<n>`, quoting it. */
const schema = z.strictObject({ lists: z.array(z.string()) });
const definition: ConfigDefinition<typeof schema, number> = {
  schema,
  compile(value, ctx: CompileContext) {
    let entries = 0;
    value.lists.forEach((ref, i) => {
      const list = ctx.readList(ref, ['lists', i]);
      if (list === undefined) return;
      entries += list.entries.length;
      list.entries.forEach((entry, k) => {
        if (!entry.startsWith('ok-')) ctx.problemInList(list, k, `${excerpt(entry)} is not ok`, 'GENSWAP_CONFIG_LIST_ENTRY');
      });
    });
    return entries;
  },
};

async function problems(config: string, options = {}): Promise<ConfigProblem[]> {
  const file = path.join(dir, config);
  try {
    await loadConfig(file, definition, options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('list files: total budget', () => {
  it('regression: one list named through many symlinks is read and counted once', async () => {
    writeFileSync(path.join(dir, 'big.txt'), 'ok-1\n'.repeat(2000)); // 10,000 bytes
    const refs = Array.from({ length: 8 }, (_, i) => {
      symlinkSync(path.join(dir, 'big.txt'), path.join(dir, `link-${i}.txt`));
      return `link-${i}.txt`;
    });
    writeFileSync(path.join(dir, 'links.yaml'), `lists: [${refs.join(', ')}]\n`);
    const loaded = await loadConfig(path.join(dir, 'links.yaml'), definition, { maxListTotalBytes: 15_000 });
    expect(loaded.listEntries).toBe(2000);
    expect(loaded.files).toEqual([path.join(dir, 'links.yaml'), path.join(dir, 'big.txt')]);
  });

  it('refuses the list that crosses the budget, at its reference, and reads no further than the budget', async () => {
    writeFileSync(path.join(dir, 'a.txt'), 'ok-1\n'.repeat(2000));
    writeFileSync(path.join(dir, 'b.txt'), 'ok-2\n'.repeat(2000));
    writeFileSync(path.join(dir, 'two.yaml'), 'lists:\n  - a.txt\n  - b.txt\n');
    expect(await problems('two.yaml', { maxListTotalBytes: 20_000 })).toEqual([]);
    const found = await problems('two.yaml', { maxListTotalBytes: 15_000 });
    expect(found).toEqual([expect.objectContaining({ path: 'lists[1]', line: 3, column: 5, code: 'GENSWAP_CONFIG_TOO_LARGE' })]);
    expect(found[0]!.message).toMatch(/maxListTotalBytes \(15000 for all list files; 10000 used by earlier ones\)/);
  });

  it('at exactly the budget, loads', async () => {
    writeFileSync(path.join(dir, 'exact.yaml'), 'lists: [a.txt, b.txt]\n');
    expect(await problems('exact.yaml', { maxListTotalBytes: 20_000 })).toEqual([]);
    expect(await problems('exact.yaml', { maxListTotalBytes: 19_999 })).toHaveLength(1);
  });
});

describe('list files: echoed lines', () => {
  it('quotes a short, escaped excerpt of the bad line only', () => {
    expect(excerpt('10.0.0.300')).toBe('"10.0.0.300"');
    expect(excerpt('x'.repeat(100))).toBe(`"${'x'.repeat(MAX_EXCERPT_CHARS)}…"`);
    expect(excerpt('a\u001b[31mb\u00e9')).toBe('"a\\u001b[31mb\\u00e9"');
  });

  it('regression: a bad line of a huge file yields a problem of bounded size at its line', async () => {
    writeFileSync(path.join(dir, 'long.txt'), `ok-1\n${'y'.repeat(100_000)}\nok-2\nsecret-line\n`);
    writeFileSync(path.join(dir, 'long.yaml'), 'lists: [long.txt]\n');
    const found = await problems('long.yaml');
    expect(found.map((p) => [p.line, p.column])).toEqual([
      [2, 1],
      [4, 1],
    ]);
    expect(found[0]!.message.length).toBeLessThan(80);
    expect(found[0]!.message).not.toContain('secret-line');
  });

  it('cuts even a compile step\'s message that quotes a whole entry', async () => {
    const quoting: ConfigDefinition<typeof schema, number> = {
      schema,
      compile(value, ctx) {
        const list = ctx.readList(value.lists[0]!, ['lists', 0]);
        if (list !== undefined) ctx.problemInList(list, 0, `bad: ${list.entries[0]!}`, 'GENSWAP_CONFIG_LIST_ENTRY');
        return 0;
      },
    };
    const err = (await loadConfig(path.join(dir, 'long.yaml'), { ...quoting }).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems[0]!.message.length).toBeLessThanOrEqual(201);
  });
});
