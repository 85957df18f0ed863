import { describe, expect, it } from 'vitest';
import type { ReloadRecord } from '@genswap/supervisor';
import { formatReload } from './format.js';

const base = { startedAt: '2026-01-01T00:00:00.000Z', triggers: ['signal' as const] };

describe('formatReload', () => {
  it('says which generation serves, how long it took, and how many requests it served', () => {
    const ok: ReloadRecord = { ...base, ok: true, id: 4, generation: 3, durationMs: 4.25, files: ['/c.yaml'], requests: 5 };
    expect(formatReload(ok)).toEqual({ summary: 'reloaded: generation 3 is serving (4.25 ms, reload #4, 5 requests coalesced)', problems: [] });
  });

  it('lists problems as file:line:col: path: message [code]', () => {
    const failed: ReloadRecord = {
      ...base,
      ok: false,
      id: 2,
      generation: 1,
      durationMs: 1,
      requests: 1,
      problems: [
        { file: '/c.yaml', line: 3, column: 7, path: 'ip.deny[0]', message: 'not an address', code: 'GENSWAP_X' },
        { file: '/l.txt', line: 9, column: 1, path: '', message: 'bad entry', code: 'GENSWAP_Y' },
      ],
    };
    expect(formatReload(failed)).toEqual({
      summary: 'reload failed (2 problems): generation 1 keeps serving (1 ms, reload #2)',
      problems: ['/c.yaml:3:7: ip.deny[0]: not an address [GENSWAP_X]', '/l.txt:9:1: bad entry [GENSWAP_Y]'],
    });
  });
});
