/**
 * IP address parsing without allocation on the request path.
 *
 * An address is written into a caller-owned `Uint32Array(4)`:
 * - IPv4: word 0 holds the address as an unsigned 32-bit number.
 * - IPv6: words 0..3 hold the 128 bits, most significant word first, so comparing words in
 *   order compares addresses.
 * An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, `::ffff:0102:0304`) is returned as the IPv4
 * address it maps: a dual-stack socket reports IPv4 peers that way, and a blocklist entry
 * `203.0.113.7` must match them.
 */

export const FAMILY_NONE = 0;
export const FAMILY_V4 = 4;
export const FAMILY_V6 = 6;
export type Family = typeof FAMILY_NONE | typeof FAMILY_V4 | typeof FAMILY_V6;

const CH_0 = 48;
const CH_9 = 57;
const CH_DOT = 46;
const CH_COLON = 58;
const CH_PERCENT = 37;

/** Scratch for IPv6 groups; parsing is synchronous, so one per thread is enough. */
const groups = new Uint16Array(8);

/**
 * Parses `text[start, end)` as dotted-quad IPv4. Returns the address as an unsigned 32-bit
 * number, or -1. Leading zeros are rejected (`010.0.0.1` is octal to some parsers, decimal
 * to others: refusing it removes the ambiguity).
 */
export function parseIPv4(text: string, start = 0, end = text.length): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let leadingZero = false;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= CH_0 && c <= CH_9) {
      if (leadingZero) return -1;
      if (digits === 0 && c === CH_0) leadingZero = true;
      part = part * 10 + (c - CH_0);
      if (part > 255) return -1;
      digits++;
    } else if (c === CH_DOT) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      leadingZero = false;
      dots++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= CH_0 && c <= CH_9) return c - CH_0;
  const lower = c | 0x20;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Parses `text[start, end)` as IPv6 (with `::` compression, an embedded dotted IPv4 tail and
 * an optional `%zone` suffix, which is ignored) into `out[0..3]`. Returns false if it is not
 * an IPv6 address.
 */
export function parseIPv6(text: string, out: Uint32Array, start = 0, end = text.length): boolean {
  const zone = text.indexOf('%', start);
  if (zone >= 0 && zone < end) {
    if (zone === end - 1) return false;
    end = zone;
  }
  if (end - start < 2) return false;
  let count = 0; // groups written
  let gap = -1; // group index where `::` stands
  let i = start;
  if (text.charCodeAt(i) === CH_COLON) {
    if (text.charCodeAt(i + 1) !== CH_COLON) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    // One group: up to 4 hex digits, or a dotted IPv4 tail taking two groups.
    let value = 0;
    let digits = 0;
    const groupStart = i;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      digits++;
      i++;
    }
    if (i < end && text.charCodeAt(i) === CH_DOT) {
      if (count > 6) return false;
      const v4 = parseIPv4(text, groupStart, end);
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    groups[count++] = value;
    if (i === end) break;
    if (text.charCodeAt(i) !== CH_COLON) return false;
    i++;
    if (i < end && text.charCodeAt(i) === CH_COLON) {
      if (gap >= 0) return false; // a second `::`
      gap = count;
      i++;
    } else if (i === end) {
      return false; // trailing single colon
    }
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count > 7) return false; // `::` must stand for at least one group
    const tail = count - gap;
    for (let k = 1; k <= tail; k++) groups[8 - k] = groups[count - k]!;
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  out[0] = groups[0]! * 0x10000 + groups[1]!;
  out[1] = groups[2]! * 0x10000 + groups[3]!;
  out[2] = groups[4]! * 0x10000 + groups[5]!;
  out[3] = groups[6]! * 0x10000 + groups[7]!;
  return true;
}

/** True when the IPv6 value in `words` lies in ::ffff:0:0/96 (an IPv4-mapped address). */
export function isMappedIPv4(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/**
 * Parses an IPv4 or IPv6 address into `out` and returns its family (FAMILY_NONE if neither).
 * IPv4-mapped IPv6 comes back as FAMILY_V4 with the IPv4 value in out[0].
 */
export function parseIp(text: string, out: Uint32Array): Family {
  const end = text.length;
  if (end === 0) return FAMILY_NONE;
  // A colon means IPv6; anything else must be dotted IPv4.
  let colon = false;
  for (let i = 0; i < end && i < 5; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_COLON) {
      colon = true;
      break;
    }
    if (c === CH_DOT || c === CH_PERCENT) break;
  }
  if (!colon) {
    const v4 = parseIPv4(text, 0, end);
    if (v4 < 0) return FAMILY_NONE;
    out[0] = v4;
    return FAMILY_V4;
  }
  if (!parseIPv6(text, out, 0, end)) return FAMILY_NONE;
  if (isMappedIPv4(out)) {
    out[0] = out[3]!;
    return FAMILY_V4;
  }
  return FAMILY_V6;
}

/** Formats an IPv4 number as dotted quad (diagnostics and tests). */
export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

/** Formats four IPv6 words in full, uncompressed, lower-case form (diagnostics and tests). */
export function formatIPv6(words: ArrayLike<number>, offset = 0): string {
  const parts: string[] = [];
  for (let k = 0; k < 4; k++) {
    const w = words[offset + k]! >>> 0;
    parts.push((w >>> 16).toString(16), (w & 0xffff).toString(16));
  }
  return parts.join(':');
}
