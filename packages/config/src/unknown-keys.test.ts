import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { findUnknownKeys, strictEverywhere } from './unknown-keys.js';

const paths = (schema: z.ZodType, data: unknown): string[] => findUnknownKeys(schema, data).map((u) => u.path.join('.'));

describe('findUnknownKeys', () => {
  it('finds typos in default (stripping) objects at any depth, arrays included', () => {
    const schema = z.object({ a: z.object({ b: z.number() }), list: z.array(z.object({ name: z.string() })) });
    expect(paths(schema, { a: { b: 1, bb: 2 }, list: [{ name: 'x' }, { nme: 'y' }], c: 3 })).toEqual(['a.bb', 'list.1.nme', 'c']);
  });

  it('looks through optional, nullable, default, readonly, lazy and codec-style pipes', () => {
    const inner = z.object({ x: z.number() });
    const schema = z.object({
      o: inner.optional(),
      n: inner.nullable(),
      d: inner.default({ x: 1 }),
      r: inner.readonly(),
      l: z.lazy(() => inner),
      p: inner.pipe(z.object({ x: z.number() })),
    });
    const data = Object.fromEntries(['o', 'n', 'd', 'r', 'l', 'p'].map((k) => [k, { x: 1, typo: 1 }]));
    expect(paths(schema, data)).toEqual(['o.typo', 'n.typo', 'd.typo', 'r.typo', 'l.typo', 'p.typo']);
  });

  it('lets loose objects, catchalls and records take any key, but checks what they hold', () => {
    const schema = z.object({
      loose: z.looseObject({ a: z.number() }),
      passthrough: z.object({ a: z.number() }).passthrough(),
      catchall: z.object({ a: z.number() }).catchall(z.object({ v: z.number() })),
      record: z.record(z.string(), z.object({ v: z.number() })),
    });
    const data = {
      loose: { a: 1, extra: 1 },
      passthrough: { a: 1, extra: 1 },
      catchall: { a: 1, extra: { v: 1, vv: 2 } },
      record: { any: { v: 1, w: 2 } },
    };
    expect(paths(schema, data)).toEqual(['catchall.extra.vv', 'record.any.w']);
  });

  it('knows a key if any union or intersection member declares it', () => {
    const schema = z.object({
      u: z.union([z.object({ a: z.number() }), z.object({ b: z.number() })]),
      i: z.intersection(z.object({ a: z.number() }), z.object({ b: z.number() })),
    });
    expect(paths(schema, { u: { a: 1, b: 2, c: 3 }, i: { a: 1, b: 2, c: 3 } })).toEqual(['u.c', 'i.c']);
  });

  it('judges a discriminated union by the member its tag selects', () => {
    const schema = z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('file'), path: z.string() }),
      z.object({ kind: z.literal('url'), url: z.string() }),
    ]);
    expect(paths(schema, { kind: 'file', path: 'a', url: 'b' })).toEqual(['url']);
  });

  it('follows recursive schemas and tuples', () => {
    type Node = { name: string; children: Node[] };
    const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));
    expect(paths(node, { name: 'a', children: [{ name: 'b', children: [], nam: 'typo' }] })).toEqual(['children.0.nam']);
    const tuple = z.tuple([z.object({ a: z.number() })], z.object({ r: z.number() }));
    expect(paths(tuple, [{ a: 1, x: 1 }, { r: 1, y: 1 }])).toEqual(['0.x', '1.y']);
  });

  it('does not judge what an open schema accepts (unknown, any, preprocess)', () => {
    const schema = z.object({ u: z.unknown(), a: z.any(), p: z.preprocess((v) => v, z.object({ x: z.number() })) });
    expect(paths(schema, { u: { q: 1 }, a: { q: 1 }, p: { q: 1 } })).toEqual([]);
  });

  it('reports the keys declared where the unknown key sits', () => {
    const [u] = findUnknownKeys(z.object({ server: z.object({ port: z.number(), host: z.string() }) }), { server: { prot: 1 } });
    expect(u).toEqual({ path: ['server', 'prot'], key: 'prot', known: ['port', 'host'] });
  });
});

describe('strictEverywhere', () => {
  const strict = z.strictObject({ a: z.strictObject({ b: z.number() }).optional(), list: z.array(z.strictObject({ c: z.string() })).default([]) });
  const cases: [string, z.ZodType, boolean][] = [
    ['strict objects, through optional, default and arrays', strict, true],
    ['a record and a union of strict objects', z.strictObject({ m: z.record(z.string(), z.union([z.strictObject({ x: z.number() }), z.strictObject({ y: z.number() })])) }), true],
    ['a loose object (its catchall takes any key)', z.strictObject({ l: z.looseObject({ k: z.number() }) }), true],
    ['a default (stripping) object deep inside', z.strictObject({ a: z.array(z.object({ b: z.number() })) }), false],
    ['a catch, which turns a refusal into a value', z.strictObject({ a: z.strictObject({ b: z.number() }).catch({ b: 0 }) }), false],
    ['a recursive strict schema', (() => { const node: z.ZodType = z.strictObject({ kids: z.lazy(() => z.array(node)).optional() }); return node; })(), true],
  ];

  it.each(cases)('%s', (_what, schema, expected) => {
    expect(strictEverywhere(schema)).toBe(expected);
  });

  it('holds what it promises: where it says true, a value zod accepts has no unknown key the walk would find', () => {
    const values = [{ a: { b: 1 }, list: [{ c: 'x' }] }, { a: { b: 1, typo: 2 } }, { list: [{ c: 'x', d: 1 }] }, { extra: true }];
    for (const [, schema, isStrict] of cases) {
      if (!isStrict) continue;
      for (const v of values) if (z.safeParse(schema, v).success) expect(findUnknownKeys(schema, v)).toEqual([]);
    }
    // And where it says false, the walk is what finds them.
    expect(z.safeParse(cases[3]![1], { a: [{ b: 1, typo: 2 }] }).success).toBe(true);
    expect(findUnknownKeys(cases[3]![1], { a: [{ b: 1, typo: 2 }] })).toHaveLength(1);
    expect(z.safeParse(cases[4]![1], { a: { b: 1, typo: 2 } }).success).toBe(true);
    expect(findUnknownKeys(cases[4]![1], { a: { b: 1, typo: 2 } })).toHaveLength(1);
  });
});
