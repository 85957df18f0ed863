import { Command } from 'commander';
import type { CliIo } from './io.js';

/**
 * A genswap command: writes through `io`, throws commander's errors to main (which maps them
 * to exit 2) instead of exiting, and points at --help after a usage error. Every command and
 * the root program start from here.
 */
export function genswapCommand(name: string, io: CliIo): Command {
  return new Command(name)
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage and an example)');
}
