import { isUtf8 } from 'node:buffer';
import type { ConfigErrorCode } from './errors.js';

/** Text of a file, or where and why its bytes are not text. Line and column are 1-based. */
export type DecodeResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly code: ConfigErrorCode; readonly reason: string; readonly line: number; readonly column: number };

// C0 controls other than tab, LF and CR, and DEL: YAML forbids them and no list entry needs them.
const CONTROL = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/;

/**
 * Checks raw bytes are UTF-8 text and decodes them (dropping a UTF-8 byte order mark). Checked
 * in this order so the message names the likely cause: UTF-16 mark, NUL (binary), invalid UTF-8,
 * other control characters.
 */
export function decodeText(bytes: Buffer): DecodeResult {
  const notText = notTextBytes(bytes);
  if (notText !== undefined) return notText;
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return controlCharacter(text) ?? { ok: true, text };
}

/**
 * decodeText's checks on the bytes alone (UTF-16 mark, NUL, invalid UTF-8), without decoding:
 * what a byte-level reader (list-scan.ts) checks first, control characters being its own job.
 */
export function notTextBytes(bytes: Buffer): (DecodeResult & { ok: false }) | undefined {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    return { ok: false, code: 'GENSWAP_CONFIG_NOT_UTF8', reason: 'file is UTF-16 (it starts with a UTF-16 byte order mark)', line: 1, column: 1 };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, code: 'GENSWAP_CONFIG_BINARY', reason: 'binary content: NUL byte', ...bytePosition(bytes, nul) };
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    const byte = bytes[bad] ?? 0;
    return { ok: false, code: 'GENSWAP_CONFIG_NOT_UTF8', reason: `not UTF-8: invalid byte 0x${byte.toString(16).padStart(2, '0')}`, ...bytePosition(bytes, bad) };
  }
  return undefined;
}

/** The first control character YAML and list files may not hold (NUL included), if any. */
export function controlCharacter(text: string): DecodeResult | undefined {
  const control = CONTROL.exec(text);
  if (control === null) return undefined;
  const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  const what = code === '0000' ? 'NUL byte' : `control character U+${code}`;
  return { ok: false, code: 'GENSWAP_CONFIG_BINARY', reason: `binary content: ${what}`, ...textPosition(text, control.index) };
}

/** 1-based line and column (in UTF-16 code units, like the YAML positions) of a string offset. */
export function textPosition(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** Position of a byte offset; the bytes before it are valid UTF-8 (the offset is the first bad one). */
function bytePosition(bytes: Buffer, offset: number): { line: number; column: number } {
  // lastIndexOf with a negative start would search from the end.
  const lineStart = offset === 0 ? 0 : bytes.lastIndexOf(0x0a, offset - 1) + 1;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < lineStart; i = bytes.indexOf(0x0a, i + 1)) line++;
  const before = offset > lineStart ? bytes.toString('utf8', lineStart, offset) : '';
  return { line, column: before.length + 1 };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const extra = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (extra < 0) return i;
    const b1 = bytes[i + 1];
    if (b1 === undefined) return i;
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are excluded by the second byte.
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 > 0x9f) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 > 0x8f)) return i;
    for (let k = 1; k <= extra; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return -1;
}
