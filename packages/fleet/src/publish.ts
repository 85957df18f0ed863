import type { EtcdClient, TxnResult } from './etcd/etcd-client.js';
import { FleetError } from './errors.js';
import { type FleetKeys, fleetKeys } from './keys.js';
import { contentSha, type Manifest, type ManifestFile, parseManifest } from './manifest.js';
import { writeFileChunks, type WriteStats } from './chunks.js';

export interface PublishFile {
  /** Relative POSIX path inside the config's directory. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface PublishRequest {
  readonly prefix: string;
  /** The config file first, then its list files. */
  readonly files: readonly PublishFile[];
  readonly message?: string;
  /** Staged rollout: these instances first (see rollout.ts). */
  readonly canaries?: readonly string[];
  /** Set by rollback: the revision whose files are published again. */
  readonly rollbackOf?: number;
  /** Runs after the chunks are written and before the manifest swap (tests kill the publisher here). */
  readonly beforeManifest?: () => Promise<void>;
}

export interface PublishResult {
  readonly manifest: Manifest;
  readonly chunks: WriteStats;
  /** etcd's revision of the manifest swap. */
  readonly etcdRevision: number;
}

/** The live manifest and its mod_revision (0 when nothing was published). */
export async function readManifest(etcd: EtcdClient, prefix: string): Promise<{ manifest: Manifest | undefined; modRevision: number; etcdRevision: number }> {
  const keys = fleetKeys(prefix);
  const res = await etcd.range(keys.manifest);
  const kv = res.kvs[0];
  if (kv === undefined) return { manifest: undefined, modRevision: 0, etcdRevision: res.revision };
  return { manifest: parseManifest(kv.value, `etcd key ${keys.manifest}`), modRevision: kv.modRevision, etcdRevision: res.revision };
}

/** Swaps after a put-back of the same manifest (a prune, a rollout update) before giving up. */
const SAME_REVISION_RETRIES = 3;

/**
 * Writes the files as chunks, then swaps the manifest in one transaction guarded by the
 * manifest key's mod_revision as read before: exactly one of two concurrent publishers wins,
 * the other gets GENSWAP_FLEET_CONFLICT and changed nothing an instance reads (its chunks are
 * unreferenced, harmless). The same transaction keeps a copy under P/manifests/<rev>. Until
 * the swap no instance sees anything: a publisher that dies after writing chunks changes no one.
 *
 * A swap that failed because the manifest was put back with the same revision (`fleet prune`
 * does that with every delete, prune.ts; a rollout release rewrites it too) is no lost race:
 * the publisher writes its chunks again, since a prune may have removed some it found stored,
 * and swaps against the new mod_revision.
 */
export async function publishFiles(etcd: EtcdClient, request: PublishRequest): Promise<PublishResult> {
  const keys = fleetKeys(request.prefix);
  const stats = { written: 0, reused: 0, bytesWritten: 0 };
  for (let attempt = 0; ; attempt++) {
    const { manifest: previous, modRevision } = await readManifest(etcd, request.prefix);
    const files: ManifestFile[] = [];
    stats.reused = 0;
    for (const file of request.files) files.push(await writeFileChunks(etcd, keys, file.path, file.bytes, stats));
    const revision = (previous?.revision ?? 0) + 1;
    const manifest: Manifest = {
      format: 1,
      revision,
      sha256: contentSha(files),
      publishedAt: new Date().toISOString(),
      message: request.message ?? '',
      config: request.files[0]!.path,
      files,
      ...(request.canaries !== undefined ? { rollout: { canaries: request.canaries, released: false } } : {}),
      ...(request.rollbackOf !== undefined ? { rollbackOf: request.rollbackOf } : {}),
    };
    if (attempt === 0) await request.beforeManifest?.();
    const swap = await swapManifest(etcd, keys, modRevision, manifest);
    if (swap.succeeded) return { manifest, chunks: stats, etcdRevision: swap.revision };
    if (attempt < SAME_REVISION_RETRIES && (await sameRevisionLive(etcd, request.prefix, previous))) continue;
    throw new FleetError('GENSWAP_FLEET_CONFLICT', `another publisher swapped the manifest under ${keys.prefix} while this one wrote revision ${revision}; nothing was published`);
  }
}

