import { formatProblem } from '@genswap/config';
import { EtcdClient, FleetError, type FleetStatus, fleetStatus, forgetGone } from '@genswap/fleet';
import type { Command } from 'commander';
import { genswapCommand } from '../command.js';
import { EXIT_FAILURE } from '../exit-codes.js';
import type { CliIo } from '../io.js';
import { fleetOptions, type FleetOptions } from './fleet-options.js';
import { positiveInt } from './serve.js';

const EXAMPLE = `
Example:
  $ genswap fleet status --etcd http://127.0.0.1:2379 --prefix genswap
  newest revision 7 (sha256 3f2a9c01e4b7, published 2026-12-01T08:30:00.000Z) "deny 10.9/16"
  edge-1   SYNCED    r7  pid 4242 http://10.0.0.1:8080
  edge-2   REFUSED   r6  pid 4243 http://10.0.0.2:8080
    /var/lib/genswap/revisions/7/lists/deny.txt:0:0: list file is 9 MiB, over the limit [GENSWAP_LIST_TOO_LARGE]
  $ genswap fleet status --etcd http://127.0.0.1:2379 --prefix genswap --json | jq '.instances[].state'

States: SYNCED (serves the newest revision), APPLYING (behind, working on it), HELD (a staged
rollout holds it until the canaries serve the revision), REFUSED (refused the newest; keeps
serving its last good revision; its problems follow), STALE (behind longer than --stale-after),
GONE (its lease expired: dead, or stopped longer than its lease TTL).
Exit status: 0 when every live instance is SYNCED to the newest revision, else 1.
`;

function formatFleet(status: FleetStatus): string {
  const lines: string[] = [];
  const m = status.newest!;
  lines.push(`newest revision ${m.revision} (sha256 ${m.sha256.slice(0, 12)}, published ${m.publishedAt})${m.message !== '' ? ` ${JSON.stringify(m.message)}` : ''}`);
  if (status.rollout !== undefined) {
    const r = status.rollout;
    const what = r.halted !== undefined ? `HALTED: canary ${r.halted.instance} refused it` : r.released ? 'released to all' : 'waiting for the canaries';
    lines.push(`staged rollout: canaries ${r.canaries.join(', ')}; ${what}`);
  }
  const k = status.kept;
  lines.push(`kept revisions: ${k.length <= 10 ? k.join(', ') : `${k.slice(0, 3).join(', ')} ... ${k.slice(-3).join(', ')} (${k.length})`}`);
  if (status.instances.length === 0) lines.push('no instances');
  const width = Math.max(...status.instances.map((i) => i.id.length), 2);
  for (const i of status.instances) {
    const r = i.report;
    const stale = r.staleSince !== undefined ? ` (stale since ${r.staleSince})` : '';
    lines.push(`${i.id.padEnd(width)}  ${i.state.padEnd(8)}  r${i.serving}  pid ${r.pid} ${r.listen}${stale}`);
    for (const p of i.problems ?? []) lines.push(`    ${formatProblem(p)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function fleetStatusCommand(io: CliIo): Command {
  return fleetOptions(genswapCommand('status', io))
    .description('Show which revision each instance serves, and which refused the newest one (with its problems).')
    .option('--stale-after <ms>', 'an instance behind the newest revision for longer than this is STALE', positiveInt('--stale-after', 2 ** 31 - 1), 30_000)
    .option('--json', 'print { newest, rollout, synced, kept, instances: [{ id, state, serving, report, problems }] }')
    .option('--forget-gone', 'after reporting them, drop the records of GONE instances (crashed ones; a clean stop leaves none)')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: FleetOptions & { staleAfter: number; json?: boolean; forgetGone?: boolean }) => {
      const etcd = new EtcdClient(opts.etcd);
      const status = await fleetStatus(etcd, opts.prefix, { staleAfterMs: opts.staleAfter });
      if (status.newest === undefined) throw new FleetError('GENSWAP_FLEET_NO_MANIFEST', `nothing is published under ${opts.prefix} on ${opts.etcd}`);
      io.out(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatFleet(status));
      if (opts.forgetGone === true) await forgetGone(etcd, opts.prefix, status.instances.filter((i) => i.state === 'GONE').map((i) => i.id));
      if (!status.synced) process.exitCode = EXIT_FAILURE;
    });
}
