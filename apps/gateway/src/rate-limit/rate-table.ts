import { GatewayError } from '../errors.js';
import type { KeyHash } from './key-hash.js';
import {
  cellCount,
  cellTag,
  COUNT_MASK,
  ENTRY_WORDS,
  HEADER_WORDS,
  kCell,
  kEntries,
  kEvictions,
  kKey,
  kMagic,
  kProbe,
  kSeed,
  kVersion,
  kWindowSeconds,
  MAGIC,
  packCell,
  VERSION,
} from './layout.js';

/**
 * The shared rate-limit table (layout and invariants R1..R6 in ./layout.ts).
 *
 * Error bounds (the README's "Rate limits" section states them for operators; the tests in
 * rate-table.test.ts check each one):
 * - **Exact per key while it holds its entry** (R2, R3): N requests for one key in a window,
 *   from any number of threads, count N.
 * - **Never counts what a key did not earn** (R5): a key's cells start at zero when it claims
 *   an entry, whoever held it before. Beyond hits racing with a takeover (at most one per other
 *   thread, R5), a count can exceed a key's own requests only when two keys share a 32-bit
 *   fingerprint within one probe window: for K live keys about K * PROBE / 2^32 per lookup
 *   (under 0.0005 for the default 262,144 entries full), and the keyed hash (R7) keeps anyone
 *   from choosing such keys.
 * - **Eviction forgets only the least counted.** When all PROBE entries of a key's
 *   neighbourhood are live, the one with the smallest two-window count is evicted, ties going
 *   to the nearer entry. So a key with count c loses its count only if PROBE - 1 other keys of
 *   its neighbourhood each have a count of at least c. A flood of distinct one-request keys,
 *   however long, never evicts a key that made two or more requests in the current and previous
 *   window, and a newcomer's first request counts 1. Keys are placed by the keyed hash, so an
 *   attacker cannot aim a flood at one neighbourhood.
 * - **Sliding-window approximation**: `estimate = current + previous * (1 - f)`, f the elapsed
 *   fraction of the current fixed window. Exact when the previous window's requests were
 *   spread evenly; a burst at the end of the previous window is under-weighted by at most the
 *   fraction f of it.
 */

export interface RateLimitState {
  readonly kind: 'genswap.gateway.rate-limits';
  readonly version: number;
  readonly buffer: SharedArrayBuffer;
}

export interface HitResult {
  /** Sliding-window estimate of the requests for this key, including this one. */
  readonly estimate: number;
  /** Milliseconds until the current fixed window ends. */
  readonly resetMs: number;
}

export interface RateTableStats {
  readonly entries: number;
  readonly used: number;
  readonly evictions: number;
}

/** Claim attempts before a hit gives up on counting (only under extreme contention). */
const MAX_CLAIM_ATTEMPTS = 4;

export class RateTable {
  readonly entries: number;
  /** The key hash's secret key (R7): pass it to startHash. */
  readonly seed: Uint32Array;
  private readonly words: Int32Array;
  private readonly mask: number;
  private readonly probe: number;

  constructor(state: RateLimitState) {
    const s = state as Partial<RateLimitState> | null;
    if (s === null || typeof s !== 'object' || s.kind !== 'genswap.gateway.rate-limits' || !(s.buffer instanceof SharedArrayBuffer)) {
      throw new GatewayError('GENSWAP_GATEWAY_BAD_STATE', 'not a gateway rate-limit state (expected the object createState() returned)');
    }
    this.words = new Int32Array(s.buffer);
    // Header words were written before the buffer was shared: plain loads suffice.
    if (this.words[kMagic] !== MAGIC || this.words[kVersion] !== VERSION || s.version !== VERSION) {
      throw new GatewayError('GENSWAP_GATEWAY_BAD_STATE', `rate-limit state has layout version ${String(s.version)}, this gateway reads ${VERSION}`);
    }
    this.entries = this.words[kEntries]!;
    this.mask = this.entries - 1;
    this.probe = this.words[kProbe]!;
    this.seed = Uint32Array.of(this.words[kSeed]!, this.words[kSeed + 1]!); // R7: written before sharing
    if (this.words.length < HEADER_WORDS + this.entries * ENTRY_WORDS) {
      throw new GatewayError('GENSWAP_GATEWAY_BAD_STATE', 'rate-limit state buffer is smaller than its header says');
    }
  }

