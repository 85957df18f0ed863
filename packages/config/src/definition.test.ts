import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { requireDefinition } from './definition.js';
import { loadConfig } from './load-config.js';

const schema = z.object({ a: z.number() });
const compile = (v: { a: number }) => v.a;

describe('requireDefinition', () => {
  it('wraps a bare schema and passes a definition through', () => {
    expect(requireDefinition(schema)).toEqual({ schema });
    const def = { schema, compile };
    expect(requireDefinition(def)).toBe(def);
  });

  it('refuses what is neither with GENSWAP_CONFIG_SCHEMA_MODULE', () => {
    for (const value of [undefined, null, 42, {}, { schema: {} }, { schema, compile: 'no' }, () => schema, { _zod: {} }]) {
      expect(() => requireDefinition(value)).toThrow(expect.objectContaining({ code: 'GENSWAP_CONFIG_SCHEMA_MODULE' }));
    }
  });

  it('names zod 4 for a zod 3 schema, bare or in a definition (GENSWAP_CONFIG_ZOD_VERSION)', async () => {
    const old = z3.object({ a: z3.number() });
    for (const value of [old, { schema: old }]) expect(() => requireDefinition(value)).toThrow(/zod 3 schema; genswap needs a zod 4 schema/);
    await expect(loadConfig('unused.yaml', old as never)).rejects.toMatchObject({ code: 'GENSWAP_CONFIG_ZOD_VERSION', fix: expect.stringContaining('zod@^4') });
  });
});
