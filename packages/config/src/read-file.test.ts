import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileBounded, readFileBoundedSync } from './read-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'genswap-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function hasMkfifo(): boolean {
  try {
    execFileSync('mkfifo', [path.join(dir, 'probe.fifo')]);
    return true;
  } catch {
    return false;
  }
}
const canMkfifo = hasMkfifo();

// Both readers must agree on every case: the async one reads config files, the sync one lists.
const readers = [
  ['async', readFileBounded],
  ['sync', (file: string, max: number, name: string) => Promise.resolve(readFileBoundedSync(file, max, name))],
] as const;

describe.each(readers)('readFileBounded (%s)', (_kind, read) => {
  it('reads a whole file, up to exactly maxBytes', async () => {
    writeFileSync(path.join(dir, 'ten.txt'), '0123456789');
    const result = await read(path.join(dir, 'ten.txt'), 10, 'maxBytes');
    expect(result.ok && result.bytes.toString()).toBe('0123456789');
  });

  it('refuses a file one byte over maxBytes, naming the limit', async () => {
    writeFileSync(path.join(dir, 'eleven.txt'), '0123456789A');
    expect(await read(path.join(dir, 'eleven.txt'), 10, 'maxListBytes')).toEqual({
      ok: false,
      code: 'GENSWAP_CONFIG_TOO_LARGE',
      reason: 'file is 11 bytes, more than maxListBytes (10)',
    });
  });

  it('reads an empty file as zero bytes', async () => {
    writeFileSync(path.join(dir, 'empty.txt'), '');
    const result = await read(path.join(dir, 'empty.txt'), 10, 'maxBytes');
    expect(result.ok && result.bytes.length).toBe(0);
  });

  it('follows a symlink to the file', async () => {
    writeFileSync(path.join(dir, 'target.txt'), 'hello');
    symlinkSync(path.join(dir, 'target.txt'), path.join(dir, `link-${_kind}.txt`));
    const result = await read(path.join(dir, `link-${_kind}.txt`), 10, 'maxBytes');
    expect(result.ok && result.bytes.toString()).toBe('hello');
  });

  it.each([
    ['a missing file', 'nope.txt', 'GENSWAP_CONFIG_NOT_FOUND'],
    ['a path through a file', 'ten.txt/x', 'GENSWAP_CONFIG_NOT_FOUND'],
    ['a directory', '.', 'GENSWAP_CONFIG_IS_DIRECTORY'],
  ])('classifies %s', async (_what, name, code) => {
    writeFileSync(path.join(dir, 'ten.txt'), '0123456789');
    expect(await read(path.join(dir, name), 10, 'maxBytes')).toMatchObject({ ok: false, code });
  });

  it('refuses a device rather than reading it forever', async () => {
    expect(await read('/dev/zero', 10, 'maxBytes')).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_NOT_A_FILE' });
  });

  it.skipIf(!canMkfifo)('refuses a named pipe without waiting for a writer', async () => {
    const fifo = path.join(dir, `pipe-${_kind}.fifo`);
    execFileSync('mkfifo', [fifo]);
    expect(await read(fifo, 10, 'maxBytes')).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_NOT_A_FILE' });
  });
});
