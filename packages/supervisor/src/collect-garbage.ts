import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A load that parsed a big list leaves its scratch tables (tens of MB, a million-entry list's
 * builder and sort buffers) for the collector, which in a mostly idle thread may not come for a
 * long time: that memory would stay resident. After such a load the thread that ran it collects
 * at once (a few ms). `gc` is fetched from a fresh context with the flag set at run time, since a
 * worker cannot be given --expose-gc (the flag is process-wide; only new contexts see `gc`).
 */
export const COLLECT_AFTER_PARSE_MS = 20;

let collect: (() => void) | undefined;

export function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
}
