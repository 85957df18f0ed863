import path from 'node:path';
import { decodeText } from './decode-text.js';
import type { Limits } from './limits.js';
import type { ListCache } from './list-cache.js';
import { compileListFile, type CompiledLists } from './list-compile.js';
import { splitList } from './list-file.js';
import { formatPath, type ProblemList } from './problems.js';
import { readFileBoundedSync } from './read-file.js';
import type { CompileContext, ConfigPath, ListCompiler, ListFile } from './types.js';

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

  constructor(
    readonly file: string,
    private readonly limits: Limits,
    private readonly problems: ProblemList,
    private readonly locateAt: PathLocator,
    cache?: ListCache,
  ) {
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
    this.problems.add({ file: list.file, line: list.lines[index] ?? 0, column: list.lines[index] === undefined ? 0 : 1, path: '', message, code });
  }

  readList(ref: string, at: ConfigPath): ListFile | undefined {
    if (typeof ref !== 'string' || ref.trim() === '') {
      this.problemAt(at, 'a list file reference must be a non-empty path', 'GENSWAP_CONFIG_TYPE');
      return undefined;
    }
    const file = path.resolve(this.dir, ref);
    // The same list named twice is read once, and a broken one reported once.
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
    return compileListFile(this, ref, path.resolve(this.dir, ref), at, compiler, this.limits.maxListBytes, this.problems);
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
    const read = readFileBoundedSync(file, this.limits.maxListBytes, 'maxListBytes');
    const t1 = performance.now();
    this.listReadMs += t1 - t0;
    if (!read.ok) {
      this.problemAt(at, `list file ${JSON.stringify(ref)} (${file}): ${read.reason}`, read.code);
      return undefined;
    }
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
