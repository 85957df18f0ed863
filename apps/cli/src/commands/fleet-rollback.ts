import { EtcdClient, rollback } from '@genswap/fleet';
import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { fleetOptions, type FleetOptions } from './fleet-options.js';
import { positiveInt } from './serve.js';

const EXAMPLE = `
Example:
  $ genswap fleet rollback --etcd http://127.0.0.1:2379 --prefix genswap --to 5
  published revision 8: the files of revision 5 again, under genswap

Every published manifest is kept under <prefix>/manifests/ (until \`fleet prune\` removes it), so a
rollback needs no etcd history (compaction erases it). It is a new revision, so instances move forward to it like any publish.
`;

export function fleetRollbackCommand(io: CliIo): Command {
  return fleetOptions(genswapCommand('rollback', io))
    .description('Publish an earlier revision\'s files again, as a new revision.')
    .requiredOption('--to <rev>', 'the revision to go back to', positiveInt('--to', Number.MAX_SAFE_INTEGER))
    .option('-m, --message <text>', 'why, kept in the manifest')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: FleetOptions & { to: number; message?: string; json?: boolean }) => {
      const { manifest } = await rollback(new EtcdClient(opts.etcd), opts.prefix, opts.to, opts.message);
      io.out(opts.json ? `${JSON.stringify({ ok: true, revision: manifest.revision, rollbackOf: opts.to, sha256: manifest.sha256 })}\n` : `published revision ${manifest.revision}: the files of revision ${opts.to} again, under ${opts.prefix}\n`);
    });
}
