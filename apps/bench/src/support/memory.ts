import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full-GC function in any thread: `globalThis.gc` when the process runs with --expose-gc
 * (main.ts passes it to the scenarios that ask, see scenarios/index.ts), otherwise one obtained
 * by setting the flag at run time (enough in worker threads, which cannot be given the flag).
 */
export function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** V8 heap in use plus external memory (typed-array backing stores) of this isolate, after two full GCs. */
export function memoryInUse(gc: () => void): number {
  gc();
  gc();
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

/** What an isolate holds: in use (after full GCs) and committed (heap pages V8 keeps, which count in RSS). */
export interface IsolateMemory {
  /** V8 heap in use + external memory. */
  readonly used: number;
  /** V8 heap committed (total_heap_size) + external memory. */
  readonly committed: number;
  /** Of the committed heap, the young generation (new space), which V8 grows with the survival rate. */
  readonly youngCommitted: number;
}

export function isolateMemory(gc: () => void): IsolateMemory {
  const used = memoryInUse(gc);
  const stats = getHeapStatistics();
  return { used, committed: stats.total_heap_size + stats.external_memory, youngCommitted: youngGenerationCommitted() };
}

/** Committed bytes of this isolate's new space. */
export function youngGenerationCommitted(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}
