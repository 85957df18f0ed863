import { getHeapStatistics, setFlagsFromString } from 'node:v8';
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
