import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { defineConfig } from './definition.js';
import { ConfigError, ConfigOptionError, DefinitionModuleError } from './errors.js';
import { loadConfig, parseConfigText } from './load-config.js';
import { NOT_PLAIN, plainYamlValue } from './plain-yaml.js';
import type { ConfigDefinition, ConfigProblem, LoadOptions } from './types.js';

const schema = z.object({
  server: z.object({ port: z.number().int(), host: z.string().default('localhost') }),
  tags: z.array(z.string()).default([]),
  mode: z.union([z.literal('on'), z.literal('off'), z.object({ percent: z.number() })]).default('on'),
});

async function problems(text: string, def: ConfigDefinition<any, any> | z.ZodType = schema, options?: LoadOptions): Promise<ConfigProblem[]> {
  try {
    await parseConfigText(text, '/cfg/app.yaml', def as z.ZodType, options);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const brief = (ps: ConfigProblem[]): string[] => ps.map((p) => [`${p.line}:${p.column}`, p.path, p.code].filter(Boolean).join(' '));

describe('parseConfigText', () => {
  it('returns the parsed, defaulted value and timings', async () => {
    const loaded = await parseConfigText('server:\n  port: 80\n', 'app.yaml', schema);
    expect(loaded.value).toEqual({ server: { port: 80, host: 'localhost' }, tags: [], mode: 'on' });
    expect(loaded.file).toBe(path.resolve('app.yaml'));
    expect(loaded.bytes).toBe(19);
    expect(Object.values(loaded.timings).every((ms) => ms >= 0)).toBe(true);
  });

  it('lists every problem of a file at once, in file order', async () => {
    const text = 'server:\n  port: "80"\n  hots: x\ntags: [a, 1]\nextra: true\n';
    expect(brief(await problems(text))).toEqual([
      '2:9 server.port GENSWAP_CONFIG_TYPE',
      '3:3 server.hots GENSWAP_CONFIG_UNKNOWN_KEY',
      '4:11 tags[1] GENSWAP_CONFIG_TYPE',
      '5:1 extra GENSWAP_CONFIG_UNKNOWN_KEY',
    ]);
  });

  it('reports the same problems at the same places whether the fast path or the yaml package read the text', async () => {
    // A document end marker after the text sends it to the full path (plain-yaml.ts) without
    // moving any line or column; so do CRLF line ends, which the fast path reads too.
    const texts = [
      'server:\n  port: "80"\n  hots: x\ntags: [a, 1]\nextra: true\n',
      'tags: []\nserver:\n  host: a\n',
      'server: {port: 1}\nmode: {percent: "x"}\n',
      '# c\nserver:\n  port: 1.5 # not an int\n  host: [a]\nmode: off\n',
    ];
    for (const text of texts) {
      expect(plainYamlValue(text, 64)).not.toBe(NOT_PLAIN);
      expect(plainYamlValue(`${text}...\n`, 64)).toBe(NOT_PLAIN);
      const fast = await problems(text);
      expect(fast.length).toBeGreaterThan(0);
      expect(fast).toEqual(await problems(`${text}...\n`));
      expect(plainYamlValue(text.replaceAll('\n', '\r\n'), 64)).not.toBe(NOT_PLAIN);
      expect(await problems(text.replaceAll('\n', '\r\n'))).toEqual(fast);
    }
  });

  it('runs a schema with an async refinement (validated with zod\'s async parse), and locates what it refuses', async () => {
    const known = new Set(['ada', 'grace']);
    const asyncSchema = z.object({ user: z.string().refine(async (u) => known.has(u), { message: 'no such user' }), port: z.number() });
    expect((await parseConfigText('user: ada\nport: 1\n', 'a.yaml', asyncSchema)).value).toEqual({ user: 'ada', port: 1 });
    expect(brief(await problems('port: 1\nuser: bob\n', asyncSchema))).toEqual(['2:7 user GENSWAP_CONFIG_INVALID_VALUE']);
  });

  it('says what was expected and what was found, and suggests the key a typo meant', async () => {
    const ps = await problems('server:\n  port: "80"\n  hots: x\n');
    expect(ps.map((p) => p.message)).toEqual(['expected number, got string ("80")', 'unknown key "hots" (did you mean "host"?)']);
  });

  it('points a missing key at the mapping that lacks it', async () => {
    expect(brief(await problems('tags: []\nserver:\n  host: a\n'))).toEqual(['3:3 server.port GENSWAP_CONFIG_MISSING_KEY']);
    expect((await problems('tags: []\n'))[0]).toMatchObject({ line: 1, column: 1, path: 'server', message: 'missing required key "server"' });
  });

  it('reports the member of a union that matched the value type, not "invalid input"', async () => {
    const ps = await problems('server: {port: 1}\nmode: {percent: "x"}\n');
    expect(brief(ps)).toEqual(['2:17 mode.percent GENSWAP_CONFIG_TYPE']);
    const scalar = await problems('server: {port: 1}\nmode: true\n');
    expect(scalar[0]).toMatchObject({ path: 'mode', message: 'expected "on" or "off" or object, got boolean (true)', code: 'GENSWAP_CONFIG_INVALID_VALUE' });
    const types = await problems('a: true\n', z.object({ a: z.union([z.string(), z.number()]) }));
    expect(types[0]).toMatchObject({ path: 'a', message: 'expected string or number, got boolean (true)', code: 'GENSWAP_CONFIG_TYPE' });
  });

  it('reports unknown keys once even when the schema object is strict', async () => {
    const strict = z.strictObject({ a: z.number() });
    expect(brief(await problems('a: 1\nb: 2\n', strict))).toEqual(['2:1 b GENSWAP_CONFIG_UNKNOWN_KEY']);
  });

  it('lets a refinement name its own code', async () => {
    const refined = z.object({ n: z.number().refine((n) => n % 2 === 0, { message: 'must be even', params: { code: 'GENSWAP_APP_ODD' } }) });
    expect((await problems('n: 3\n', refined))[0]).toMatchObject({ line: 1, column: 4, path: 'n', message: 'must be even', code: 'GENSWAP_APP_ODD' });
  });

  it('locates problems inside aliases at the anchored text', async () => {
    const ps = await problems('base: &b {port: x}\nserver: *b\n', z.object({ base: z.unknown(), server: z.object({ port: z.number() }) }));
    expect(brief(ps)).toEqual(['1:17 server.port GENSWAP_CONFIG_TYPE']);
  });

  it('caps the list of problems and counts the rest', async () => {
    const text = `server: {port: 1}\ntags: [${Array.from({ length: 30 }, (_, i) => i).join(', ')}]\n`;
    const ps = await problems(text, schema, { maxProblems: 5 });
    expect(ps).toHaveLength(6);
    expect(ps[5]).toMatchObject({ code: 'GENSWAP_CONFIG_TOO_MANY_PROBLEMS', message: '25 more problems not listed' });
  });

  it('applies maxDepth and maxAliasCount from the options', async () => {
    const open = z.object({ a: z.unknown() });
    expect(brief(await problems('a: [[[1]]]\n', open, { maxDepth: 3 }))).toEqual(['1:6 GENSWAP_CONFIG_TOO_DEEP']);
    expect(brief(await problems('a: [&x 1, *x, *x]\n', open, { maxAliasCount: 1 }))).toEqual(['1:15 a[2] GENSWAP_CONFIG_ALIAS_LIMIT']);
    expect(brief(await problems('a: [&x 1, *x]\n', open, { maxAliasCount: 0 }))).toEqual(['1:11 a[1] GENSWAP_CONFIG_ALIAS_LIMIT']);
  });

  it('survives a file of nothing but nesting, as large as maxBytes allows', async () => {
    // The composer recurses: unchecked, this overflows the stack (or aborts the process).
    const open = z.object({ a: z.unknown() });
    expect(brief(await problems(`a: ${'['.repeat(2_000_000)}${']'.repeat(2_000_000)}\n`, open))).toEqual(['1:67 GENSWAP_CONFIG_TOO_DEEP']);
    expect(brief(await problems(`a:\n${'- '.repeat(2_000_000)}x\n`, open))).toEqual(['2:127 GENSWAP_CONFIG_TOO_DEEP']);
    expect(brief(await problems(`a:\n${Array.from({ length: 100 }, (_, i) => `${' '.repeat(i + 1)}k:`).join('\n')} 1\n`, open))).toEqual([
      '65:65 GENSWAP_CONFIG_TOO_DEEP',
    ]);
  });

  it('keeps YAML 1.1 surprises as strings: yes, on, 012, 1:30', async () => {
    const loaded = await parseConfigText('a: yes\nb: on\nc: 012\nd: 1:30\n', 'f.yaml', z.record(z.string(), z.unknown()));
    expect(loaded.value).toEqual({ a: 'yes', b: 'on', c: 12, d: '1:30' });
  });

  it('rejects bad options before reading anything', async () => {
    await expect(parseConfigText('a: 1', 'f', schema, { maxBytes: 0 })).rejects.toBeInstanceOf(ConfigOptionError);
    await expect(parseConfigText('a: 1', 'f', schema, { maxDepth: 1.5 })).rejects.toThrow(/maxDepth must be an integer >= 1/);
    await expect(parseConfigText('a: 1', 'f', { nope: true } as never)).rejects.toBeInstanceOf(DefinitionModuleError);
  });

  it('leaves Object.prototype alone whatever the keys', async () => {
    const open = z.record(z.string(), z.unknown());
    const ps = await problems('__proto__: {polluted: 1}\nx: {constructor: {prototype: {polluted: 1}}}\n', open);
    expect(brief(ps)).toEqual(['1:1 __proto__ GENSWAP_CONFIG_FORBIDDEN_KEY', '2:5 x.constructor GENSWAP_CONFIG_FORBIDDEN_KEY']);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('compile step', () => {
  const listSchema = z.object({ words: z.string(), banned: z.array(z.string()).default([]) });
  const definition = defineConfig({
    schema: listSchema,
    compile(value, ctx) {
      value.banned.forEach((b, i) => {
        if (b.length < 3) ctx.problemAt(['banned', i], 'too short', 'GENSWAP_CONFIG_INVALID_VALUE');
      });
      const list = ctx.readList(value.words, ['words']);
      if (list === undefined) return undefined;
      list.entries.forEach((w, i) => {
        if (w !== w.toLowerCase()) ctx.problemInList(list, i, `"${w}" is not lower case`, 'GENSWAP_CONFIG_LIST_ENTRY');
      });
      return { words: new Set(list.entries), failedSoFar: ctx.failed };
    },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('types the loaded value from compile', () => {
    // Never called: only their types are checked.
    const fromDefinition = () => loadConfig('x', definition);
    const fromSchema = () => loadConfig('x', listSchema);
    expectTypeOf<Awaited<ReturnType<typeof fromDefinition>>['value']>().toEqualTypeOf<{ words: Set<string>; failedSoFar: boolean } | undefined>();
    expectTypeOf<Awaited<ReturnType<typeof fromSchema>>['value']>().toEqualTypeOf<{ words: string; banned: string[] }>();
  });

  it('reads list files relative to the config and returns the compiled value', async () => {
    mkdirSync(path.join(dir, 'ok', 'lists'), { recursive: true });
    writeFileSync(path.join(dir, 'ok', 'lists', 'words.txt'), 'alpha\n# comment\nbeta\n');
    writeFileSync(path.join(dir, 'ok', 'app.yaml'), 'words: lists/words.txt\n');
    const loaded = await loadConfig(path.join(dir, 'ok', 'app.yaml'), definition);
    expect(loaded.value).toEqual({ words: new Set(['alpha', 'beta']), failedSoFar: false });
    expect(loaded.files).toEqual([path.join(dir, 'ok', 'app.yaml'), path.join(dir, 'ok', 'lists', 'words.txt')]);
    expect(loaded.listEntries).toBe(2);
  });

  it('reports compile problems like validation problems, in the config and in list files', async () => {
    mkdirSync(path.join(dir, 'bad'), { recursive: true });
    writeFileSync(path.join(dir, 'bad', 'words.txt'), 'ok\n\nNotOk\n');
    writeFileSync(path.join(dir, 'bad', 'app.yaml'), 'words: words.txt\nbanned: [abc, x]\n');
    const err = await loadConfig(path.join(dir, 'bad', 'app.yaml'), definition).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => `${path.basename(p.file)}:${p.line}:${p.column} ${p.path} ${p.code}`)).toEqual([
      'app.yaml:2:15 banned[1] GENSWAP_CONFIG_INVALID_VALUE',
      'words.txt:3:1  GENSWAP_CONFIG_LIST_ENTRY',
    ]);
  });

  it('locates a missing list file at the config key naming it', async () => {
    writeFileSync(path.join(dir, 'missing-list.yaml'), 'banned: []\nwords: nowhere.txt\n');
    const err = (await loadConfig(path.join(dir, 'missing-list.yaml'), definition).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems).toEqual([
      expect.objectContaining({ file: path.join(dir, 'missing-list.yaml'), line: 2, column: 8, path: 'words', code: 'GENSWAP_CONFIG_NOT_FOUND' }),
    ]);
  });

  it('still compiles beside unknown keys, even when the schema is strict', async () => {
    const strict = defineConfig({
      schema: z.strictObject({ n: z.number(), inner: z.strictObject({ m: z.number() }) }),
      compile(value, ctx) {
        if (value.n < 0) ctx.problemAt(['n'], 'must not be negative', 'GENSWAP_CONFIG_INVALID_VALUE');
        return value;
      },
    });
    const ps = await problems('n: -1\nnn: 2\ninner: {m: 1, mm: 2}\n', strict);
    expect(brief(ps)).toEqual(['1:4 n GENSWAP_CONFIG_INVALID_VALUE', '2:1 nn GENSWAP_CONFIG_UNKNOWN_KEY', '3:15 inner.mm GENSWAP_CONFIG_UNKNOWN_KEY']);
  });

  it('turns a throwing compile step into a problem with the error as cause', async () => {
    const boom = new Error('boom');
    const throwing = defineConfig({
      schema: z.object({ a: z.number() }),
      compile: () => {
        throw boom;
      },
    });
    const err = (await parseConfigText('a: 1\n', 'f.yaml', throwing).catch((e: unknown) => e)) as ConfigError;
    expect(err.problems).toEqual([expect.objectContaining({ code: 'GENSWAP_CONFIG_COMPILE_FAILED', message: 'compile step threw: boom' })]);
    expect(err.cause).toBe(boom);
  });
});

describe('loadConfig blockingRead', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-blocking-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file before loadConfig returns its promise', async () => {
    // The bytes are already read when the call returns, so removing the file then changes
    // nothing. (The default read is not checked the other way: its open, queued on the thread
    // pool at call time, may or may not beat the removal.)
    const file = path.join(dir, 'gone.yaml');
    writeFileSync(file, 'server:\n  port: 81\n');
    const blocking = loadConfig(file, schema, { blockingRead: true });
    rmSync(file);
    expect((await blocking).value).toMatchObject({ server: { port: 81 } });
  });

  it('refuses what the default read refuses, with the same codes', async () => {
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, `server: {port: 80}\n#${'x'.repeat(100)}\n`);
    const cases: [string, LoadOptions][] = [
      [path.join(dir, 'missing.yaml'), {}],
      [dir, {}],
      [big, { maxBytes: 64 }],
    ];
    for (const [file, options] of cases) {
      const codes = async (o: LoadOptions) => ((await loadConfig(file, schema, o).catch((e: unknown) => e)) as ConfigError).problems.map((p) => `${p.code} ${p.message}`);
      const pooled = await codes(options);
      expect(pooled).toHaveLength(1);
      expect(await codes({ ...options, blockingRead: true })).toEqual(pooled);
    }
  });
});
