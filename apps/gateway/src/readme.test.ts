import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { gatewaySchema } from './config/schema.js';
import { GATEWAY_ERRORS } from './errors.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Every field path of the schema: `ip.allow`, `rules[].match.headers[].name`, `limits.<name>.key`. */
function fieldPaths(schema: z.ZodType, path: string, out: string[]): string[] {
  const def = schema.def as unknown as { type: string; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; shape?: Record<string, z.ZodType> };
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
      return fieldPaths(def.innerType!, path, out);
    case 'array':
      return fieldPaths(def.element!, `${path}[]`, out);
    case 'record':
      return fieldPaths(def.valueType!, `${path}.<name>`, out);
    case 'object':
      for (const [key, value] of Object.entries(def.shape!)) {
        const p = path === '' ? key : `${path}.${key}`;
        out.push(p);
        fieldPaths(value, p, out);
      }
      return out;
    default:
      return out;
  }
}

describe('README', () => {
  it('documents every config field', () => {
    const paths = fieldPaths(gatewaySchema, '', []);
    expect(paths.length).toBeGreaterThan(25);
    const missing = paths.filter((p) => !readme.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });

  it('lists every error code with its fix, and no other', () => {
    for (const [code, fix] of Object.entries(GATEWAY_ERRORS)) expect(readme).toContain(`| \`${code}\` | ${fix} |`);
    const documented = [...readme.matchAll(/^\| `(GENSWAP_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(GATEWAY_ERRORS).sort());
  });
});
