import type { AppModule } from './types.js';

/** True for an object shaped like an AppModule ({ definition: { schema } }). */
export function isAppModule(value: unknown): value is AppModule {
  const v = value as AppModule | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.definition === 'object' && v.definition !== null && typeof v.definition.schema === 'object';
}

/**
 * The AppModule a module namespace provides: its default export, its `app` export, or the
 * namespace itself when it exports `definition` (and optionally `codec`, `createState`) by name.
 * Shared by `genswap serve --schema` and the loader thread, so both read a module the same way.
 */
export function appFromNamespace(ns: Record<string, unknown>): AppModule | undefined {
  if (isAppModule(ns.default)) return ns.default;
  if (isAppModule(ns.app)) return ns.app;
  if (isAppModule(ns)) return ns;
  return undefined;
}
