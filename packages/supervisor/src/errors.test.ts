import { readFileSync } from 'node:fs';
import { GenswapError } from '@genswap/core';
import { describe, expect, it } from 'vitest';
import { SUPERVISOR_ERRORS, SupervisorError, TaskFailedError } from './errors.js';

describe('supervisor error registry', () => {
  it('the README error table lists every code with its fix, and nothing else', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const rows = [...readme.matchAll(/^\| `(GENSWAP_[A-Z_]+)` \| [^|]+ \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(SUPERVISOR_ERRORS);
  });

  it('errors carry their code and fix; a handler failure names its generation and thread', () => {
    const err = new SupervisorError('GENSWAP_SUPERVISOR_CLOSED', 'closed');
    expect(err).toBeInstanceOf(GenswapError);
    expect(err.fix).toBe(SUPERVISOR_ERRORS.GENSWAP_SUPERVISOR_CLOSED);
    const failed = new TaskFailedError(7, 3, { name: 'TypeError', message: 'x is undefined' });
    expect(failed.message).toBe('handler failed on generation 7 in thread 3: TypeError: x is undefined');
    expect(failed).toMatchObject({ code: 'GENSWAP_TASK_FAILED', generation: 7, threadId: 3 });
  });
});
