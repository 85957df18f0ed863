import { describe, expect, it } from 'vitest';
import { decodeText, firstInvalidUtf8, textPosition } from './decode-text.js';

describe('decodeText', () => {
  it('decodes UTF-8 and drops a UTF-8 byte order mark', () => {
    expect(decodeText(Buffer.from('\uFEFFa: café\n'))).toEqual({ ok: true, text: 'a: café\n' });
  });

  it('locates the first invalid UTF-8 byte by line and column', () => {
    const bytes = Buffer.concat([Buffer.from('a: 1\nb: é'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    expect(decodeText(bytes)).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_NOT_UTF8', line: 2, column: 5 });
  });

  it('calls a NUL byte binary, before judging the encoding', () => {
    const bytes = Buffer.from([0x61, 0x0a, 0x62, 0x00, 0xff]);
    expect(decodeText(bytes)).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_BINARY', line: 2, column: 2 });
  });

  it('refuses control characters but keeps tab, CR and LF', () => {
    expect(decodeText(Buffer.from('a:\tb\r\n'))).toMatchObject({ ok: true });
    expect(decodeText(Buffer.from('a: b\x1b[0m\n'))).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_BINARY', line: 1, column: 5 });
  });

  it('recognises UTF-16 by its byte order mark', () => {
    expect(decodeText(Buffer.from('\uFEFFa: 1', 'utf16le'))).toMatchObject({ ok: false, code: 'GENSWAP_CONFIG_NOT_UTF8', line: 1, column: 1 });
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['valid mix', [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1],
    ['lone continuation byte', [0x61, 0x80], 1],
    ['overlong two-byte form', [0xc0, 0xaf], 0],
    ['overlong three-byte form', [0xe0, 0x80, 0xaf], 0],
    ['UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['truncated sequence', [0x61, 0x62, 0xe2, 0x82], 2],
  ])('%s', (_name, bytes, expected) => {
    expect(firstInvalidUtf8(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe('textPosition', () => {
  it('is 1-based and counts columns from the last newline', () => {
    expect(textPosition('ab\ncd\nef', 0)).toEqual({ line: 1, column: 1 });
    expect(textPosition('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
    expect(textPosition('ab\ncd\nef', 6)).toEqual({ line: 3, column: 1 });
  });
});
