import { Command } from 'commander';
import { type CliIo, processIo } from './io.js';
import { reloadCommand } from './commands/reload.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { registerValidate } from './commands/validate.js';

/**
 * Builds the `genswap` program. Each command lives in its own file under commands/ and is
 * registered here. Tests call buildProgram() with exitOverride() and their own io.
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command('genswap')
    .description('A worker pool whose configuration is swapped atomically, with zero downtime.')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage and an example)');
  // Commands register themselves below, one line each.
  program.addCommand(serveCommand(io));
  program.addCommand(reloadCommand(io));
  program.addCommand(statusCommand(io));
  registerValidate(program, io);
  return program;
}
