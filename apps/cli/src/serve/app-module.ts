import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type AppModule, appFromNamespace } from '@genswap/supervisor';
import { CliError } from '../errors.js';

// Kept in variables so TypeScript does not resolve them at build time: the CLI builds (and
// serves a user's --schema/--handler) whether or not the gateway is built.
const GATEWAY_DEFINITION = '@genswap/gateway/definition';
const GATEWAY_WORKER = '@genswap/gateway/worker';

/**
 * Loads the AppModule `serve` runs: the gateway's by default, or `--schema <module>`, whose
 * default export (or `app` export) is an AppModule, or which exports `definition` (and optionally
 * `codec`, `createState`) by name. Also returns the module's URL, so the supervisor's loader
 * thread can import the same module.
 */
export async function loadAppModule(schema: string | undefined): Promise<{ app: AppModule; url: string }> {
  let specifier: string;
  try {
    specifier = schema === undefined ? import.meta.resolve(GATEWAY_DEFINITION) : pathToFileURL(resolve(schema)).href;
  } catch (err) {
    throw new CliError('GENSWAP_CLI_MODULE', `cannot find the default schema ${GATEWAY_DEFINITION}: ${(err as Error).message}`, { cause: err });
  }
  let ns: Record<string, unknown>;
  try {
    ns = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new CliError('GENSWAP_CLI_MODULE', `cannot load schema module ${schema ?? GATEWAY_DEFINITION}: ${(err as Error).message}`, { cause: err });
  }
  const app = appFromNamespace(ns);
  if (app !== undefined) return { app, url: specifier };
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
