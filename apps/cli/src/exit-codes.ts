import { GenswapError } from '@genswap/core';

/** The one place CLI exit statuses are decided. */
export const EXIT_OK = 0;
/** The command ran and the answer is "no": invalid config, failed reload, unreachable server. */
export const EXIT_FAILURE = 1;
/** The command line itself is wrong (unknown option, missing argument). */
export const EXIT_USAGE = 2;
/** Someone else changed it first (a concurrent `fleet publish`): look, then try again. */
export const EXIT_CONFLICT = 3;

/** Exit status for an error that escaped a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof GenswapError) {
    if (err.code.startsWith('GENSWAP_USAGE')) return EXIT_USAGE;
    if (err.code === 'GENSWAP_FLEET_CONFLICT') return EXIT_CONFLICT;
    return EXIT_FAILURE;
  }
  return EXIT_FAILURE;
}

/** A command-line mistake (bad flag value and the like); exits with EXIT_USAGE. */
export class UsageError extends GenswapError {
  constructor(message: string, fix = 'Run the command with --help for its options and an example.') {
    super('GENSWAP_USAGE', message, fix);
  }
}
