import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import type { ConfigErrorCode } from './errors.js';

/** The whole file in memory, or why it could not be read. */
export type ReadResult =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly code: ConfigErrorCode; readonly reason: string };

// O_NONBLOCK: opening a FIFO for reading would otherwise block until a writer shows up; it has
// no effect on regular files, and anything that is not a regular file is refused after fstat.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

function failure(code: ConfigErrorCode, reason: string): ReadResult {
  return { ok: false, code, reason };
}

function openFailure(err: unknown): ReadResult {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return failure('GENSWAP_CONFIG_NOT_FOUND', 'file not found');
    case 'EISDIR':
      return failure('GENSWAP_CONFIG_IS_DIRECTORY', 'is a directory, not a file');
    case 'EACCES':
    case 'EPERM':
      return failure('GENSWAP_CONFIG_UNREADABLE', 'permission denied');
    default:
      return failure('GENSWAP_CONFIG_UNREADABLE', `cannot read: ${code ?? String(err)}`);
  }
}

/** Checks taken on the open descriptor, so the file judged is the file read. */
function statFailure(stat: Stats, maxBytes: number, limitName: string): ReadResult | undefined {
  if (stat.isDirectory()) return failure('GENSWAP_CONFIG_IS_DIRECTORY', 'is a directory, not a file');
  if (!stat.isFile()) return failure('GENSWAP_CONFIG_NOT_A_FILE', 'is not a regular file (pipe, socket or device)');
  if (stat.size > maxBytes) return tooLarge(stat.size, maxBytes, limitName);
  return undefined;
}

function tooLarge(size: number | string, maxBytes: number, limitName: string): ReadResult {
  return failure('GENSWAP_CONFIG_TOO_LARGE', `file is ${size} bytes, more than ${limitName} (${maxBytes})`);
}

/**
 * Reads go into a buffer one byte larger than allowed, so a file that grew after fstat is caught as
 * too large instead of being cut short. Returns the buffer to keep reading into, or the result.
 */
function afterRead(buf: Buffer, total: number, n: number, maxBytes: number, limitName: string): Buffer | ReadResult {
  if (n === 0) return { ok: true, bytes: buf.subarray(0, total) };
  if (total + n > maxBytes) return tooLarge(`more than ${maxBytes}`, maxBytes, limitName);
  if (total + n < buf.length) return buf;
  // The file grew after fstat but is still in bounds: make room.
  const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
  buf.copy(bigger, 0, 0, total + n);
  return bigger;
}

/**
 * Reads a whole file once, size-checked first on the open descriptor, then read bounded. Parsing
 * happens on this one in-memory copy: a file renamed over mid-load cannot mix two versions.
 */
export async function readFileBounded(file: string, maxBytes: number, limitName: string): Promise<ReadResult> {
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (err) {
    return openFailure(err);
  }
  try {
    const stat = await handle.stat();
    const refused = statFailure(stat, maxBytes, limitName);
    if (refused) return refused;
    let buf: Buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    for (let total = 0; ; ) {
      const { bytesRead } = await handle.read(buf, total, buf.length - total, null);
      const next = afterRead(buf, total, bytesRead, maxBytes, limitName);
      if (!Buffer.isBuffer(next)) return next;
      buf = next;
      total += bytesRead;
    }
  } catch (err) {
    return openFailure(err);
  } finally {
    await handle.close();
  }
}

/** The synchronous twin, for list files read from a compile step. */
export function readFileBoundedSync(file: string, maxBytes: number, limitName: string): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (err) {
    return openFailure(err);
  }
  try {
    const stat = fstatSync(fd);
    const refused = statFailure(stat, maxBytes, limitName);
    if (refused) return refused;
    let buf: Buffer = Buffer.allocUnsafe(Math.min(stat.size, maxBytes) + 1);
    for (let total = 0; ; ) {
      const bytesRead = readSync(fd, buf, total, buf.length - total, null);
      // Exactly the size fstat gave, and short of the one byte more asked for: that is the end
      // (the read that would return 0 is one syscall too many for a small config).
      if (total + bytesRead === stat.size && total + bytesRead < buf.length) return { ok: true, bytes: buf.subarray(0, stat.size) };
      const next = afterRead(buf, total, bytesRead, maxBytes, limitName);
      if (!Buffer.isBuffer(next)) return next;
      buf = next;
      total += bytesRead;
    }
  } catch (err) {
    return openFailure(err);
  } finally {
    closeSync(fd);
  }
}
