import type { z } from 'zod';
import { DefinitionModuleError, ZodVersionError } from './errors.js';
import type { ConfigDefinition } from './types.js';

/**
 * Identity helper: `export const definition = defineConfig({ schema, compile })` types the compile
 * step's `value` from the schema and the loaded config from compile's return.
 */
export function defineConfig<S extends z.ZodType, C = z.output<S>>(definition: ConfigDefinition<S, C>): ConfigDefinition<S, C> {
  return definition;
}

/** A zod 4 schema, from any copy of zod (classic or mini): it carries `_zod.def.type`. */
function isZodSchema(value: unknown): value is z.ZodType {
  const internals = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return typeof value === 'object' && value !== null && typeof internals?.def?.type === 'string';
}

/**
 * A zod 3 schema (from `zod@3`, or `zod/v3` of a later zod): it carries `_def` and `safeParse`
 * but none of zod 4's `_zod` internals. Recognized only to say what to install instead.
 */
function isZod3Schema(value: unknown): boolean {
  const v = value as { _def?: unknown; _zod?: unknown; safeParse?: unknown } | null;
  return typeof v === 'object' && v !== null && v._zod === undefined && typeof v._def === 'object' && typeof v.safeParse === 'function';
}

/** A ConfigDefinition as is, a bare schema wrapped into one, anything else undefined. */
function toDefinition(value: unknown): ConfigDefinition | undefined {
  if (isZodSchema(value)) return { schema: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as { schema?: unknown; compile?: unknown };
  if (!isZodSchema(candidate.schema)) return undefined;
  if (candidate.compile !== undefined && typeof candidate.compile !== 'function') return undefined;
  return value as ConfigDefinition;
}

/**
 * The definition loadConfig works with: a ConfigDefinition as is, a bare zod 4 schema wrapped
 * into one. Throws GENSWAP_CONFIG_ZOD_VERSION for a zod 3 schema (it type-checks against
 * loose types but cannot be run), GENSWAP_CONFIG_SCHEMA_MODULE for anything else.
 */
export function requireDefinition(value: unknown): ConfigDefinition {
  const definition = toDefinition(value);
  if (definition !== undefined) return definition;
  if (isZod3Schema(value) || isZod3Schema((value as { schema?: unknown } | null)?.schema)) throw new ZodVersionError();
  throw new DefinitionModuleError('(argument)', 'the definition is neither a ConfigDefinition ({ schema, compile? }) nor a zod 4 schema');
}
