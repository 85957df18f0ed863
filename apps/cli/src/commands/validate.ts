import { type ConfigDefinition, ConfigError, DefinitionModuleError, definitionFromModule, formatProblem, importDefinition, loadConfig } from '@genswap/config';
import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import type { CliIo } from '../io.js';

// A variable, so TypeScript does not resolve it at build time: the CLI builds (and validates
// with a user's --schema) whether or not the gateway is built.
const GATEWAY_DEFINITION = '@genswap/gateway/definition';

const EXAMPLE = `
Example:
  $ genswap validate config/gateway.yaml
  ok: config/gateway.yaml is valid (1873 bytes, 120000 list entries, in 48.2 ms)
  $ genswap validate my-app.yaml --schema ./dist/my-schema.js --json

Checks a config file the way a reload would (size and encoding, YAML syntax, schema with
unknown keys, list files, the schema's compile step) and applies nothing.
Exit status: 0 valid; 1 invalid, with one line per problem on stderr:
  /abs/path/gateway.yaml:12:7: ip.deny[3]: "10.0.0.300" is not an IP address [GENSWAP_...]
(also 1 when the --schema module cannot be loaded); 2 for a wrong command line.
--schema takes a compiled JavaScript module exporting \`definition\` (or a default export): a
ConfigDefinition { schema, compile? } or a bare zod schema. Default: the gateway's schema.
With --json, stdout gets { ok, file, problems: [{ file, line, column, path, message, code }] }.
`;

interface ValidateOptions {
  readonly schema?: string;
  readonly json?: boolean;
}

async function gatewayDefinition(): Promise<ConfigDefinition> {
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(GATEWAY_DEFINITION)) as Record<string, unknown>;
  } catch (err) {
    throw new DefinitionModuleError(GATEWAY_DEFINITION, `the default (gateway) schema cannot be loaded, pass --schema <module> (${(err as Error).message})`, { cause: err });
  }
  return definitionFromModule(namespace, GATEWAY_DEFINITION);
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

async function validate(file: string, opts: ValidateOptions, io: CliIo): Promise<void> {
  const definition = opts.schema !== undefined ? await importDefinition(opts.schema) : await gatewayDefinition();
  const started = performance.now();
  try {
    const loaded = await loadConfig(file, definition);
    const ms = performance.now() - started;
    if (opts.json) {
      const { file: abs, files, bytes, listEntries, timings } = loaded;
      io.out(`${JSON.stringify({ ok: true, file: abs, problems: [], files, bytes, listEntries, timings })}\n`);
    } else {
      io.out(`ok: ${file} is valid (${plural(loaded.bytes, 'byte', 'bytes')}, ${plural(loaded.listEntries, 'list entry', 'list entries')}, in ${ms.toFixed(1)} ms)\n`);
    }
  } catch (err) {
    // Anything but an invalid config (a broken compile step is reported as a problem) is not ours to format.
    if (!(err instanceof ConfigError)) throw err;
    if (opts.json) io.out(`${JSON.stringify({ ok: false, file: err.file, problems: err.problems })}\n`);
    else for (const problem of err.problems) io.err(`${formatProblem(problem)}\n`);
    // Set rather than thrown: the problem lines are the whole report, with no summary after them.
    process.exitCode = EXIT_FAILURE;
  }
}

/** `genswap validate <file> [--schema <module>] [--json]`. */
export function validateCommand(io: CliIo): Command {
  return genswapCommand('validate', io)
    .description('Check a config file without applying it: encoding, YAML, schema, list files, compile step.')
    .argument('<file>', 'the config file (YAML)')
    .option('--schema <module>', 'compiled module exporting the ConfigDefinition or zod schema (default: the gateway\'s)')
    .option('--json', 'print { ok, file, problems } as JSON on stdout')
    .addHelpText('after', EXAMPLE)
    .action((file: string, opts: ValidateOptions) => validate(file, opts, io));
}
