import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { fleetPruneCommand } from './fleet-prune.js';
import { fleetPublishCommand } from './fleet-publish.js';
import { fleetRollbackCommand } from './fleet-rollback.js';
import { fleetStatusCommand } from './fleet-status.js';

const EXAMPLE = `
Example:
  $ genswap serve --source etcd://127.0.0.1:2379/genswap --state-dir /var/lib/genswap --instance-id edge-1
  $ genswap fleet publish --etcd http://127.0.0.1:2379 --prefix genswap config/gateway.yaml
  $ genswap fleet status --etcd http://127.0.0.1:2379 --prefix genswap
  $ genswap fleet rollback --etcd http://127.0.0.1:2379 --prefix genswap --to 5
  $ genswap fleet prune --etcd http://127.0.0.1:2379 --prefix genswap --keep 10
`;

/** `genswap fleet publish|status|rollback|prune`: many instances configured from etcd. */
export function fleetCommand(io: CliIo): Command {
  return genswapCommand('fleet', io)
    .description('Configure many `genswap serve --source etcd://...` instances from etcd and see what each one serves.')
    .addCommand(fleetPublishCommand(io))
    .addCommand(fleetStatusCommand(io))
    .addCommand(fleetRollbackCommand(io))
    .addCommand(fleetPruneCommand(io))
    .addHelpText('after', EXAMPLE);
}
