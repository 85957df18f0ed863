import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import { DefinitionModuleError } from './errors.js';
import type { ConfigDefinition } from './types.js';

/**
 * Identity helper: `export const definition = defineConfig({ schema, compile })` types the compile
 * step's `value` from the schema and the loaded config from compile's return.
 */
export function defineConfig<S extends z.ZodType, C = z.output<S>>(definition: ConfigDefinition<S, C>): ConfigDefinition<S, C> {
  return definition;
}

/** A zod 4 schema, from any copy of zod (classic or mini): it carries `_zod.def.type`. */
export function isZodSchema(value: unknown): value is z.ZodType {
  const internals = (value as { _zod?: { def?: { type?: unknown } } } | null)?._zod;
  return typeof value === 'object' && value !== null && typeof internals?.def?.type === 'string';
}

/** A ConfigDefinition as is, a bare schema wrapped into one, anything else undefined. */
export function toDefinition(value: unknown): ConfigDefinition | undefined {
  if (isZodSchema(value)) return { schema: value };
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as { schema?: unknown; compile?: unknown };
  if (!isZodSchema(candidate.schema)) return undefined;
  if (candidate.compile !== undefined && typeof candidate.compile !== 'function') return undefined;
  return value as ConfigDefinition;
}

/**
 * The definition a module exports: as `definition`, else as its default export, else as the
 * `definition` of its default export (an AppModule `{ definition, codec }`, as `genswap serve
 * --schema` takes, works here too).
 */
export function definitionFromModule(namespace: Record<string, unknown>, module: string): ConfigDefinition {
  const fallback = namespace['default'] as { definition?: unknown } | null | undefined;
  const found =
    toDefinition(namespace['definition']) ??
    toDefinition(fallback) ??
    (typeof fallback === 'object' && fallback !== null ? toDefinition(fallback.definition) : undefined);
  if (found === undefined) {
    const exported = Object.keys(namespace).join(', ') || 'nothing';
    throw new DefinitionModuleError(module, `exports no ConfigDefinition or zod schema as \`definition\` or default (it exports: ${exported})`);
  }
  return found;
}

/**
 * Imports a definition module given as a file path (relative to `cwd`) or a file: URL. The module
 * must be JavaScript Node can import (.js/.mjs); TypeScript sources need compiling first.
 */
export async function importDefinition(file: string, cwd: string = process.cwd()): Promise<ConfigDefinition> {
  const url = file.startsWith('file:') ? file : pathToFileURL(path.resolve(cwd, file)).href;
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    // The module itself or one of its imports may be the missing piece: the message names which.
    throw new DefinitionModuleError(file, `cannot be loaded: ${(err as Error).message}`, { cause: err });
  }
  return definitionFromModule(namespace, file);
}
