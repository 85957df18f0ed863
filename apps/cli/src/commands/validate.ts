import { resolve } from 'node:path';
import { ConfigError, formatProblem, type LoadedConfig, loadConfig } from '@genswap/config';
import { GenswapError } from '@genswap/core';
import { importAppModule } from '@genswap/supervisor';
import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import { gatewayModule } from '../gateway-modules.js';
import type { CliIo } from '../io.js';

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
--schema takes the same module as \`serve --schema\`: a compiled JavaScript module exporting an
AppModule { definition, codec?, createState? } as \`app\` or default, or \`definition\` by name
(a ConfigDefinition { schema, compile? } or a bare zod 4 schema). Default: the gateway's schema.
With --json, stdout gets { ok, file, problems: [{ file, line, column, path, message, code }] },
also when the --schema module cannot be loaded (one problem on the module, line 0).
`;

export interface ValidateOptions {
  readonly schema?: string;
  readonly json?: boolean;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** The --json report of a module or schema that cannot be used: one problem on the module. */
function moduleFailure(file: string, module: string, err: GenswapError): string {
  const problem = { file: module, line: 0, column: 0, path: '', message: err.message, code: err.code, fix: err.fix };
  return `${JSON.stringify({ ok: false, file: resolve(file), problems: [problem] })}\n`;
}

/**
 * Loads `file` as a reload would and reports its problems exactly as `genswap validate` does
 * (stderr lines, or the --json report on stdout), setting exit status 1; resolves with the
 * loaded config when it is valid, else undefined. `fleet publish` validates through here too.
 */
export async function validateFile(file: string, opts: ValidateOptions, io: CliIo): Promise<LoadedConfig<unknown> | undefined> {
  const module = opts.schema ?? gatewayModule('definition');
  try {
    const { app } = await importAppModule(module, '--schema module');
    return await loadConfig(file, app.definition);
  } catch (err) {
    // A module or schema that cannot be used is reported like the problems when --json asks for it.
    if (!(err instanceof ConfigError)) {
      if (!(opts.json && err instanceof GenswapError)) throw err;
      io.out(moduleFailure(file, opts.schema === undefined ? module : resolve(opts.schema), err));
      process.exitCode = EXIT_FAILURE;
      return undefined;
    }
    if (opts.json) io.out(`${JSON.stringify({ ok: false, file: err.file, problems: err.problems })}\n`);
    else for (const problem of err.problems) io.err(`${formatProblem(problem)}\n`);
    // Set rather than thrown: the problem lines are the whole report, with no summary after them.
    process.exitCode = EXIT_FAILURE;
    return undefined;
  }
}

async function validate(file: string, opts: ValidateOptions, io: CliIo): Promise<void> {
  const started = performance.now();
  const loaded = await validateFile(file, opts, io);
  if (loaded === undefined) return;
  const ms = performance.now() - started;
  if (opts.json) {
    const { file: abs, files, bytes, listEntries, timings } = loaded;
    io.out(`${JSON.stringify({ ok: true, file: abs, problems: [], files, bytes, listEntries, timings })}\n`);
  } else {
    io.out(`ok: ${file} is valid (${plural(loaded.bytes, 'byte', 'bytes')}, ${plural(loaded.listEntries, 'list entry', 'list entries')}, in ${ms.toFixed(1)} ms)\n`);
  }
}

/** `genswap validate <file> [--schema <module>] [--json]`. */
export function validateCommand(io: CliIo): Command {
  return genswapCommand('validate', io)
    .description('Check a config file without applying it: encoding, YAML, schema, list files, compile step.')
    .argument('<file>', 'the config file (YAML)')
    .option('--schema <module>', 'compiled app module, as serve --schema takes (default: the gateway\'s)')
    .option('--json', 'print { ok, file, problems } as JSON on stdout')
    .addHelpText('after', EXAMPLE)
    .action((file: string, opts: ValidateOptions) => validate(file, opts, io));
}
