import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { z } from 'zod';
import { defineConfig } from './definition.js';
import { ConfigError } from './errors.js';
import { ListCache } from './list-cache.js';
import { parseConfigText } from './load-config.js';
import { sameData } from './sections.js';

const file = path.resolve('sections-test.yaml');

const schema = z.strictObject({
  name: z.string().default('unnamed'),
  items: z.array(z.strictObject({ id: z.int(), tag: z.string().optional() })).default(() => []),
  limits: z.record(z.string(), z.int().min(0)).default(() => ({})),
  mode: z.enum(['a', 'b']).optional(),
  nested: z.strictObject({ on: z.boolean().default(false), level: z.int().min(0).max(9).default(1) }).prefault({}),
  note: z.string().optional(),
});
type Value = z.output<typeof schema>;

/** compile hands back the validated value itself, so a test sees which objects were reused. */
const reusing = defineConfig({ schema, compile: (v: Value) => v, reuseUnchangedSections: true });
const whole = defineConfig({ schema, compile: (v: Value) => v });

const load = async (text: string, listCache?: ListCache, definition = reusing) => parseConfigText(text, file, definition, listCache === undefined ? {} : { listCache });

async function outcome(text: string, listCache?: ListCache, definition = reusing): Promise<{ ok: true; value: Value; json: string } | { ok: false; problems: unknown }> {
  try {
    const { value } = await load(text, listCache, definition);
    return { ok: true, value, json: JSON.stringify(value) };
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, problems: err.problems };
    throw err;
  }
}

const A = 'name: web\nitems:\n  - id: 1\n    tag: x\nlimits:\n  a: 1\n  b: 2\nnested:\n  on: true\n';

