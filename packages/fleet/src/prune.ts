import type { EtcdClient, TxnOp } from './etcd/etcd-client.js';
import { FleetError } from './errors.js';
import { parseReport } from './instance-report.js';
import { type FleetKeys, fleetKeys } from './keys.js';
import { type Manifest, parseManifest } from './manifest.js';

/**
 * Deletes operations per transaction: etcd refuses a transaction of more than --max-txn-ops
 * operations (default 128); one more goes to the manifest guard below.
 */
const DELETES_PER_TXN = 100;

/** Plans made again when a publisher changed the manifest during a prune. */
const ATTEMPTS = 5;

export interface PruneOptions {
  /** How many of the newest revisions to keep (at least 1); `fleet rollback --to` can reach only these. */
  readonly keep: number;
  /** Plan only: say what would be removed, remove nothing. */
  readonly dryRun?: boolean;
  /** Runs once, after the first plan and before its deletes (tests publish here). */
  readonly beforeDelete?: () => Promise<void>;
}

export interface PruneResult {
  /** The live revision (always kept). */
  readonly live: number;
  /** The revisions kept under P/manifests/, oldest first. */
  readonly kept: readonly number[];
  /** Of those, the ones kept only because an instance serves it or works on it (older than the newest `keep`). */
  readonly keptForInstances: readonly number[];
  /** The revisions whose kept copies were (or, in a dry run, would be) deleted, oldest first. */
  readonly removedRevisions: readonly number[];
  /** Chunks deleted (in a dry run: that would be): referenced by no kept revision. */
  readonly removedChunks: number;
  /** Chunks still stored: the kept revisions' files. */
  readonly keptChunks: number;
  readonly dryRun: boolean;
}

interface Plan {
  readonly live: Manifest;
  /** The live manifest key as read: its bytes (put back unchanged) and its mod_revision. */
  readonly liveValue: Buffer;
  readonly modRevision: number;
  readonly kept: number[];
  readonly keptForInstances: number[];
  readonly removedRevisions: number[];
  readonly removedChunkKeys: string[];
  readonly keptChunks: number;
}

/**
 * Removes what no kept revision needs: the kept copies of all but the newest `keep` revisions
 * (P/manifests/<rev>), and every chunk that none of the remaining revisions references (chunks
 * of pruned revisions, and those a publisher wrote before it died or lost a race). Never
 * removed: the live revision, the newest `keep`, and any revision an instance's report names as
 * served or as the one it fetches or is held at, so no instance ever finds a chunk it needs gone.
 *
 * Against concurrent publishers, every delete transaction is guarded by the live manifest's
 * mod_revision as read when the plan was made, and puts the manifest back byte for byte, which
 * moves that mod_revision on. So a prune and a publish exclude each other: a publish that swapped
 * first makes the prune's transaction fail (and the prune plans again from what is live now),
 * and a publisher that read the manifest before the prune's transaction fails its own swap, then
 * sees the same revision live, writes its chunks again (any the prune removed come back) and
 * swaps once more (publish.ts). Instances see the put-back as the revision they already serve.
 *
 * etcd keeps deleted keys in its history until it is compacted, and its file shrinks only after
 * a defragmentation: the space comes back with etcd's own --auto-compaction-retention and
 * `etcdctl defrag`.
 */
export async function pruneFleet(etcd: EtcdClient, prefix: string, options: PruneOptions): Promise<PruneResult> {
  const keep = options.keep;
  if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`keep must be a whole number of revisions, at least 1 (got ${keep})`);
  const keys = fleetKeys(prefix);
  const dryRun = options.dryRun === true;
  const removedRevisions = new Set<number>();
  let removedChunks = 0;
  for (let attempt = 1; ; attempt++) {
    const plan = await makePlan(etcd, keys, keep);
    const outcome = (revisions: readonly number[], chunks: number): PruneResult => ({
      live: plan.live.revision,
      kept: plan.kept,
      keptForInstances: plan.keptForInstances,
      removedRevisions: [...revisions].sort((a, b) => a - b),
      removedChunks: chunks,
      keptChunks: plan.keptChunks,
      dryRun,
    });
    if (dryRun) return outcome(plan.removedRevisions, plan.removedChunkKeys.length);
    if (attempt === 1) await options.beforeDelete?.();
    const applied = await applyPlan(etcd, keys, plan);
    for (const rev of applied.revisions) removedRevisions.add(rev);
    removedChunks += applied.chunks;
    if (applied.complete) return outcome([...removedRevisions], removedChunks);
    if (attempt === ATTEMPTS) {
      throw new FleetError('GENSWAP_FLEET_CONFLICT', `publishers changed the manifest under ${keys.prefix} during each of ${ATTEMPTS} prune attempts; ${removedChunks} chunks and ${removedRevisions.size} revisions were removed, the rest is still there (run prune again)`);
    }
  }
}