/** Puts `manifest` live and keeps its copy, if the live one's mod_revision is still `modRevision`. */
function swapManifest(etcd: EtcdClient, keys: FleetKeys, modRevision: number, manifest: Manifest): Promise<TxnResult> {
  const text = JSON.stringify(manifest);
  return etcd.txn(
    [{ key: keys.manifest, target: 'MOD', modRevision }],
    [{ put: { key: keys.manifest, value: text } }, { put: { key: keys.manifestAt(manifest.revision), value: text } }],
  );
}

/** Whether the live manifest is still `before`'s revision (put back, not replaced by another publish). */
async function sameRevisionLive(etcd: EtcdClient, prefix: string, before: Manifest | undefined): Promise<boolean> {
  if (before === undefined) return false;
  const { manifest } = await readManifest(etcd, prefix);
  return manifest?.revision === before.revision && manifest.sha256 === before.sha256;
}

/** Every kept manifest, oldest first. */
export async function listManifests(etcd: EtcdClient, prefix: string): Promise<Manifest[]> {
  const keys = fleetKeys(prefix);
  const res = await etcd.range(keys.manifests, { prefix: true });
  return res.kvs.map((kv) => parseManifest(kv.value, `etcd key ${kv.key}`));
}

/**
 * Publishes revision `to`'s files again as a new revision (so every instance moves forward to
 * it, and watchers see a change). Reads the kept copy under P/manifests/, never etcd history.
 */
export async function rollback(etcd: EtcdClient, prefix: string, to: number, message?: string): Promise<PublishResult> {
  const keys = fleetKeys(prefix);
  for (let attempt = 0; ; attempt++) {
    // Read again on each attempt: a prune that moved the manifest on may have removed revision `to`.
    const kv = await etcd.get(keys.manifestAt(to));
    if (kv === undefined) throw new FleetError('GENSWAP_FLEET_NO_REVISION', `revision ${to} is not kept under ${keys.manifests}`);
    const old = parseManifest(kv.value, `etcd key ${kv.key}`);
    const { manifest: live, modRevision } = await readManifest(etcd, prefix);
    const revision = (live?.revision ?? 0) + 1;
    const manifest: Manifest = {
      ...old,
      revision,
      publishedAt: new Date().toISOString(),
      message: message ?? `rollback to revision ${to}`,
      rollbackOf: to,
    };
    delete (manifest as { rollout?: unknown }).rollout;
    const swap = await swapManifest(etcd, keys, modRevision, manifest);
    if (swap.succeeded) return { manifest, chunks: { written: 0, reused: old.files.reduce((n, f) => n + f.chunks.length, 0), bytesWritten: 0 }, etcdRevision: swap.revision };
    if (attempt < SAME_REVISION_RETRIES && (await sameRevisionLive(etcd, prefix, live))) continue;
    throw new FleetError('GENSWAP_FLEET_CONFLICT', `another publisher swapped the manifest under ${keys.prefix} during the rollback; nothing changed`);
  }
}

/**
 * Rewrites the live manifest's rollout (release or halt), same revision, by compare-and-swap.
 * Refused with GENSWAP_FLEET_CONFLICT when the live manifest is no longer `revision`.
 */
export async function updateRollout(etcd: EtcdClient, prefix: string, revision: number, rollout: NonNullable<Manifest['rollout']>): Promise<Manifest> {
  const keys = fleetKeys(prefix);
  for (let attempt = 0; ; attempt++) {
    const { manifest: live, modRevision } = await readManifest(etcd, prefix);
    if (live?.revision !== revision) throw new FleetError('GENSWAP_FLEET_CONFLICT', `revision ${live?.revision ?? 'none'} replaced revision ${revision} during its rollout`);
    const manifest: Manifest = { ...live, rollout };
    const swap = await swapManifest(etcd, keys, modRevision, manifest);
    if (swap.succeeded) return manifest;
    // Put back unchanged in between (a prune): read it again; a new revision fails the check above.
    if (attempt === SAME_REVISION_RETRIES) throw new FleetError('GENSWAP_FLEET_CONFLICT', `another publisher swapped the manifest under ${keys.prefix} during the rollout of revision ${revision}`);
  }
}
