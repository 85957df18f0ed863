import { createHash } from 'node:crypto';
import { FleetError } from './errors.js';

/** One file of a published config: where it goes (relative to the config's directory) and its chunks. */
export interface ManifestFile {
  /** Relative POSIX path; the config file itself is `Manifest.config`. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  /** sha256 of each chunk, in order; the file is their concatenation. */
  readonly chunks: readonly string[];
}

/**
 * Staged rollout of this revision: the canaries apply it at once, the others hold until the
 * publisher rewrites the manifest (same revision) with `released: true`, which it does once every
 * canary serves it. A canary that refuses makes the publisher write `halted` instead.
 */
export interface ManifestRollout {
  readonly canaries: readonly string[];
  readonly released: boolean;
  readonly halted?: { readonly instance: string; readonly at: string };
}

/**
 * What `fleet publish` swaps in: small (a few hundred bytes per file) whatever the size of the
 * lists, because the bytes are in chunks. `revision` counts publishes under the prefix (1, 2,
 * 3...); a rollback is a new revision carrying an earlier one's files.
 */
export interface Manifest {
  readonly format: 1;
  readonly revision: number;
  /** sha256 over the file list (path, sha256 of each): names the content, whatever the revision. */
  readonly sha256: string;
  readonly publishedAt: string;
  readonly message: string;
  /** Path of the config file among `files`. */
  readonly config: string;
  readonly files: readonly ManifestFile[];
  readonly rollout?: ManifestRollout;
  /** Set by `fleet rollback`: the revision whose files this one carries again. */
  readonly rollbackOf?: number;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The content hash of a file list, independent of revision, time and message. */
export function contentSha(files: readonly ManifestFile[]): string {
  return sha256(files.map((f) => `${f.path}\0${f.sha256}\n`).join(''));
}

/** The name LocalState keeps a revision's manifest under (local-state.ts MANIFEST_FILE). */
const RESERVED_NAME = '.genswap-manifest.json';

const SAFE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0\\]+$/;

/** A relative path that stays inside the directory it is resolved in. */
export function isSafeRelativePath(path: string): boolean {
  return SAFE_PATH.test(path);
}

/** Parses and checks a manifest read from etcd (it is input, whoever wrote it). */
export function parseManifest(bytes: Uint8Array, where: string): Manifest {
  let m: Manifest;
  try {
    m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Manifest;
  } catch (err) {
    throw new FleetError('GENSWAP_FLEET_CORRUPT', `${where} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const bad = (why: string): FleetError => new FleetError('GENSWAP_FLEET_CORRUPT', `${where} is not a genswap manifest: ${why}`);
  if (m === null || typeof m !== 'object' || m.format !== 1) throw bad('format is not 1');
  if (!Number.isSafeInteger(m.revision) || m.revision < 1) throw bad('revision is not a positive integer');
  if (!Array.isArray(m.files) || !m.files.some((f) => f.path === m.config)) throw bad('the config file is not among its files');
  for (const f of m.files) {
    if (typeof f.path !== 'string' || !isSafeRelativePath(f.path)) throw bad(`file path ${JSON.stringify(f.path)} leaves its directory`);
    if (f.path === RESERVED_NAME) throw bad(`file path ${f.path} is reserved for the instance's own record`);
    if (!Array.isArray(f.chunks) || !f.chunks.every((c: unknown) => typeof c === 'string' && /^[0-9a-f]{64}$/.test(c))) throw bad(`file ${f.path} has malformed chunk names`);
  }
  if (m.sha256 !== contentSha(m.files)) throw bad('its sha256 does not match its file list');
  return m;
}
