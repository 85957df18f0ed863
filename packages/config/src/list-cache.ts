/**
 * Compiled list files kept between loads, so that a reload whose list files did not change does
 * not parse them again (a million-line list costs a parse tens of milliseconds; reusing its
 * compiled form costs reading and hashing the bytes).
 *
 * Owned by whoever loads repeatedly (the supervisor's loader thread holds one for its life) and
 * handed to loadConfig as LoadOptions.listCache. Rules:
 * - An entry is keyed by the compiler's name and the file's absolute path, and is valid for one
 *   content: its byte size and SHA-256. A file rewritten with other bytes of the same size and
 *   the same mtime is a miss; mtime is never consulted.
 * - Only a load that succeeded writes to the cache (commit): a compile that reported problems,
 *   or a load that failed for any other reason, leaves it as the last good load left it. So a
 *   cached value is always one that a good generation was built from.
 * - A commit replaces the whole contents with the lists that load used: a list the config no
 *   longer names is dropped, so the cache holds at most one compiled copy of each live list.
 * - Cached values are shared between loads and must not be mutated by the compile step that
 *   receives them (the gateway's range tables are only read and copied).
 */
export interface CachedList {
  readonly size: number;
  /** SHA-256 of the bytes, hex. */
  readonly sha256: string;
  /** Entries the list held (for LoadedConfig.listEntries). */
  readonly entries: number;
  readonly value: unknown;
}

export class ListCache {
  private lists = new Map<string, CachedList>();
  /** Lookups answered from the cache / compiled afresh, since the cache was made. */
  hits = 0;
  misses = 0;

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

  /** After a successful load: the lists it used become the cache's whole contents. */
  commit(used: ReadonlyMap<string, CachedList>): void {
    this.lists = new Map(used);
  }

  get size(): number {
    return this.lists.size;
  }

  clear(): void {
    this.lists.clear();
  }
}
