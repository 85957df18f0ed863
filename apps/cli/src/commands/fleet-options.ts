import type { Command } from 'commander';

/** Where the fleet lives: the options every `genswap fleet` command takes. */
export interface FleetOptions {
  readonly etcd: string;
  readonly prefix: string;
}

export function fleetOptions(command: Command): Command {
  return command
    .requiredOption('--etcd <url>', 'etcd client URL, e.g. http://127.0.0.1:2379')
    .requiredOption('--prefix <p>', 'key prefix of this fleet in etcd, e.g. genswap (what serve --source etcd://HOST:PORT/<p> follows)');
}
