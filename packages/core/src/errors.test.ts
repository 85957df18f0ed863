import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CORE_ERRORS, CoreError, GenswapError, isGenswapError, NoFreeSlotError } from './errors.js';

describe('error registry', () => {
  it('the README error table lists every code with its fix, and nothing else', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `(GENSWAP_[A-Z_]+)` \| [^|]+ \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(CORE_ERRORS);
  });

  it('errors carry code, fix and cause, and print their code', () => {
    const cause = new Error('inner');
    const err = new CoreError('GENSWAP_STORE_CLOSED', 'closed', { cause });
    expect(err).toBeInstanceOf(GenswapError);
    expect(err.name).toBe('CoreError');
    expect(err.fix).toBe(CORE_ERRORS.GENSWAP_STORE_CLOSED);
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('CoreError [GENSWAP_STORE_CLOSED]: closed');
    expect(isGenswapError(err, 'GENSWAP_STORE_CLOSED')).toBe(true);
    expect(isGenswapError(err, 'GENSWAP_NO_FREE_SLOT')).toBe(false);
    expect(isGenswapError(new Error('x'))).toBe(false);
  });

  it('NoFreeSlotError names each pinned generation, its pins and threads', () => {
    const err = new NoFreeSlotError([{ slot: 2, generation: 7, pins: 3, threadIds: [4, 5] }], 120.4);
    expect(err.message).toBe('no free slot after 120 ms: still pinned: generation 7 (slot 2, 3 pins by thread 4, 5)');
  });
});
