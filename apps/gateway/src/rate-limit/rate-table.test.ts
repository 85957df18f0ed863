import { describe, expect, it } from 'vitest';
import { finishHash, hashString, type KeyHash, startHash } from './key-hash.js';
import { COUNT_MASK } from './layout.js';
import { createRateLimitState } from './rate-limit-state.js';
import { RateTable } from './rate-table.js';

function key(text: string): KeyHash {
  return finishHash(hashString(startHash({ h1: 0, h2: 0 }), text));
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
