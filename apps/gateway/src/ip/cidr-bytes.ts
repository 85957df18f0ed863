/**
 * The common case of a list-file line, `a.b.c.d` or `a.b.c.d/len`, parsed straight from the
 * file's bytes (no string per line). It accepts exactly what parseCidr (cidr.ts) accepts among
 * such lines and writes the same bounds; anything else (IPv6, a typo, host bits set) returns
 * false, and the caller asks parseCidr, which has the final word and the error message. So the
 * two cannot disagree on what is valid, only on how fast they say so.
 */
const CH_0 = 48;
const CH_DOT = 46;
const CH_SLASH = 47;

/** Parses `bytes[start, end)` as an IPv4 CIDR block into out[0] (first) and out[1] (last). */
export function parseCidrV4Bytes(bytes: Uint8Array, start: number, end: number, out: Uint32Array): boolean {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = start;
  for (; i < end; i++) {
    const c = bytes[i]! - CH_0;
    if (c >= 0 && c <= 9) {
      if (digits > 0 && part === 0) return false; // a leading zero (parseIPv4 refuses 010)
      part = part * 10 + c;
      if (part > 255) return false;
      digits++;
    } else if (c === CH_DOT - CH_0) {
      if (digits === 0 || dots === 3) return false;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (dots !== 3 || digits === 0) return false;
  value = value * 256 + part;
  let prefix = 32;
  if (i < end) {
    if (bytes[i] !== CH_SLASH) return false;
    const length = end - i - 1;
    if (length < 1 || length > 2) return false;
    const d0 = bytes[i + 1]! - CH_0;
    if (d0 < 0 || d0 > 9) return false;
    if (length === 1) prefix = d0;
    else {
      const d1 = bytes[i + 2]! - CH_0;
      if (d0 === 0 || d1 < 0 || d1 > 9) return false;
      prefix = d0 * 10 + d1;
      if (prefix > 32) return false;
    }
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((value & mask) >>> 0 !== value) return false; // host bits set: parseCidr says what to write
  out[0] = value;
  out[1] = (value | ~mask) >>> 0;
  return true;
}

const CH_NEWLINE = 10;
const CH_CR = 13;

/**
 * The fast path of a list-file compiler: when the line starting at `pos` is exactly one IPv4
 * block (`a.b.c.d` or `a.b.c.d/len`, then `\n`, `\r\n` or the end of the bytes), writes its
 * bounds into `out` and returns where the next line starts. Anything else (blanks, a comment,
 * IPv6, a bad entry, a control character) returns -1 and the line goes the general way
 * (scanListBytes and parseCidr), so this path accepts only lines holding nothing to refuse.
 * One pass: each byte is looked at once (parseCidrV4Bytes' rules, inlined by hand).
 */
export function parseCidrV4Line(bytes: Uint8Array, pos: number, length: number, out: Uint32Array): number {
  // Unrolled per octet (one to three digits, then a dot): a million-line list spends most of
  // its compile here, and this shape is about twice as fast as a loop over a digit state.
  let i = pos;
  let value = 0;
  let c = 0;
  for (let octet = 0; ; octet++) {
    if (i >= length) return -1;
    let part = bytes[i]! - CH_0;
    if (part < 0 || part > 9) return -1;
    i++;
    if (i < length && (c = bytes[i]! - CH_0) >= 0 && c <= 9) {
      if (part === 0) return -1; // a leading zero (parseIPv4 refuses 010)
      part = part * 10 + c;
      i++;
      if (i < length && (c = bytes[i]! - CH_0) >= 0 && c <= 9) {
        part = part * 10 + c;
        i++;
        if (part > 255) return -1;
      }
    }
    value = value * 256 + part;
    if (octet === 3) break;
    if (i >= length || bytes[i] !== CH_DOT) return -1; // a fourth digit lands here too
    i++;
  }
  let prefix = 32;
  if (i < length && bytes[i] === CH_SLASH) {
    i++;
    const d0 = i < length ? bytes[i]! - CH_0 : -1;
    if (d0 < 0 || d0 > 9) return -1;
    prefix = d0;
    i++;
    const d1 = i < length ? bytes[i]! - CH_0 : -1;
    if (d1 >= 0 && d1 <= 9) {
      if (d0 === 0) return -1;
      prefix = d0 * 10 + d1;
      if (prefix > 32) return -1;
      i++;
    }
  }
  let next: number;
  if (i === length) next = length;
  else if (bytes[i] === CH_NEWLINE) next = i + 1;
  else if (bytes[i] === CH_CR && bytes[i + 1] === CH_NEWLINE) next = i + 2;
  else return -1;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((value & mask) >>> 0 !== value) return -1;
  out[0] = value;
  out[1] = (value | ~mask) >>> 0;
  return next;
}
