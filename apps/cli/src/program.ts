import type { Command } from 'commander';
import { type CliIo, processIo } from './io.js';
import { reloadCommand } from './commands/reload.js';
import { serveCommand } from './commands/serve.js';
import { statusCommand } from './commands/status.js';
import { validateCommand } from './commands/validate.js';
import { fleetCommand } from './commands/fleet.js';
import { genswapCommand } from './command.js';

/**
 * Builds the `genswap` program. Each command lives in its own file under commands/ and is
 * registered here. Like every command it throws commander's errors instead of exiting (main.ts
 * maps them to exit codes); tests pass their own io.
 */
export function buildProgram(io: CliIo = processIo): Command {
  const program = genswapCommand('genswap', io).description('A worker pool whose configuration is swapped atomically, with zero downtime.');
  program.addCommand(serveCommand(io));
  program.addCommand(reloadCommand(io));
  program.addCommand(statusCommand(io));
  program.addCommand(validateCommand(io));
  program.addCommand(fleetCommand(io));
  return program;
}
