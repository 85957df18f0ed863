import { GatewayError } from '../errors.js';
import { DEFAULT_ENTRIES, DEFAULT_PROBE, ENTRY_WORDS, HEADER_WORDS, kEntries, kMagic, kProbe, kSeed, kVersion, MAGIC, MAX_ENTRIES, MIN_ENTRIES, VERSION } from './layout.js';
import { type RateLimitState, RateTable } from './rate-table.js';

export type { RateLimitState } from './rate-table.js';

export interface RateLimitStateOptions {
  /** Keys the table holds (a power of two, 64 to 16,777,216). Default 262,144 (4 MiB). */
  readonly entries?: number;
  /** Entries searched per key (1 to 64). Default 8. */
  readonly probe?: number;
  /**
   * The 64-bit key of the key hash, as two 32-bit words. Default: random (crypto). Give one
   * only to reproduce a table in a test: a known seed lets anyone compute colliding keys.
   */
  readonly seed?: readonly [number, number];
}

/**
 * Allocates the shared rate-limit table (primary side, once). The returned object is
 * structured-cloneable: piscina's workerData carries it to every worker, which sees the same
 * SharedArrayBuffer.
 */
export function createRateLimitState(options: RateLimitStateOptions = {}): RateLimitState {
  const entries = options.entries ?? DEFAULT_ENTRIES;
  const probe = options.probe ?? DEFAULT_PROBE;
  if (!Number.isInteger(entries) || entries < MIN_ENTRIES || entries > MAX_ENTRIES || (entries & (entries - 1)) !== 0) {
    throw new GatewayError('GENSWAP_GATEWAY_INVALID_OPTION', `rate-limit entries must be a power of two from ${MIN_ENTRIES} to ${MAX_ENTRIES}, got ${String(entries)}`);
  }
  if (!Number.isInteger(probe) || probe < 1 || probe > 64 || probe > entries) {
    throw new GatewayError('GENSWAP_GATEWAY_INVALID_OPTION', `rate-limit probe must be an integer from 1 to 64 (and at most entries), got ${String(probe)}`);
  }
  const buffer = new SharedArrayBuffer((HEADER_WORDS + entries * ENTRY_WORDS) * 4);
  const words = new Int32Array(buffer);
  // Written before the buffer is shared with any worker: plain stores suffice.
  words[kMagic] = MAGIC;
  words[kVersion] = VERSION;
  words[kEntries] = entries;
  words[kProbe] = probe;
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(2));
  words[kSeed] = seed[0]! | 0; // R7
  words[kSeed + 1] = seed[1]! | 0; // R7
  return Object.freeze({ kind: 'genswap.gateway.rate-limits', version: VERSION, buffer });
}

const tables = new WeakMap<object, RateTable>();

/** The table over `state`, attached once per thread (ctx.state is the same object for every task). */
export function rateTableFor(state: RateLimitState): RateTable {
  let table = tables.get(state);
  if (table === undefined) {
    table = new RateTable(state);
    tables.set(state, table);
  }
  return table;
}
