import { FAMILY_V4, FAMILY_V6, formatIPv4, formatIPv6, isMappedIPv4, parseIPv4, parseIPv6 } from './ip-address.js';

/**
 * CIDR parsing. `a.b.c.d/len`, `ipv6/len`, or a bare address (a single host).
 *
 * Host bits after the prefix must be zero: `1.2.3.4/2` is far more often a typo than a wish to
 * block a quarter of the Internet, so it is rejected with the network the user probably meant.
 * An IPv4-mapped block (`::ffff:192.0.2.0/120`) becomes the IPv4 block it maps
 * (`192.0.2.0/24`), because lookups see mapped peers as IPv4.
 */

export type CidrFamily = typeof FAMILY_V4 | typeof FAMILY_V6;

/**
 * Where parseCidr writes the block's bounds:
 * IPv4: out[0] = first address, out[1] = last address.
 * IPv6: out[0..3] = first address, out[4..7] = last address (most significant word first).
 */
export type CidrBounds = Uint32Array;

export function newCidrBounds(): CidrBounds {
  return new Uint32Array(8);
}

const address = new Uint32Array(4);

/** Mask of the top `bits` bits of a 32-bit word (0 <= bits <= 32), as an unsigned number. */
function highMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function parsePrefix(text: string, from: number, max: number): number {
  const length = text.length - from;
  if (length < 1 || length > 3) return -1;
  let value = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  if (length > 1 && text.charCodeAt(from) === 48) return -1;
  return value <= max ? value : -2;
}

/**
 * Parses one CIDR block into `out`. Returns its family, or a message saying what is wrong.
 * Allocates nothing on success, so compiling a million-line list stays cheap.
 */
export function parseCidr(text: string, out: CidrBounds): CidrFamily | string {
  const slash = text.indexOf('/');
  const addressEnd = slash < 0 ? text.length : slash;
  if (addressEnd === 0) return `"${text}" has no address before the prefix length`;
  const isV6 = text.indexOf(':') >= 0 && text.indexOf(':') < addressEnd;

  if (!isV6) {
    const value = parseIPv4(text, 0, addressEnd);
    if (value < 0) return `"${text.slice(0, addressEnd)}" is not an IPv4 or IPv6 address`;
    const prefix = slash < 0 ? 32 : parsePrefix(text, slash + 1, 32);
    if (prefix === -2) return `prefix length in "${text}" is out of range for IPv4 (0 to 32)`;
    if (prefix < 0) return `prefix length in "${text}" is not a number from 0 to 32`;
    const mask = highMask(prefix);
    const first = (value & mask) >>> 0;
    if (first !== value) return `"${text}" has host bits set after /${prefix}: write ${formatIPv4(first)}/${prefix}`;
    out[0] = first;
    out[1] = (first | ~mask) >>> 0;
    return FAMILY_V4;
  }

  if (!parseIPv6(text, address, 0, addressEnd)) return `"${text.slice(0, addressEnd)}" is not an IPv4 or IPv6 address`;
  if (text.indexOf('%') >= 0) return `"${text}" has a zone index (%...), which a CIDR block cannot have`;
  const prefix = slash < 0 ? 128 : parsePrefix(text, slash + 1, 128);
  if (prefix === -2) return `prefix length in "${text}" is out of range for IPv6 (0 to 128)`;
  if (prefix < 0) return `prefix length in "${text}" is not a number from 0 to 128`;
  let hostBits = false;
  for (let k = 0; k < 4; k++) {
    const mask = highMask(prefix - 32 * k);
    const word = address[k]!;
    const first = (word & mask) >>> 0;
    if (first !== word) hostBits = true;
    out[k] = first;
    out[4 + k] = (first | ~mask) >>> 0;
  }
  if (hostBits) return `"${text}" has host bits set after /${prefix}: write ${formatIPv6(out)}/${prefix}`;
  if (prefix >= 96 && isMappedIPv4(out)) {
    out[0] = out[3]!;
    out[1] = out[7]!;
    return FAMILY_V4;
  }
  return FAMILY_V6;
}
