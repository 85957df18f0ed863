import { describe, expect, it } from 'vitest';
import { finishHash, hashString, hashWord, type KeyHash, newKeyHash, startHash } from './key-hash.js';
import { COUNT_MASK } from './layout.js';
import { createRateLimitState } from './rate-limit-state.js';
import { RateTable } from './rate-table.js';

const SEED = Uint32Array.of(0x01234567, 0x89abcdef);

function key(text: string, seed: Uint32Array = SEED): KeyHash {
  return finishHash(hashString(startHash(newKeyHash(), seed), text));
}

/** A key hashed the way the handler hashes an IPv4 client (so a flood costs no string per key). */
function addressKey(n: number, seed: Uint32Array, out: KeyHash = newKeyHash()): KeyHash {
  return finishHash(hashWord(hashWord(startHash(out, seed), 4), n));
}

const T0 = 1_700_000_040_000; // a multiple of 10 s: the start of a 10 s window

describe('RateTable', () => {
  it('counts one key exactly and reports the time left in the window', () => {
    const table = new RateTable(createRateLimitState({ entries: 64 }));
    let last = { estimate: 0, resetMs: 0 };
    for (let i = 0; i < 1000; i++) last = table.hit(key('a'), 10, T0 + 4000);
    expect(last).toEqual({ estimate: 1000, resetMs: 6000 });
    expect(table.peek(key('a'), 10, T0 + 4000)).toBe(1000);
    expect(table.peek(key('b'), 10, T0 + 4000)).toBe(0);
  });

  it('keeps many keys apart while they fit, with no eviction', () => {
    const table = new RateTable(createRateLimitState({ entries: 1024 }));
    for (let k = 0; k < 256; k++) for (let i = 0; i <= k % 7; i++) table.hit(key(`client-${k}`), 10, T0);
    for (let k = 0; k < 256; k++) expect(table.peek(key(`client-${k}`), 10, T0)).toBe((k % 7) + 1);
    expect(table.stats()).toEqual({ entries: 1024, used: 256, evictions: 0 });
  });

  it('starts each window from zero and weights the previous one by its overlap', () => {
    const table = new RateTable(createRateLimitState({ entries: 64 }));
    for (let i = 0; i < 8; i++) table.hit(key('a'), 10, T0 + 9000);
    expect(table.hit(key('a'), 10, T0 + 12_500).estimate).toBe(1 + 8 * 0.75);
    expect(table.hit(key('a'), 10, T0 + 30_000).estimate).toBe(1); // two windows on: both cells stale
  });

  it('reuses stale entries without counting evictions', () => {
    const table = new RateTable(createRateLimitState({ entries: 64, probe: 8 }));
    for (let k = 0; k < 24; k++) table.hit(key(`old-${k}`), 10, T0);
    expect(table.stats()).toEqual({ entries: 64, used: 24, evictions: 0 });
    const later = T0 + 60_000;
    for (let k = 0; k < 48; k++) table.hit(key(`new-${k}`), 10, later);
    for (let k = 0; k < 24; k++) expect(table.peek(key(`old-${k}`), 10, later)).toBe(0);
    for (let k = 0; k < 48; k++) expect(table.peek(key(`new-${k}`), 10, later)).toBe(1);
    // 24 + 48 > 64 entries: the newcomers must have taken stale entries, which is no eviction.
    expect(table.stats().evictions).toBe(0);
  });

  it('hands a newcomer no count it did not earn, even when it evicts a heavy key', () => {
    // probe 1: every key of the table shares one entry per home, so a takeover is certain.
    const table = new RateTable(createRateLimitState({ entries: 64, probe: 1 }));
    for (let k = 0; k < 64; k++) for (let i = 0; i < 50; i++) table.hit(key(`heavy-${k}`), 10, T0);
    for (let k = 0; k < 200; k++) expect(table.hit(key(`new-${k}`), 10, T0).estimate).toBe(1);
    expect(table.stats().evictions).toBeGreaterThan(0);
  });

  it('regression: a flood of 1M distinct keys neither raises a newcomer\'s count nor takes a light client\'s', () => {
    const state = createRateLimitState(); // default size: 262,144 entries, probe 8
    const table = new RateTable(state);
    const seed = table.seed;
    const light = addressKey(0xc0000201, seed, newKeyHash()); // 192.0.2.1
    const scratch = newKeyHash();
    // The light client made 3 requests; then 1M one-request clients arrive, 4x the table.
    for (let i = 0; i < 3; i++) table.hit(light, 60, T0);
    for (let n = 0; n < 1_000_000; n++) table.hit(addressKey(0x0a000000 + n, seed, scratch), 60, T0 + 1000);
    expect(table.stats().evictions).toBeGreaterThan(700_000);
    // Its count is exactly what it earned: not evicted (the flood keys count less), not inflated.
    expect(table.peek(light, 60, T0 + 2000)).toBe(3);
    expect(table.hit(light, 60, T0 + 2000).estimate).toBe(4);
    // And a client never seen before starts at 1, where an inheriting table gave 4-6.
    for (let n = 0; n < 1000; n++) expect(table.hit(addressKey(0xcb007100 + n, seed, scratch), 60, T0 + 3000).estimate).toBe(1);
  });

  it('keys the hash with a per-state secret shared through the buffer', () => {
    const a = createRateLimitState({ entries: 64 });
    const b = createRateLimitState({ entries: 64 });
    const seedA = new RateTable(a).seed;
    expect([...seedA]).not.toEqual([...new RateTable(b).seed]);
    // A worker thread gets a structured clone of the state: same buffer, same seed.
    expect([...new RateTable(structuredClone(a)).seed]).toEqual([...seedA]);
    // Under another seed the same key lands elsewhere and has another fingerprint.
    const k1 = key('victim', seedA);
    const k2 = key('victim', new RateTable(b).seed);
    expect([k1.h1, k1.h2]).not.toEqual([k2.h1, k2.h2]);
    // The key words are read from the buffer, not made up per thread.
    expect(createRateLimitState({ entries: 64, seed: [1, 2] }).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...new RateTable(createRateLimitState({ entries: 64, seed: [1, 2] })).seed]).toEqual([1, 2]);
  });

  it('when full, evicts the least-counted keys and never a heavy one', () => {
    const table = new RateTable(createRateLimitState({ entries: 64, probe: 8 }));
    for (let i = 0; i < 100; i++) table.hit(key('heavy'), 10, T0);
    for (let k = 0; k < 2000; k++) table.hit(key(`light-${k}`), 10, T0);
    expect(table.peek(key('heavy'), 10, T0)).toBeGreaterThanOrEqual(100);
    expect(table.stats().evictions).toBeGreaterThan(1000);
    expect(table.stats().used).toBe(64);
  });

  it('saturates instead of wrapping', () => {
    const table = new RateTable(createRateLimitState({ entries: 64 }));
    let estimate = 0;
    for (let i = 0; i < COUNT_MASK + 10; i++) estimate = table.hit(key('flood'), 10, T0).estimate;
    expect(estimate).toBe(COUNT_MASK);
  });

  it('refuses objects that are not a rate-limit state, and bad sizes', () => {
    expect(() => new RateTable({ kind: 'x' } as never)).toThrow(expect.objectContaining({ code: 'GENSWAP_GATEWAY_BAD_STATE' }));
    expect(() => createRateLimitState({ entries: 1000 })).toThrow(expect.objectContaining({ code: 'GENSWAP_GATEWAY_INVALID_OPTION' }));
    expect(() => createRateLimitState({ probe: 0 })).toThrow(/probe/);
  });

  it('is structured-cloneable and attaches to the same memory', () => {
    const state = createRateLimitState({ entries: 64 });
    const copy = structuredClone(state);
    new RateTable(state).hit(key('a'), 10, T0);
    expect(new RateTable(copy).peek(key('a'), 10, T0)).toBe(1);
  });
});
