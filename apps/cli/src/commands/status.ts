import { Command } from 'commander';
import { genswapCommand } from '../command.js';
import type { SupervisorStatus } from '@genswap/supervisor';
import { UsageError } from '../exit-codes.js';
import { adminBaseUrl } from '../host-port.js';
import type { CliIo } from '../io.js';
import { statusByAdmin } from '../serve/admin-client.js';
import { type AdminTokenFlags, readAdminToken, withAdminTokenFlags } from '../serve/admin-token.js';
import { formatStatus } from '../serve/format.js';
import { livePid, readState, stateFileFor } from '../serve/state-file.js';
import { positiveInt } from './serve.js';

const EXAMPLE = `
Example:
  $ genswap status --admin 127.0.0.1:9901
  genswap pid 4242, running, up 73.0 s, generation 3
  ...
  $ genswap status --pid-file run/genswap.pid --json | jq .store.slots
  $ genswap status --admin-socket run/admin.sock --admin-token-env GENSWAP_ADMIN_TOKEN

With --pid-file the status is live when serve runs with --admin (its address is in the state
file), else it is the snapshot serve wrote at its last reload or worker exit.
`;

export function statusCommand(io: CliIo): Command {
  const command = genswapCommand('status', io)
    .description('Show generation, slots and pins, workers, reload history and counters of a running `genswap serve`.')
    .option('--admin <url>', 'admin address of the serve process, e.g. 127.0.0.1:9901 or unix:/path')
    .option('--admin-socket <path>', 'admin unix socket of the serve process (same as --admin unix:<path>)');
  return withAdminTokenFlags(command, 'client')
    .option('--pid-file <file>', 'pid file of the serve process')
    .option('--json', 'print the status as JSON', false)
    .option('--timeout <ms>', 'how long to wait for the admin endpoint', positiveInt('--timeout', 2 ** 31 - 1), 5_000)
    .addHelpText('after', EXAMPLE)
    .action(async (opts: { pidFile?: string; admin?: string; adminSocket?: string; json: boolean; timeout: number } & AdminTokenFlags) => {
      const admin = opts.adminSocket !== undefined ? `unix:${opts.adminSocket}` : opts.admin;
      if ([opts.pidFile, opts.admin, opts.adminSocket].filter((x) => x !== undefined).length !== 1) throw new UsageError('genswap status needs exactly one of --admin, --admin-socket or --pid-file');
      const token = readAdminToken(opts);
      const withToken = token !== undefined ? { token } : {};
      let status: SupervisorStatus;
      let note: string | undefined;
      if (admin !== undefined) {
        status = await statusByAdmin({ base: adminBaseUrl(admin), ...withToken }, opts.timeout);
      } else {
        livePid(opts.pidFile!);
        const state = readState(stateFileFor(opts.pidFile!));
        if (state.admin !== null) {
          status = await statusByAdmin({ base: state.admin, ...withToken }, opts.timeout);
        } else {
          status = state.status;
          note = `(snapshot written ${state.writtenAt}; serve with --admin for live status)`;
        }
      }
      io.out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status, note));
    });
}
