import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../exit-codes.js';

/** Where an admin token comes from: `--admin-token-file <file>` or `--admin-token-env <NAME>`. */
export interface AdminTokenFlags {
  readonly adminTokenFile?: string;
  readonly adminTokenEnv?: string;
}

/** Adds the two token flags (serve, reload and status take the same ones). */
export function withAdminTokenFlags(command: Command, side: 'server' | 'client'): Command {
  const what = side === 'server' ? 'require this bearer token on the admin listener' : 'send this bearer token to the admin listener';
  return command
    .option('--admin-token-file <file>', `${what}: the file's content (surrounding whitespace trimmed)`)
    .option('--admin-token-env <name>', `${what}: the value of this environment variable`);
}

/**
 * The token the flags name, or undefined when neither is given. A token is never taken from
 * the command line itself: argv is visible to every user of the machine (ps), a file with
 * mode 0600 or the environment is not.
 */
export function readAdminToken(flags: AdminTokenFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flags.adminTokenFile !== undefined && flags.adminTokenEnv !== undefined) throw new UsageError('give at most one of --admin-token-file and --admin-token-env');
  let token: string | undefined;
  let source = '';
  if (flags.adminTokenFile !== undefined) {
    source = `--admin-token-file ${flags.adminTokenFile}`;
    try {
      token = readFileSync(flags.adminTokenFile, 'utf8');
    } catch (err) {
      throw new UsageError(`${source}: ${(err as Error).message}`, 'Point --admin-token-file at a readable file holding the token.');
    }
  } else if (flags.adminTokenEnv !== undefined) {
    source = `--admin-token-env ${flags.adminTokenEnv}`;
    token = env[flags.adminTokenEnv];
    if (token === undefined) throw new UsageError(`${source}: the environment variable is not set`, 'Export the variable holding the token, or name the right one.');
  } else {
    return undefined;
  }
  const trimmed = token.trim();
  if (trimmed === '') throw new UsageError(`${source}: the token is empty`, 'Put a non-empty token there (for example `openssl rand -hex 32`).');
  return trimmed;
}
