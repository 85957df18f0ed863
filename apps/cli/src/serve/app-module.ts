import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AppModule } from '@genswap/supervisor';
import { CliError } from '../errors.js';

// Kept in variables so TypeScript does not resolve them at build time: the CLI builds (and
// serves a user's --schema/--handler) whether or not the gateway is built.
const GATEWAY_DEFINITION = '@genswap/gateway/definition';
const GATEWAY_WORKER = '@genswap/gateway/worker';

function isAppModule(value: unknown): value is AppModule {
  const v = value as AppModule | null | undefined;
  return typeof v === 'object' && v !== null && typeof v.definition === 'object' && v.definition !== null && typeof v.definition.schema === 'object';
}

/**
 * Loads the AppModule `serve` runs: the gateway's by default, or `--schema <module>`, whose
 * default export (or `app` export) is an AppModule, or which exports `definition` (and optionally
 * `codec`, `createState`) by name.
 */
export async function loadAppModule(schema: string | undefined): Promise<AppModule> {
  const specifier = schema === undefined ? GATEWAY_DEFINITION : pathToFileURL(resolve(schema)).href;
  let ns: Record<string, unknown>;
  try {
    ns = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError('GENSWAP_CLI_MODULE', `cannot load schema module ${schema ?? GATEWAY_DEFINITION}: ${(err as Error).message}`, { cause: err });
  }
  if (isAppModule(ns.default)) return ns.default;
  if (isAppModule(ns.app)) return ns.app;
  if (isAppModule(ns)) return ns;
  throw new CliError('GENSWAP_CLI_MODULE', `schema module ${schema ?? GATEWAY_DEFINITION} exports no AppModule (expected { definition: { schema } })`);
}

/** Absolute path of the worker module: the gateway's by default, or `--handler <module>`. */
export function workerModulePath(handler: string | undefined): string {
  if (handler !== undefined) return resolve(handler);
  try {
    return fileURLToPath(import.meta.resolve(GATEWAY_WORKER));
  } catch (err) {
    throw new CliError('GENSWAP_CLI_MODULE', `cannot find the default handler ${GATEWAY_WORKER}: ${(err as Error).message}`, { cause: err });
  }
}
