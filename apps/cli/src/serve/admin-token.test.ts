import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAdminToken } from './admin-token.js';

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-admin-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readAdminToken', () => {
  it('reads a token from a file or an environment variable, trimmed', () => {
    writeFileSync(path.join(dir, 'token'), '  abc123\n');
    expect(readAdminToken({ adminTokenFile: path.join(dir, 'token') })).toBe('abc123');
    expect(readAdminToken({ adminTokenEnv: 'T' }, { T: 'xyz\n' })).toBe('xyz');
    expect(readAdminToken({})).toBeUndefined();
  });

  it('refuses both sources, a missing file or variable, and an empty token, as usage errors', () => {
    writeFileSync(path.join(dir, 'empty'), '\n');
    const cases = [
      () => readAdminToken({ adminTokenFile: path.join(dir, 'token'), adminTokenEnv: 'T' }, { T: 'x' }),
      () => readAdminToken({ adminTokenFile: path.join(dir, 'nowhere') }),
      () => readAdminToken({ adminTokenEnv: 'UNSET_FOR_SURE' }, {}),
      () => readAdminToken({ adminTokenFile: path.join(dir, 'empty') }),
      () => readAdminToken({ adminTokenEnv: 'T' }, { T: '  ' }),
    ];
    for (const call of cases) expect(call).toThrow(expect.objectContaining({ code: 'GENSWAP_USAGE' }));
  });
});