describe('reuseUnchangedSections', () => {
  it('keeps an unchanged section as the very object the last good load validated, and validates a changed one', async () => {
    const cache = new ListCache();
    const first = await load(A, cache);
    expect(first.sectionsReused).toBe(0); // nothing to reuse yet
    const second = await load(A.replace('id: 1', 'id: 2'), cache);
    expect(second.sectionsReused).toBe(5); // all six keys but items
    expect(second.value.items).toEqual([{ id: 2, tag: 'x' }]);
    expect(second.value.items).not.toBe(first.value.items);
    expect(second.value.limits).toBe(first.value.limits);
    expect(second.value.nested).toBe(first.value.nested);
    expect(second.value).not.toBe(first.value);
    expect(JSON.stringify(second.value)).toBe(JSON.stringify((await load(A.replace('id: 1', 'id: 2'))).value));
  });

  it('refuses a bad change with its location, and the next load reuses what the last good one left', async () => {
    const cache = new ListCache();
    const good = await load(A, cache);
    const bad = A.replace('on: true', 'on: true\n  level: 12');
    const refused = await outcome(bad, cache);
    expect(refused.ok).toBe(false);
    expect(refused).toEqual({ ok: false, problems: [expect.objectContaining({ file, line: 10, column: 10, path: 'nested.level', code: 'GENSWAP_CONFIG_OUT_OF_RANGE' })] });
    const next = await load(A.replace('name: web', 'name: api'), cache);
    expect(next.value.nested).toBe(good.value.nested);
    expect(next.value.items).toBe(good.value.items);
    expect(next.value.name).toBe('api');
  });

  it('validates a key that is gone since the last load in full: its default comes back', async () => {
    const cache = new ListCache();
    await load(A, cache);
    const next = await load(A.replace(/nested:\n {2}on: true\n/, ''), cache);
    expect(next.sectionsReused).toBe(0);
    expect(next.value.nested).toEqual({ on: false, level: 1 });
  });

  it('does nothing for a definition that does not opt in', async () => {
    const cache = new ListCache();
    const first = await load(A, cache, whole);
    const second = await load(A, cache, whole);
    expect(second.sectionsReused).toBe(0);
    expect(second.value.nested).not.toBe(first.value.nested);
    expect(second.value).toEqual(first.value);
  });

  it('validates a schema with an object-level check in full every time', async () => {
    let checks = 0;
    const refined = defineConfig({
      schema: schema.refine((v) => {
        checks++;
        return v.name !== 'forbidden';
      }, 'name is forbidden'),
      compile: (v: Value) => v,
      reuseUnchangedSections: true,
    });
    const cache = new ListCache();
    await load(A, cache, refined);
    const second = await load(A, cache, refined);
    expect(second.sectionsReused).toBe(0);
    expect(checks).toBe(2);
    expect((await outcome(A.replace('name: web', 'name: forbidden'), cache, refined)).ok).toBe(false);
    expect(checks).toBe(3);
  });

  it('falls back to the whole parse for a section with an asynchronous check', async () => {
    const asyncSchema = schema.extend({ note: z.string().refine(async (s) => s !== 'no').optional() });
    const definition = defineConfig({ schema: asyncSchema, compile: (v) => v, reuseUnchangedSections: true });
    const cache = new ListCache();
    await load(`${A}note: yes\n`, cache, definition);
    const changed = await load(`${A}note: fine\n`, cache, definition);
    expect(changed.value.note).toBe('fine');
    expect(changed.sectionsReused).toBe(0);
    await expect(load(`${A}note: no\n`, cache, definition)).rejects.toThrow(ConfigError);
  });

  it('gives what a fresh load gives, over 300 random reloads (good and bad, keys coming and going, keys reordered)', async () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    const pick = <T>(...xs: T[]): T => xs[rnd(xs.length)]!;
    // Few distinct values per key, so that sections often repeat between reloads.
    const doc = (): Record<string, unknown> => {
      const d: Record<string, unknown> = {};
      if (rnd(4) > 0) d['name'] = pick('web', 'api', 'x');
      if (rnd(3) > 0) d['items'] = pick([], [{ id: 1 }], [{ id: 1, tag: 't' }, { id: 2 }], [{ id: 'bad' }]);
      if (rnd(3) > 0) d['limits'] = pick({ a: 1, b: 2 }, { b: 2, a: 1 }, { a: -1 }, {});
      if (rnd(3) === 0) d['mode'] = pick('a', 'b', 'c');
      if (rnd(3) > 0) d['nested'] = pick({ on: true }, { level: 3 }, { level: 3, on: true }, { on: true, level: 3 }, {}, { levle: 2 });
      if (rnd(4) === 0) d['note'] = pick('n', null);
      if (rnd(20) === 0) d['extra'] = 1;
      // Top-level order varies too.
      const keys = Object.keys(d);
      if (rnd(2) === 0) keys.reverse();
      return Object.fromEntries(keys.map((k) => [k, d[k]]));
    };
    const cache = new ListCache();
    let reused = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const text = rnd(10) === 0 ? '{}\n' : stringify(doc());
      const [got, fresh] = [await outcome(text, cache), await outcome(text)];
      if (got.ok && fresh.ok) {
        expect(got.json).toBe(fresh.json); // same value, keys in the same order
        expect(got.value).toEqual(fresh.value);
        reused += (await load(text, cache)).sectionsReused; // the same text once more: every key reused
      } else {
        expect(got).toEqual(fresh);
        refused++;
      }
    }
    // The run exercised both paths.
    expect(reused).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(20);
  });
});

describe('sameData', () => {
  it('compares YAML data by content, with keys in order', () => {
    expect(sameData({ a: [1, 'x', null, true] }, { a: [1, 'x', null, true] })).toBe(true);
    expect(sameData({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameData([1, 2], [1, 2, 3])).toBe(false);
    expect(sameData({ a: undefined }, {})).toBe(false);
    expect(sameData([], {})).toBe(false);
    expect(sameData(Number.NaN, Number.NaN)).toBe(true);
    expect(sameData(0, -0)).toBe(false);
    expect(sameData(new Date(0), new Date(0))).toBe(false); // not YAML data: never equal unless the same object
  });
});
