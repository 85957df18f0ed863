import { createHash } from 'node:crypto';
import type { LoadCompileContext } from './compile-context.js';
import type { ConfigErrorCode } from './errors.js';
import { notTextBytes } from './decode-text.js';
import { statSync } from 'node:fs';
import { type CachedList, type FileIdentity, ListCache } from './list-cache.js';
import { scanListBytes } from './list-scan.js';
import type { ProblemList } from './problems.js';
import { readFileBoundedSync } from './read-file.js';
import type { ConfigPath, ListCompiler, RawListFile } from './types.js';

/** What CompileContext.compileList keeps during one load. */
export interface CompiledLists {
  readonly cache: ListCache | undefined;
  /** Per compiler and file: this load's result (undefined: unreadable or not text), so a list named twice is read once. */
  readonly results: Map<string, { readonly value: unknown } | undefined>;
  /** What a successful load commits to the cache: reused entries and clean new compiles. */
  readonly used: Map<string, CachedList>;
  /** Lists taken from the cache in this load. */
  reused: number;
}

/** The code of a failed list read: a read stopped by readBudget says so, not "too large". */
export function readCode(read: { readonly code: ConfigErrorCode }, bound: { readonly code: ConfigErrorCode }): ConfigErrorCode {
  return read.code === 'GENSWAP_CONFIG_TOO_LARGE' ? bound.code : read.code;
}

/**
 * CompileContext.compileList: read (size-limited, blocking), hash, reuse the cached compile of
 * the same bytes, or check they are text and compile them. Reading and hashing count as list
 * read time; the compile as list parse time.
 */
export function compileListFile<T>(ctx: LoadCompileContext, ref: string, file: string, at: ConfigPath, compiler: ListCompiler<T>, problems: ProblemList): T | undefined {
  const state = ctx.compiled;
  const key = ListCache.key(compiler.name, file);
  if (state.results.has(key)) return state.results.get(key)?.value as T | undefined;
  state.results.set(key, undefined);

  const t0 = performance.now();
  // The tighter of maxListBytes and what maxListTotalBytes leaves bounds this list; a read is
  // bounded by what readBudget leaves as well, a reuse (nothing read) is not.
  const bound = ctx.listReadLimit();
  // Identity before the read: a write after it changes ctime, and the next load hashes again.
  const identity = identityOf(file);
  if (identity !== undefined && state.cache !== undefined && identity.size <= BigInt(ctx.listReadLimit(false).bytes)) {
    const unchanged = state.cache.lookupUnchanged(key, identity);
    if (unchanged !== undefined) {
      ctx.listReadMs += performance.now() - t0;
      ctx.listBytes += unchanged.size;
      return reuse(ctx, key, file, unchanged);
    }
  }
  const read = readFileBoundedSync(file, bound.bytes, bound.limit);
  if (!read.ok) {
    ctx.listReadMs += performance.now() - t0;
    ctx.problemAt(at, `list file ${JSON.stringify(ref)} (${file}): ${read.reason}`, readCode(read, bound));
    return undefined;
  }
  const bytes = read.bytes;
  ctx.listBytes += bytes.length;
  ctx.bytesRead += bytes.length;
  // The content decides, never the mtime: a rewrite of the same size within one mtime tick is
  // still seen. SHA-256 runs at ~1.5 GB/s with the CPU's SHA extensions (11 ms for 15 MB here).
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  // Wall clock, like ctime: the two are compared (list-cache.ts, RACY_MARGIN_NS).
  const hashedAtNs = BigInt(Date.now()) * 1_000_000n;
  const t1 = performance.now();
  ctx.listReadMs += t1 - t0;
  const stamp = identity === undefined ? {} : { identity, hashedAtNs };

  const cached = state.cache?.lookup(key, bytes.length, sha256);
  if (cached !== undefined) return reuse(ctx, key, file, { ...cached, ...stamp });

  const notText = notTextBytes(bytes);
  if (notText !== undefined) {
    problems.add({ file, line: notText.line, column: notText.column, path: '', message: notText.reason, code: notText.code });
    ctx.listParseMs += performance.now() - t1;
    return undefined;
  }
  let entries = 0;
  let clean = true;
  const raw: RawListFile = {
    file,
    bytes,
    sha256,
    scan(visit, from = 0, to = bytes.length, firstLine = 1) {
      const problem = scanListBytes(
        bytes,
        (start, end, line, column) => {
          entries++;
          visit(start, end, line, column);
        },
        from,
        to,
        firstLine,
      );
      if (problem === undefined) return true;
      clean = false;
      problems.add({ file, line: problem.line, column: problem.column, path: '', message: problem.message, code: problem.code });
      return false;
    },
    countEntries(count) {
      entries += count;
    },
    problemAt(line, column, message, code) {
      clean = false;
      problems.add({ file, line, column, path: '', message, code });
    },
  };
  const value = compiler.compile(raw);
  ctx.listParseMs += performance.now() - t1;
  ctx.noteListFile(file, entries);
  state.results.set(key, { value });
  // A compile that found problems is never cached: its result must not outlive this load.
  if (clean) state.used.set(key, { ...stamp, size: bytes.length, sha256, entries, value });
  return value;
}

function identityOf(file: string): FileIdentity | undefined {
  try {
    const st = statSync(file, { bigint: true });
    return st.isFile() ? { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs } : undefined;
  } catch {
    return undefined; // the read below reports why
  }
}

function reuse<T>(ctx: LoadCompileContext, key: string, file: string, cached: CachedList): T {
  const state = ctx.compiled;
  state.used.set(key, cached);
  state.reused++;
  state.results.set(key, { value: cached.value });
  ctx.noteListFile(file, cached.entries);
  return cached.value as T;
}
