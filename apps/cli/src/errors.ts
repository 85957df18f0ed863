import { GenswapError } from '@genswap/core';

/**
 * The error registry of the genswap CLI (errors of the commands themselves; library errors
 * keep their own codes). Codes are stable and never reused.
 */
export const CLI_ERRORS = {
  GENSWAP_CLI_NO_SERVER: 'Start `genswap serve` (with the same --pid-file or --admin), or check the path/address you gave.',
  GENSWAP_CLI_RELOAD_FAILED: 'Fix the problems listed above and run `genswap reload` again; the previous generation keeps serving meanwhile.',
  GENSWAP_CLI_TIMEOUT: 'The server did not answer in time: check it is healthy (`genswap status`), or raise --timeout.',
  GENSWAP_CLI_ADMIN_REQUEST: 'The admin endpoint answered with an error; see the message, and the server logs.',
} as const;

export type CliErrorCode = keyof typeof CLI_ERRORS;

export class CliError extends GenswapError {
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, CLI_ERRORS[code], options);
  }
}
