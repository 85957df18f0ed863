import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { livePid, readPid, readState, stateFileFor, writePidFile } from './state-file.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('pid and state files', () => {
  it('round-trips the pid, and puts the state file beside the pid file', () => {
    dir = mkdtempSync(join(tmpdir(), 'genswap-pid-'));
    const pidFile = join(dir, 'genswap.pid');
    writePidFile(pidFile);
    expect(readPid(pidFile)).toBe(process.pid);
    expect(livePid(pidFile)).toBe(process.pid);
    expect(stateFileFor(pidFile)).toBe(`${pidFile}.state.json`);
  });

  it('reports a missing, empty or stale pid file, and a missing state file, as GENSWAP_CLI_NO_SERVER', () => {
    dir = mkdtempSync(join(tmpdir(), 'genswap-pid-'));
    const pidFile = join(dir, 'genswap.pid');
    expect(() => readPid(pidFile)).toThrow(expect.objectContaining({ code: 'GENSWAP_CLI_NO_SERVER' }));
    writeFileSync(pidFile, '\n');
    expect(() => readPid(pidFile)).toThrow(/holds no pid/);
    writeFileSync(pidFile, '2147483646\n'); // above any pid_max: no such process
    expect(() => livePid(pidFile)).toThrow(/stale/);
    expect(() => readState(stateFileFor(pidFile))).toThrow(expect.objectContaining({ code: 'GENSWAP_CLI_NO_SERVER' }));
  });
});
