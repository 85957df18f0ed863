/**
 * Compiled list files kept between loads, so that a reload whose list files did not change does
 * not parse them again (a million-line list costs a parse tens of milliseconds; reusing its
 * compiled form costs reading and hashing the bytes).
 *
 * Owned by whoever loads repeatedly (the supervisor's loader thread holds one for its life) and
 * handed to loadConfig as LoadOptions.listCache. Rules:
 * - An entry is keyed by the compiler's name and the file's absolute path, and is valid for one
 *   content: its byte size and SHA-256. A file rewritten with other bytes of the same size and
 *   the same mtime is a miss: mtime alone never decides.
 * - Reading and hashing a big list costs tens of milliseconds per reload, so an entry also keeps
 *   the file's identity as stat saw it before the read (device, inode, size, mtime and ctime in
 *   ns) and when its bytes were last hashed. A later load that finds the very same identity skips
 *   the read, but only when the file's ctime is more than RACY_MARGIN_NS older than that hash
 *   (git's "racily clean" rule): ctime moves on every write and cannot be set back by utimes, and
 *   the margin covers writes that land within one coarse filesystem timestamp tick of the read,
 *   which are hashed again until the file has been quiet for a second.
 * - Only a load that succeeded writes to the cache (commit): a compile that reported problems,
 *   or a load that failed for any other reason, leaves it as the last good load left it. So a
 *   cached value is always one that a good generation was built from.
 * - A commit replaces the whole contents with the lists that load used: a list the config no
 *   longer names is dropped, so the cache holds at most one compiled copy of each live list.
 * - Cached values are shared between loads and must not be mutated by the compile step that
 *   receives them (the gateway's range tables are only read and copied).
 * - For a definition with reuseUnchangedSections, the cache also keeps the last good load's
 *   top-level sections (sections.ts), committed by the same successful loads. They stay on the
 *   thread that loaded them: entries() and replace() carry the lists only.
 */
import type { SectionMemo } from './sections.js';

/** A file's identity as stat saw it (bigint fields, ns times). */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** A cached entry is trusted on identity alone only when the file's ctime is this much older than its last hash. */
export const RACY_MARGIN_NS = 1_000_000_000n;

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

export interface CachedList {
  /** The file's identity taken before the bytes were read, and when they were hashed (ns since the epoch). */
  readonly identity?: FileIdentity;
  readonly hashedAtNs?: bigint;
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
  /** Entries the list held (for LoadedConfig.listEntries). */
  readonly entries: number;
  readonly value: unknown;
}

/**
 * What a cache holds, as [key, entry] pairs: to carry it to another thread (postMessage or
 * workerData). Tables in shared memory (SharedArrayBuffer views, as the gateway's) cross without
 * a copy; a compiled value that cannot be cloned (functions, class instances) cannot cross.
 */
export type ListCacheEntries = readonly (readonly [key: string, entry: CachedList])[];

export class ListCache {
  private lists = new Map<string, CachedList>();
  /** Counts the commits that changed what the cache holds (a reload that reused every list leaves it). */
  version = 0;
  /** Lookups answered from the cache / compiled afresh, since the cache was made. */
  hits = 0;
  misses = 0;
  /** Hits answered from the file's identity alone, without reading it (lookupUnchanged). */
  unchangedHits = 0;
  private readonly racyMarginNs: bigint;
  private sectionMemo: SectionMemo | undefined;

  /**
   * `racyMarginNs`: see RACY_MARGIN_NS (tests shrink it instead of waiting a second). `entries`:
   * what another cache held (entries()), to go on from where it left off.
   */
  constructor(options: { racyMarginNs?: bigint; entries?: ListCacheEntries } = {}) {
    this.racyMarginNs = options.racyMarginNs ?? RACY_MARGIN_NS;
    if (options.entries !== undefined) this.lists = new Map(options.entries);
  }

  /** The cache's contents, for `new ListCache({ entries })` in another thread. */
  entries(): ListCacheEntries {
    return [...this.lists];
  }

  static key(compiler: string, file: string): string {
    return `${compiler}\u0000${file}`;
  }

  /** The cached list for `key` if it was compiled from content of this size and hash. */
  lookup(key: string, size: number, sha256: string): CachedList | undefined {
    const cached = this.lists.get(key);
    if (cached !== undefined && cached.size === size && cached.sha256 === sha256) {
      this.hits++;
      return cached;
    }
    this.misses++;
    return undefined;
  }

  /**
   * The cached list for `key` when the file still has the identity it had when its bytes were
   * hashed, and was not written within RACY_MARGIN_NS of that hash (then its content needs no
   * second look).
   */
  lookupUnchanged(key: string, identity: FileIdentity): CachedList | undefined {
    const cached = this.lists.get(key);
    if (cached?.identity === undefined || cached.hashedAtNs === undefined) return undefined;
    if (!sameIdentity(cached.identity, identity) || identity.ctimeNs + this.racyMarginNs >= cached.hashedAtNs) return undefined;
    this.hits++;
    this.unchangedHits++;
    return cached;
  }

  /**
   * Takes over what another cache holds (its entries()), in place of this one's contents: for
   * two threads that load in turn and keep each other's caches in step.
   */
  replace(entries: ListCacheEntries): void {
    this.lists = new Map(entries);
    this.version++;
  }

  /** After a successful load: the lists it used become the cache's whole contents. */
  commit(used: ReadonlyMap<string, CachedList>): void {
    let changed = used.size !== this.lists.size;
    for (const [key, entry] of used) if (this.lists.get(key) !== entry) changed = true;
    if (changed) this.version++;
    this.lists = new Map(used);
  }

  get size(): number {
    return this.lists.size;
  }

  /** The last good load's top-level sections, for reuseUnchangedSections (sections.ts). */
  get sections(): SectionMemo | undefined {
    return this.sectionMemo;
  }

  /** After a successful load: its sections (undefined when its schema or value allows no reuse). */
  commitSections(memo: SectionMemo | undefined): void {
    this.sectionMemo = memo;
  }

  clear(): void {
    this.lists.clear();
    this.sectionMemo = undefined;
  }
}