async function makePlan(etcd: EtcdClient, keys: FleetKeys, keep: number): Promise<Plan> {
  const [liveRead, manifests, chunks, instances, members] = await Promise.all([
    etcd.range(keys.manifest),
    etcd.range(keys.manifests, { prefix: true }),
    etcd.range(keys.chunks, { prefix: true, keysOnly: true }),
    etcd.range(keys.instances, { prefix: true }),
    etcd.range(keys.members, { prefix: true }),
  ]);
  const liveKv = liveRead.kvs[0];
  if (liveKv === undefined) throw new FleetError('GENSWAP_FLEET_NO_MANIFEST', `nothing is published under ${keys.prefix}: there is nothing to prune`);
  const live = parseManifest(liveKv.value, `etcd key ${keys.manifest}`);
  // Unreadable manifests stop the prune (parseManifest throws GENSWAP_FLEET_CORRUPT): their chunks are unknown.
  const byRevision = new Map<number, Manifest>();
  for (const kv of manifests.kvs) {
    const m = parseManifest(kv.value, `etcd key ${kv.key}`);
    byRevision.set(m.revision, m);
  }
  const newestFirst = [...byRevision.keys()].sort((a, b) => b - a);
  const keptSet = new Set<number>([live.revision, ...newestFirst.slice(0, keep)]);
  const keptForInstances: number[] = [];
  for (const kv of [...instances.kvs, ...members.kvs]) {
    const report = parseReport(kv.value);
    if (report === undefined) continue;
    for (const rev of [report.serving.revision, report.target?.revision]) {
      if (rev !== undefined && byRevision.has(rev) && !keptSet.has(rev)) {
        keptSet.add(rev);
        keptForInstances.push(rev);
      }
    }
  }
  const needed = new Set<string>();
  for (const m of [live, ...[...keptSet].map((rev) => byRevision.get(rev)).filter((m): m is Manifest => m !== undefined)]) {
    for (const file of m.files) for (const chunk of file.chunks) needed.add(keys.chunk(chunk));
  }
  const removedChunkKeys = chunks.kvs.map((kv) => kv.key).filter((key) => !needed.has(key));
  return {
    live,
    liveValue: liveKv.value,
    modRevision: liveKv.modRevision,
    kept: [...keptSet].filter((rev) => byRevision.has(rev)).sort((a, b) => a - b),
    keptForInstances: keptForInstances.sort((a, b) => a - b),
    removedRevisions: newestFirst.filter((rev) => !keptSet.has(rev)).reverse(),
    removedChunkKeys,
    keptChunks: chunks.kvs.length - removedChunkKeys.length,
  };
}

/** Deletes in guarded batches; `complete` false when a publisher changed the manifest in between. */
async function applyPlan(etcd: EtcdClient, keys: FleetKeys, plan: Plan): Promise<{ complete: boolean; revisions: number[]; chunks: number }> {
  // Manifests first: a prune cut short leaves chunks without a manifest (removed next time), never the reverse.
  const deletes: { key: string; revision?: number }[] = [
    ...plan.removedRevisions.map((revision) => ({ key: keys.manifestAt(revision), revision })),
    ...plan.removedChunkKeys.map((key) => ({ key })),
  ];
  const done = { complete: true, revisions: [] as number[], chunks: 0 };
  let modRevision = plan.modRevision;
  for (let at = 0; at < deletes.length; at += DELETES_PER_TXN) {
    const batch = deletes.slice(at, at + DELETES_PER_TXN);
    const ops: TxnOp[] = [...batch.map((d) => ({ deleteRange: { key: d.key } })), { put: { key: keys.manifest, value: plan.liveValue } }];
    const txn = await etcd.txn([{ key: keys.manifest, target: 'MOD', modRevision }], ops);
    if (!txn.succeeded) return { ...done, complete: false };
    // The put-back happened in this transaction, so the manifest's mod_revision is now its revision.
    modRevision = txn.revision;
    for (const d of batch) {
      if (d.revision !== undefined) done.revisions.push(d.revision);
      else done.chunks++;
    }
  }
  return done;
}