  /**
   * Counts one request for `key` under a limit of `windowSeconds` at time `nowMs` and returns
   * the sliding-window estimate including it. If no entry could be claimed (four lost claim
   * races in a row) the request is not counted and the estimate is 0: fail open, once.
   */
  hit(key: KeyHash, windowSeconds: number, nowMs: number): HitResult {
    const windowMs = windowSeconds * 1000;
    const window = Math.floor(nowMs / windowMs);
    const windowStart = window * windowMs;
    const resetMs = windowStart + windowMs - nowMs;
    const base = this.findOrClaim(key, windowSeconds, nowMs);
    if (base < 0) return { estimate: 0, resetMs };
    // A reload may have changed the limit's window; keep the eviction hint current.
    if (Atomics.load(this.words, base + kWindowSeconds) !== windowSeconds) { // R6
      Atomics.store(this.words, base + kWindowSeconds, windowSeconds); // R6
    }
    const current = this.increment(base + kCell + (window & 1), window);
    const previous = cellCount(Atomics.load(this.words, base + kCell + ((window - 1) & 1)), window - 1); // R3
    return { estimate: current + previous * (1 - (nowMs - windowStart) / windowMs), resetMs };
  }

  /** The estimate for `key` without counting a request (0 if the key has no entry). */
  peek(key: KeyHash, windowSeconds: number, nowMs: number): number {
    const base = this.find(key);
    if (base < 0) return 0;
    return this.estimateAt(base, windowSeconds, nowMs, true);
  }

  stats(): RateTableStats {
    let used = 0;
    for (let e = 0; e < this.entries; e++) if (Atomics.load(this.words, HEADER_WORDS + e * ENTRY_WORDS + kKey) !== 0) used++; // R1
    return { entries: this.entries, used, evictions: Atomics.load(this.words, kEvictions) }; // a statistic: any torn view is harmless
  }

  private estimateAt(base: number, windowSeconds: number, nowMs: number, weighted: boolean): number {
    const windowMs = windowSeconds * 1000;
    const window = Math.floor(nowMs / windowMs);
    const current = cellCount(Atomics.load(this.words, base + kCell + (window & 1)), window); // R3
    const previous = cellCount(Atomics.load(this.words, base + kCell + ((window - 1) & 1)), window - 1); // R3
    return current + previous * (weighted ? 1 - (nowMs - window * windowMs) / windowMs : 1);
  }

  /** Word index of the entry holding `key`, or -1 (stops at the first never-used entry, R4). */
  private find(key: KeyHash): number {
    for (let k = 0; k < this.probe; k++) {
      const base = HEADER_WORDS + ((key.h2 + k) & this.mask) * ENTRY_WORDS;
      const owner = Atomics.load(this.words, base + kKey); // R1
      if (owner === (key.h1 | 0)) return base;
      if (owner === 0) return -1;
    }
    return -1;
  }

  private findOrClaim(key: KeyHash, windowSeconds: number, nowMs: number): number {
    const fingerprint = key.h1 | 0;
    for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
      let victim = -1;
      let victimOwner = 0;
      let victimScore = Infinity;
      for (let k = 0; k < this.probe; k++) {
        const base = HEADER_WORDS + ((key.h2 + k) & this.mask) * ENTRY_WORDS;
        const owner = Atomics.load(this.words, base + kKey); // R1
        if (owner === fingerprint) return base;
        // R4: never-used and stale entries score 0, so the first of them wins; else the least counted.
        const score = owner === 0 ? 0 : this.liveScore(base, nowMs);
        if (score < victimScore) {
          victim = base;
          victimOwner = owner;
          victimScore = score;
        }
        if (owner === 0) break; // R4: the key is not further on
      }
      if (Atomics.compareExchange(this.words, victim + kKey, victimOwner, fingerprint) === victimOwner) { // R1
        if (victimOwner !== 0) {
          // R5: the newcomer starts from nothing; never-used entries are zero already.
          Atomics.store(this.words, victim + kCell, 0); // R5
          Atomics.store(this.words, victim + kCell + 1, 0); // R5
        }
        Atomics.store(this.words, victim + kWindowSeconds, windowSeconds); // R6
        if (victimScore > 0) Atomics.add(this.words, kEvictions, 1); // a statistic; add so no thread's count is lost
        return victim;
      }
      // Lost the claim: another thread took the entry (perhaps for this very key). Rescan.
    }
    return -1;
  }

  /** How much an occupied entry is worth keeping: its unweighted two-window count; 0 if stale. */
  private liveScore(base: number, nowMs: number): number {
    const windowSeconds = Atomics.load(this.words, base + kWindowSeconds); // R6
    if (windowSeconds <= 0) return COUNT_MASK; // being claimed right now: keep it
    return this.estimateAt(base, windowSeconds, nowMs, false);
  }

  /** Adds one to the cell for `window` (R2, R3); returns the new count (saturating). */
  private increment(cell: number, window: number): number {
    const tag = cellTag(window);
    for (;;) {
      const old = Atomics.load(this.words, cell); // R2: the value the compareExchange below must still find
      const count = cellCount(old, window); // R3: a stale cell counts as zero
      if (count === COUNT_MASK) return count;
      if (Atomics.compareExchange(this.words, cell, old, packCell(tag, count + 1)) === old) return count + 1; // R2
    }
  }
}
