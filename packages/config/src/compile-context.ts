import { realpathSync } from 'node:fs';
import path from 'node:path';
import { decodeText } from './decode-text.js';
import type { ConfigErrorCode } from './errors.js';
import type { Limits } from './limits.js';
import type { ListCache } from './list-cache.js';
import { compileListFile, type CompiledLists, readCode } from './list-compile.js';
import { splitList } from './list-file.js';
import { formatPath, type ProblemList } from './problems.js';
import { readFileBoundedSync } from './read-file.js';
import type { CompileContext, ConfigPath, ListCompiler, ListFile } from './types.js';

/** Longest message a problem about one list line may carry. */
const MAX_LIST_MESSAGE_CHARS = 200;

/**
 * The list file a path names, through symlinks: the same list named twice, or through links, is
 * read (and counted) once, and a broken one reported once. A path that does not resolve is left
 * as named, for the read to report.
 */
function resolvedList(named: string): string {
  try {
    return realpathSync(named);
  } catch {
    return named;
  }
}

/** Finds the line and column of a document path in the config file. */
export type PathLocator = (path: ConfigPath) => { line: number; column: number };

/** The CompileContext handed to a definition's compile step; also counts list-file I/O time. */
export class LoadCompileContext implements CompileContext {
  readonly dir: string;
  /** List files read successfully, in first-use order. */
  readonly listFiles: string[] = [];
  listEntries = 0;
  /** Time spent reading list files (I/O) and splitting them into entries, ms. */
  listReadMs = 0;
  listParseMs = 0;
  private readonly lists = new Map<string, ListFile | undefined>();
  /** compileList's state for this load (what it read, compiled and may cache). */
  readonly compiled: CompiledLists;
  /** Bytes of list files so far (read, or reused unchanged), against maxListTotalBytes. */
  listBytes = 0;
  /** Bytes this load has read so far (the config file, then list files), against readBudget. */
  bytesRead: number;

  constructor(
    readonly file: string,
    private readonly limits: Limits,
    private readonly problems: ProblemList,
    private readonly locateAt: PathLocator,
    cache: ListCache | undefined,
    configBytes: number,
  ) {
    this.bytesRead = configBytes;
    this.dir = path.dirname(file);
    this.compiled = { cache, results: new Map(), used: new Map(), reused: 0 };
  }

  get failed(): boolean {
    return this.problems.count > 0;
  }

  problemAt(at: ConfigPath, message: string, code: string): void {
    const { line, column } = this.locateAt(at);
    this.problems.add({ file: this.file, line, column, path: formatPath(at), message, code });
  }

  problemInList(list: ListFile, index: number, message: string, code: string): void {
    // Backstop for compile steps that quote a whole entry: a problem about one line stays short.
    const text = message.length > MAX_LIST_MESSAGE_CHARS ? `${message.slice(0, MAX_LIST_MESSAGE_CHARS)}…` : message;
    this.problems.add({ file: list.file, line: list.lines[index] ?? 0, column: list.lines[index] === undefined ? 0 : 1, path: '', message: text, code });
  }

  readList(ref: string, at: ConfigPath): ListFile | undefined {
    if (typeof ref !== 'string' || ref.trim() === '') {
      this.problemAt(at, 'a list file reference must be a non-empty path', 'GENSWAP_CONFIG_TYPE');
      return undefined;
    }
    const file = resolvedList(path.resolve(this.dir, ref));
    if (this.lists.has(file)) return this.lists.get(file);
    const list = this.load(ref, file, at);
    this.lists.set(file, list);
    if (list !== undefined) {
      this.listFiles.push(file);
      this.listEntries += list.entries.length;
    }
    return list;
  }

  compileList<T>(ref: string, at: ConfigPath, compiler: ListCompiler<T>): T | undefined {
    if (typeof ref !== 'string' || ref.trim() === '') {
      this.problemAt(at, 'a list file reference must be a non-empty path', 'GENSWAP_CONFIG_TYPE');
      return undefined;
    }
    return compileListFile(this, ref, resolvedList(path.resolve(this.dir, ref)), at, compiler, this.problems);
  }

  /**
   * How many bytes the next list file may have, and the limit that sets it: maxListBytes, what
   * maxListTotalBytes leaves, or (`read`: for a read rather than a reuse) what readBudget leaves.
   */
  listReadLimit(read = true): { readonly bytes: number; readonly limit: string; readonly code: ConfigErrorCode } {
    const remaining = this.limits.maxListTotalBytes - this.listBytes;
    const budget = this.limits.readBudget - this.bytesRead;
    if (read && budget < Math.min(remaining, this.limits.maxListBytes)) {
      return { bytes: Math.max(0, budget), limit: `what is left of readBudget (${this.limits.readBudget}; ${this.bytesRead} read before)`, code: 'GENSWAP_CONFIG_OVER_BUDGET' };
    }
    return remaining < this.limits.maxListBytes
      ? { bytes: remaining, limit: `what is left of maxListTotalBytes (${this.limits.maxListTotalBytes} for all list files; ${this.listBytes} used by earlier ones)`, code: 'GENSWAP_CONFIG_TOO_LARGE' }
      : { bytes: this.limits.maxListBytes, limit: 'maxListBytes', code: 'GENSWAP_CONFIG_TOO_LARGE' };
  }

  /** Counts a list file compileList read (once per file). */
  noteListFile(file: string, entries: number): void {
    if (!this.listFiles.includes(file)) this.listFiles.push(file);
    this.listEntries += entries;
  }

  /** After a successful load: what compileList compiled or reused becomes the cache. */
  commitListCache(): void {
    this.compiled.cache?.commit(this.compiled.used);
  }

  private load(ref: string, file: string, at: ConfigPath): ListFile | undefined {
    const t0 = performance.now();
    // The tighter of the two limits bounds this read, so it stops at the budget, not after it.
    const bound = this.listReadLimit();
    const read = readFileBoundedSync(file, bound.bytes, bound.limit);
    const t1 = performance.now();
    this.listReadMs += t1 - t0;
    if (!read.ok) {
      this.problemAt(at, `list file ${JSON.stringify(ref)} (${file}): ${read.reason}`, readCode(read, bound));
      return undefined;
    }
    this.listBytes += read.bytes.byteLength;
    this.bytesRead += read.bytes.byteLength;
    const decoded = decodeText(read.bytes);
    if (!decoded.ok) {
      this.problems.add({ file, line: decoded.line, column: decoded.column, path: '', message: decoded.reason, code: decoded.code });
      this.listParseMs += performance.now() - t1;
      return undefined;
    }
    const list = splitList(decoded.text, file);
    this.listParseMs += performance.now() - t1;
    return list;
  }
}
