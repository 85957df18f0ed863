import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SupervisorError } from './errors.js';
import type { AppModule } from './app-contract.js';

/**
 * The one module resolver of genswap. `genswap serve --schema` and `--handler`, `genswap
 * validate --schema`, and the supervisor's `appModule` and `worker` options all name modules
 * here, with one set of rules and one code (GENSWAP_SUPERVISOR_MODULE):
 *
 * - a URL (a URL object, or a string with a scheme such as `file:`) is taken as is;
 * - anything else is a path, resolved against the current directory;
 * - the module must be JavaScript Node can import (compile TypeScript first).
 */
export function moduleUrl(specifier: string | URL, what: string): string {
  if (specifier instanceof URL) return specifier.href;
  if (typeof specifier !== 'string' || specifier === '') throw moduleError(`${what} must be a path or URL of a module`);
  // A Windows drive letter (C:\...) is a path, not a scheme.
  const isUrl = /^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier);
  return isUrl ? specifier : pathToFileURL(resolve(specifier)).href;
}

function moduleError(message: string, cause?: unknown): SupervisorError {
  return new SupervisorError('GENSWAP_SUPERVISOR_MODULE', message, cause === undefined ? undefined : { cause });
}

const hasDefinition = (value: unknown): value is AppModule =>
  typeof value === 'object' && value !== null && typeof (value as { definition?: unknown }).definition === 'object' && (value as { definition?: unknown }).definition !== null;

/** A definition given as a bare schema becomes `{ schema }`; loadConfig checks the schema itself. */
function withDefinition(app: AppModule): AppModule {
  const definition = app.definition as unknown as { schema?: unknown };
  return typeof definition.schema === 'object' && definition.schema !== null ? app : { ...app, definition: { schema: definition } as AppModule['definition'] };
}

/**
 * The AppModule a module namespace provides, by these rules in order: its default export or its
 * `app` export when that has a `definition`; its own named `definition` (with `codec` and
 * `createState` beside it); its default export taken as the definition (a ConfigDefinition or a
 * bare zod schema). A definition that is a bare schema is wrapped into `{ schema }`.
 */
export function appFromNamespace(ns: Record<string, unknown>, module: string): AppModule {
  if (hasDefinition(ns.default)) return withDefinition(ns.default);
  if (hasDefinition(ns.app)) return withDefinition(ns.app);
  if (hasDefinition(ns)) return withDefinition({ definition: ns.definition, codec: ns.codec, createState: ns.createState } as AppModule);
  if (typeof ns.default === 'object' && ns.default !== null) return withDefinition({ definition: ns.default } as AppModule);
  const exported = Object.keys(ns).join(', ') || 'nothing';
  throw moduleError(`module ${module} exports no AppModule (\`app\` or default export { definition, codec?, createState? }), \`definition\` or default definition; it exports: ${exported}`);
}

/** Imports an app (or schema) module and reads its AppModule; also returns the URL it resolved to. */
export async function importAppModule(specifier: string | URL, what = 'app module'): Promise<{ app: AppModule; url: string }> {
  const url = moduleUrl(specifier, what);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(url)) as Record<string, unknown>;
  } catch (err) {
    // The module itself or one of its imports may be the missing piece: the message names which.
    throw moduleError(`${what} ${String(specifier)} cannot be loaded: ${(err as Error).message}`, err);
  }
  return { app: appFromNamespace(ns, String(specifier)), url };
}

/** The file of a worker module (piscina takes a path); it must exist. */
export function workerModuleFile(specifier: string | URL, what = 'worker module'): string {
  const url = moduleUrl(specifier, what);
  if (!url.startsWith('file:')) throw moduleError(`${what} ${url} must be a file (workers load a file path)`);
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw moduleError(`${what} ${file} does not exist (workers load compiled JavaScript)`);
  return file;
}
