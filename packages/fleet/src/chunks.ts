import type { EtcdClient } from './etcd/etcd-client.js';
import { FleetError } from './errors.js';
import type { FleetKeys } from './keys.js';
import type { ManifestFile } from './manifest.js';
import { sha256 } from './manifest.js';

/**
 * Bytes per chunk. etcd refuses a request over 1.5 MiB (--max-request-bytes); 1 MiB leaves
 * room for the key and the transaction around it.
 */
export const CHUNK_BYTES = 1024 * 1024;

/** Chunk writes or reads in flight at once: enough to hide latency, few enough not to flood etcd. */
const PARALLEL = 4;

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

export interface WriteStats {
  /** Chunks written now; the others were already stored (same content, same key). */
  readonly written: number;
  readonly reused: number;
  readonly bytesWritten: number;
}

/** Splits bytes at fixed offsets (0, CHUNK_BYTES, ...): publisher and instances must agree on this. */
function split(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < bytes.length || pieces.length === 0; at += CHUNK_BYTES) pieces.push(bytes.subarray(at, at + CHUNK_BYTES));
  return pieces;
}

/**
 * The chunks of files this instance already has (its last good revision), by sha256: a new
 * revision whose big list changed at its end fetches only the chunks that changed. Fixed-offset
 * chunks: an insertion in the middle of a file changes every chunk after it.
 */
export function chunkIndex(files: readonly Uint8Array[]): Map<string, Buffer> {
  const index = new Map<string, Buffer>();
  for (const file of files) for (const piece of split(file)) index.set(sha256(piece), Buffer.from(piece));
  return index;
}

/**
 * Stores `bytes` as content-addressed chunks and returns the manifest entry. A chunk key that
 * exists already holds the same bytes (its name is their sha256), so it is not sent again (a
 * keys-only read says so); a missing one is put under "create_revision == 0" in one
 * transaction, which makes two publishers of the same content harmless to each other.
 */
export async function writeFileChunks(etcd: EtcdClient, keys: FleetKeys, path: string, bytes: Uint8Array, stats: { written: number; reused: number; bytesWritten: number }): Promise<ManifestFile> {
  const pieces = split(bytes);
  const names = pieces.map((piece) => sha256(piece));
  const todo = [...new Set(names)].map((name) => ({ name, piece: pieces[names.indexOf(name)]! }));
  await eachLimited(todo, PARALLEL, async ({ name, piece }) => {
    const key = keys.chunk(name);
    if ((await etcd.range(key, { keysOnly: true })).kvs.length > 0) {
      stats.reused++;
      return;
    }
    const put = await etcd.txn([{ key, target: 'CREATE', createRevision: 0 }], [{ put: { key, value: Buffer.from(piece) } }]);
    if (put.succeeded) {
      stats.written++;
      stats.bytesWritten += piece.length;
    } else {
      stats.reused++;
    }
  });
  return { path, size: bytes.length, sha256: sha256(bytes), chunks: names };
}

/**
 * Reads a file back from its chunks, checking each chunk and the whole against their sha256;
 * chunks found in `known` (see chunkIndex) are not fetched.
 */
export async function readFileChunks(etcd: EtcdClient, keys: FleetKeys, file: ManifestFile, known?: ReadonlyMap<string, Buffer>): Promise<Buffer> {
  const pieces = new Array<Buffer>(file.chunks.length);
  await eachLimited([...file.chunks.keys()], PARALLEL, async (i) => {
    const name = file.chunks[i]!;
    const have = known?.get(name);
    if (have !== undefined) {
      pieces[i] = have;
      return;
    }
    const kv = await etcd.get(keys.chunk(name));
    if (kv === undefined) throw new FleetError('GENSWAP_FLEET_CORRUPT', `chunk ${name} of ${file.path} is missing from etcd`);
    if (sha256(kv.value) !== name) throw new FleetError('GENSWAP_FLEET_CORRUPT', `chunk ${name} of ${file.path} does not match its sha256`);
    pieces[i] = kv.value;
  });
  const whole = Buffer.concat(pieces);
  if (whole.length !== file.size || sha256(whole) !== file.sha256) {
    throw new FleetError('GENSWAP_FLEET_CORRUPT', `${file.path} rebuilt from its chunks does not match its size and sha256`);
  }
  return whole;
}
