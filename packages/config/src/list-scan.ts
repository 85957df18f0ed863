import type { ConfigErrorCode } from './errors.js';

const NEWLINE = 10;
const HASH = 35;
const SPACE = 32;
const TAB = 9;
const CR = 13;
const DEL = 0x7f;

/**
 * Called once per entry of a list file: `bytes[start, end)` is the entry (surrounding blanks
 * trimmed, comment cut), on 1-based `line`, starting at 1-based byte `column`.
 */
export type ListEntryVisitor = (start: number, end: number, line: number, column: number) => void;

export interface ListScanProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly code: ConfigErrorCode;
}

/**
 * The byte-level twin of splitList (list-file.ts): the same entries (one per line, spaces, tabs
 * and CR trimmed, `#` to the end of the line a comment, blank lines skipped), found in the raw
 * bytes with no string made per line. The bytes are valid UTF-8 (the caller checked with
 * isUtf8), so every byte below 0x80 is the character it encodes and a multi-byte sequence never
 * holds a newline, `#` or blank.
 *
 * It also refuses what decodeText refuses as binary (C0 controls other than tab, LF and CR, and
 * DEL), in the same pass: a million lines cost one walk over the bytes, not three. Returns the
 * first such problem (the visitor has seen the entries before it), or undefined.
 *
 * `from`, `to` and `firstLine` scan part of the bytes: `from` must be the start of line
 * `firstLine` (a compiler with a fast path of its own hands the lines it does not recognise here).
 */
export function scanListBytes(bytes: Uint8Array, visit: ListEntryVisitor, from = 0, to = bytes.length, firstLine = 1): ListScanProblem | undefined {
  const length = to;
  // A UTF-8 byte order mark is not part of the first entry.
  let pos = from === 0 && length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : from;
  let line = firstLine;
  let lineStart = pos;
  let start = -1; // first byte of the entry on this line, -1 before it
  let end = 0; // one past its last non-blank byte
  let inComment = false;
  for (; pos < length; pos++) {
    const c = bytes[pos]!;
    if (c === NEWLINE) {
      if (start >= 0) visit(start, end, line, start - lineStart + 1);
      line++;
      lineStart = pos + 1;
      start = -1;
      inComment = false;
      continue;
    }
    if (c < SPACE || c === DEL) {
      if (c === TAB || c === CR) continue;
      return controlProblem(bytes, c, line, lineStart, pos);
    }
    if (inComment || c === SPACE) continue;
    if (c === HASH) {
      inComment = true;
      continue;
    }
    if (start < 0) start = pos;
    end = pos + 1;
  }
  if (start >= 0) visit(start, end, line, start - lineStart + 1);
  return undefined;
}

function controlProblem(bytes: Uint8Array, c: number, line: number, lineStart: number, at: number): ListScanProblem {
  const hex = c.toString(16).toUpperCase().padStart(4, '0');
  // The column in UTF-16 code units, like every other position genswap reports.
  const before = at > lineStart ? Buffer.from(bytes.buffer, bytes.byteOffset + lineStart, at - lineStart).toString('utf8') : '';
  return { line, column: before.length + 1, message: `binary content: ${c === 0 ? 'NUL byte' : `control character U+${hex}`}`, code: 'GENSWAP_CONFIG_BINARY' };
}
