import { Command } from 'commander';
import { genswapCommand } from '../command.js';
import { CliError } from '../errors.js';
import { UsageError } from '../exit-codes.js';
import { adminBaseUrl } from '../host-port.js';
import type { CliIo } from '../io.js';
import { reloadByAdmin } from '../serve/admin-client.js';
import { type AdminTokenFlags, readAdminToken, withAdminTokenFlags } from '../serve/admin-token.js';
import { formatReload } from '../serve/format.js';
import { reloadBySignal } from '../serve/state-file.js';
import { positiveInt } from './serve.js';

const EXAMPLE = `
Example:
  $ genswap reload --pid-file run/genswap.pid
  reloaded: generation 3 is serving (4.2 ms, reload #2)
  $ genswap reload --admin 127.0.0.1:9901 --json
  $ genswap reload --admin-socket run/admin.sock --admin-token-file run/admin.token

It waits for the outcome and exits 0 when the new config is serving, 1 when it was refused
(the previous generation keeps serving; each problem is printed as file:line:col: path: message [code]).
With --pid-file it sends SIGHUP to that pid and reads the outcome from <pid-file>.state.json.
`;

export function reloadCommand(io: CliIo): Command {
  const command = genswapCommand('reload', io)
    .description('Reload the config of a running `genswap serve` and wait for the outcome.')
    .option('--pid-file <file>', 'pid file of the serve process (signals it with SIGHUP)')
    .option('--admin <url>', 'admin address of the serve process (POST /reload), e.g. 127.0.0.1:9901 or unix:/path')
    .option('--admin-socket <path>', 'admin unix socket of the serve process (same as --admin unix:<path>)');
  return withAdminTokenFlags(command, 'client')
    .option('--json', 'print the outcome as JSON', false)
    .option('--timeout <ms>', 'how long to wait for the outcome', positiveInt('--timeout', 2 ** 31 - 1), 30_000)
    .addHelpText('after', EXAMPLE)
    .action(async (opts: { pidFile?: string; admin?: string; adminSocket?: string; json: boolean; timeout: number } & AdminTokenFlags) => {
      const admin = opts.adminSocket !== undefined ? `unix:${opts.adminSocket}` : opts.admin;
      if ([opts.pidFile, opts.admin, opts.adminSocket].filter((x) => x !== undefined).length !== 1) throw new UsageError('genswap reload needs exactly one of --pid-file, --admin or --admin-socket');
      const token = readAdminToken(opts);
      const record =
        opts.pidFile !== undefined
          ? await reloadBySignal(opts.pidFile, opts.timeout)
          : await reloadByAdmin({ base: adminBaseUrl(admin!), ...(token !== undefined ? { token } : {}) }, opts.timeout);
      if (opts.json) {
        io.out(`${JSON.stringify(record, null, 2)}\n`);
      } else {
        const { summary, problems } = formatReload(record);
        (record.ok ? io.out : io.err)(`${summary}\n`);
        for (const line of problems) io.err(`${line}\n`);
      }
      if (!record.ok) throw new CliError('GENSWAP_CLI_RELOAD_FAILED', `reload #${record.id} was refused; generation ${record.generation} keeps serving`);
    });
}
