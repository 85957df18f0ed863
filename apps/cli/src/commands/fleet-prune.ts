import { EtcdClient, pruneFleet, type PruneResult } from '@genswap/fleet';
import { type Command, InvalidArgumentError } from 'commander';
import { genswapCommand } from '../command.js';
import type { CliIo } from '../io.js';
import { fleetOptions, type FleetOptions } from './fleet-options.js';

const EXAMPLE = `
Example:
  $ genswap fleet prune --etcd http://127.0.0.1:2379 --prefix genswap --keep 10 --dry-run
  would remove 30 revisions (1-30) and 412 chunks; keeps revisions 31-40 (live: 40) and 36 chunks
  $ genswap fleet prune --etcd http://127.0.0.1:2379 --prefix genswap --keep 10

Every publish adds a manifest under <prefix>/manifests/ and the chunks of every file that changed,
and nothing is ever deleted by publishing: a fleet that publishes a big list often fills etcd's
quota (2 GiB by default; past it etcd refuses every write). Prune keeps the newest --keep
revisions, the live one, and every revision an instance reports serving or fetching (a GONE
instance's record counts until \`fleet status --forget-gone\` drops it); it deletes
the other kept copies and every chunk none of the remaining revisions uses (chunks left by a
publisher that died are among them). \`fleet rollback --to\` can reach only the revisions kept.
A publish running at the same time is not harmed: it writes its chunks again and swaps after.
etcd frees the space once it compacts its history and is defragmented (--auto-compaction-retention,
\`etcdctl defrag\`).
`;

/** --keep: at least 1 (the newest revisions kept; the live one is kept whatever --keep says). */
function keepCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('--keep must be an integer from 1 to 1000000 (the live revision is always kept)');
  return n;
}

function revisions(list: readonly number[]): string {
  if (list.length === 0) return 'none';
  const contiguous = list.every((rev, i) => i === 0 || rev === list[i - 1]! + 1);
  if (contiguous && list.length > 2) return `${list[0]}-${list[list.length - 1]}`;
  return list.length <= 10 ? list.join(', ') : `${list.slice(0, 3).join(', ')} ... ${list.slice(-3).join(', ')} (${list.length})`;
}

const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function formatPrune(r: PruneResult): string {
  const removed = `${count(r.removedRevisions.length, 'revision')}${r.removedRevisions.length > 0 ? ` (${revisions(r.removedRevisions)})` : ''} and ${count(r.removedChunks, 'chunk')}`;
  const forInstances = r.keptForInstances.length > 0 ? `; ${revisions(r.keptForInstances)} only because instances still use ${r.keptForInstances.length === 1 ? 'it' : 'them'}` : '';
  return `${r.dryRun ? 'would remove' : 'removed'} ${removed}; keeps revisions ${revisions(r.kept)} (live: ${r.live}${forInstances}) and ${count(r.keptChunks, 'chunk')}\n`;
}

export function fleetPruneCommand(io: CliIo): Command {
  return fleetOptions(genswapCommand('prune', io))
    .description('Delete old revisions and the chunks no kept revision uses, so etcd does not fill up.')
    .option('--keep <n>', 'how many of the newest revisions to keep (rollback can reach these)', keepCount, 10)
    .option('--dry-run', 'say what would be removed; remove nothing')
    .option('--json', 'print the outcome as JSON: { live, kept, keptForInstances, removedRevisions, removedChunks, keptChunks, dryRun }')
    .addHelpText('after', EXAMPLE)
    .action(async (opts: FleetOptions & { keep: number; dryRun?: boolean; json?: boolean }) => {
      const result = await pruneFleet(new EtcdClient(opts.etcd), opts.prefix, { keep: opts.keep, dryRun: opts.dryRun === true });
      io.out(opts.json ? `${JSON.stringify(result)}\n` : formatPrune(result));
    });
}
