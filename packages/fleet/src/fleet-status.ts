import type { ConfigProblem } from '@genswap/config';
import type { EtcdClient } from './etcd/etcd-client.js';
import { type InstanceReport, parseReport } from './instance-report.js';
import { fleetKeys } from './keys.js';
import type { Manifest } from './manifest.js';
import { readManifest } from './publish.js';

/**
 * An instance as `fleet status` sees it, against the newest manifest:
 *  SYNCED    serves the newest revision;
 *  APPLYING  behind, for less than the stale threshold (fetching, validating);
 *  HELD      behind because a staged rollout holds it until the canaries acknowledge;
 *  REFUSED   refused the newest revision (problems attached); serves its last good one;
 *  STALE     behind for longer than the threshold (stuck, partitioned from etcd...);
 *  GONE      its lease expired: it stopped reporting (dead, or stopped longer than the TTL).
 */
export type FleetState = 'SYNCED' | 'APPLYING' | 'HELD' | 'REFUSED' | 'STALE' | 'GONE';

export interface InstanceStatus {
  readonly id: string;
  readonly state: FleetState;
  readonly serving: number;
  readonly report: InstanceReport;
  readonly problems?: readonly ConfigProblem[];
}

export interface FleetStatus {
  readonly newest: Manifest | undefined;
  readonly instances: readonly InstanceStatus[];
  /** The staged rollout of the newest revision, when it has one. */
  readonly rollout?: Manifest['rollout'];
  /** Every live instance serves the newest revision. */
  readonly synced: boolean;
  /** Revisions kept under P/manifests/ (what `fleet rollback --to` takes), oldest first. */
  readonly kept: readonly number[];
}

export function classify(report: InstanceReport, live: boolean, newest: Manifest | undefined, now: number, staleAfterMs: number): FleetState {
  if (!live) return 'GONE';
  if (newest === undefined || (report.serving.revision === newest.revision && report.serving.sha256 === newest.sha256)) return 'SYNCED';
  if (report.refused?.revision === newest.revision) return 'REFUSED';
  const held = newest.rollout !== undefined && !newest.rollout.released && !newest.rollout.canaries.includes(report.id);
  if (held) return 'HELD';
  return now - Date.parse(newest.publishedAt) > staleAfterMs ? 'STALE' : 'APPLYING';
}

export async function fleetStatus(etcd: EtcdClient, prefix: string, options: { staleAfterMs?: number } = {}): Promise<FleetStatus> {
  const keys = fleetKeys(prefix);
  const staleAfterMs = options.staleAfterMs ?? 30_000;
  const [{ manifest }, live, members, kept] = await Promise.all([
    readManifest(etcd, prefix),
    etcd.range(keys.instances, { prefix: true }),
    etcd.range(keys.members, { prefix: true }),
    etcd.range(keys.manifests, { prefix: true, keysOnly: true }),
  ]);
  const reports = new Map<string, { report: InstanceReport; live: boolean }>();
  for (const kv of members.kvs) {
    const report = parseReport(kv.value);
    if (report !== undefined) reports.set(report.id, { report, live: false });
  }
  // The leased copy is the live one (and the newer one, when they differ).
  for (const kv of live.kvs) {
    const report = parseReport(kv.value);
    if (report !== undefined) reports.set(report.id, { report, live: true });
  }
  const now = Date.now();
  const instances = [...reports.values()]
    .map(({ report, live }): InstanceStatus => {
      const state = classify(report, live, manifest, now, staleAfterMs);
      return { id: report.id, state, serving: report.serving.revision, report, ...(state === 'REFUSED' ? { problems: report.refused!.problems } : {}) };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    newest: manifest,
    instances,
    ...(manifest?.rollout !== undefined ? { rollout: manifest.rollout } : {}),
    synced: instances.every((i) => i.state === 'SYNCED' || i.state === 'GONE'),
    kept: kept.kvs.map((kv) => Number(kv.key.slice(keys.manifests.length))),
  };
}

/** Removes the GONE members' records (`fleet status --forget-gone`). */
export async function forgetGone(etcd: EtcdClient, prefix: string, ids: readonly string[]): Promise<void> {
  const keys = fleetKeys(prefix);
  for (const id of ids) await etcd.deleteRange(keys.member(id));
}
