import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definitionFromModule, importDefinition, isZodSchema, toDefinition } from './definition.js';
import { DefinitionModuleError } from './errors.js';

const schema = z.object({ a: z.number() });
const compile = (v: { a: number }) => v.a;

describe('toDefinition', () => {
  it('wraps a bare schema and passes a definition through', () => {
    expect(toDefinition(schema)).toEqual({ schema });
    const def = { schema, compile };
    expect(toDefinition(def)).toBe(def);
  });

  it('refuses what is neither', () => {
    for (const value of [undefined, null, 42, {}, { schema: {} }, { schema, compile: 'no' }, () => schema]) expect(toDefinition(value)).toBeUndefined();
    expect(isZodSchema({ _zod: {} })).toBe(false);
  });
});

describe('definitionFromModule', () => {
  it('takes `definition`, then the default export, then the default export\'s definition', () => {
    expect(definitionFromModule({ definition: { schema, compile }, default: z.string() }, 'm').compile).toBe(compile);
    expect(definitionFromModule({ default: schema }, 'm')).toEqual({ schema });
    expect(definitionFromModule({ default: { definition: schema, codec: {} } }, 'm')).toEqual({ schema });
  });

  it('names the module and what it exports when nothing fits', () => {
    expect(() => definitionFromModule({ schema, other: 1 }, './x.mjs')).toThrow(/schema module \.\/x\.mjs: exports no ConfigDefinition .*\(it exports: schema, other\)/);
  });
});

describe('importDefinition', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'genswap-definition-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('imports a module by path relative to cwd', async () => {
    writeFileSync(path.join(dir, 'def.mjs'), 'export const definition = { schema: { _zod: { def: { type: "unknown" } } } };\n');
    const def = await importDefinition('def.mjs', dir);
    expect(isZodSchema(def.schema)).toBe(true);
  });

  it('reports a missing or broken module as GENSWAP_CONFIG_SCHEMA_MODULE', async () => {
    await expect(importDefinition('nope.mjs', dir)).rejects.toBeInstanceOf(DefinitionModuleError);
    writeFileSync(path.join(dir, 'broken.mjs'), 'export const = ;\n');
    await expect(importDefinition(path.join(dir, 'broken.mjs'))).rejects.toMatchObject({ code: 'GENSWAP_CONFIG_SCHEMA_MODULE' });
  });
});
