import { type Codec, deepFreeze } from '@genswap/core';
import type { GatewayConfig, GatewayLists, GatewaySettings } from '../config/gateway-config.js';
import { GatewayError } from '../errors.js';
import { type IpRanges, V4_WORDS, V6_WORDS } from '../ip/ip-ranges.js';
import {
  alignUp,
  CHECKSUM_BYTES,
  HEADER_BYTES,
  kJsonLength,
  kJsonOffset,
  kMagic,
  kTableCount,
  kTableDirectory,
  kTableEntryWords,
  kVersion,
  MAGIC,
  TABLE_ALIGN,
  TABLE_ALLOW_V4,
  TABLE_ALLOW_V6,
  TABLE_COUNT,
  TABLE_DENY_V4,
  TABLE_DENY_V6,
  TABLE_TRUSTED_V4,
  TABLE_TRUSTED_V6,
  VERSION,
} from './layout.js';

/**
 * The zero-copy codec of the gateway (layout in ./layout.ts).
 *
 * `decode` parses only the small settings JSON; the range tables come back as Uint32Array
 * views over the bytes it was given, which in a worker are the generation's slot in shared
 * memory. So a million-entry list costs a worker no heap and no decode time, and every worker
 * searches the same single copy. Such views are valid only while the lease of the task that
 * received them is held: after release the slot may be rewritten with another generation.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function tablesOf(lists: GatewayLists): Uint32Array[] {
  const t: Uint32Array[] = [];
  t[TABLE_ALLOW_V4] = lists.allow.v4;
  t[TABLE_ALLOW_V6] = lists.allow.v6;
  t[TABLE_DENY_V4] = lists.deny.v4;
  t[TABLE_DENY_V6] = lists.deny.v6;
  t[TABLE_TRUSTED_V4] = lists.trustedProxies.v4;
  t[TABLE_TRUSTED_V6] = lists.trustedProxies.v6;
  return t;
}

export function encodeGateway(value: GatewayConfig): Uint8Array {
  const json = encoder.encode(JSON.stringify(value.settings));
  const tables = tablesOf(value.lists);
  const offsets: number[] = [];
  let end = alignUp(HEADER_BYTES + json.byteLength, TABLE_ALIGN);
  for (const table of tables) {
    offsets.push(end);
    end = alignUp(end + table.byteLength, TABLE_ALIGN); // L1
  }
  if (end > 0xffff_ffff) throw new GatewayError('GENSWAP_GATEWAY_BAD_ENCODING', `encoded gateway config would be ${end} bytes, more than 4 GiB`);
  const bytes = new Uint8Array(end);
  const header = new Uint32Array(bytes.buffer, 0, HEADER_BYTES / 4); // L2: platform order
  header[kMagic] = MAGIC;
  header[kVersion] = VERSION;
  header[kJsonOffset] = HEADER_BYTES;
  header[kJsonLength] = json.byteLength;
  header[kTableCount] = TABLE_COUNT;
  bytes.set(json, HEADER_BYTES);
  tables.forEach((table, t) => {
    header[kTableDirectory + kTableEntryWords * t] = offsets[t]!;
    header[kTableDirectory + kTableEntryWords * t + 1] = table.length;
    new Uint32Array(bytes.buffer, offsets[t]!, table.length).set(table);
  });
  return bytes;
}

function bad(message: string): GatewayError {
  return new GatewayError('GENSWAP_GATEWAY_BAD_ENCODING', message);
}

/**
 * L3/L4 without reading the whole table: bounds, a whole number of ranges, and ascending order
 * at up to 32 evenly spread points. Catches a misplaced or truncated table for O(1) work.
 */
function checkOrder(table: Uint32Array, words: number, name: string): void {
  const ranges = table.length / words;
  if (!Number.isInteger(ranges)) throw bad(`table ${name} has ${table.length} words, not a multiple of ${words}`);
  const step = Math.max(1, Math.floor(ranges / 32));
  for (let i = step; i < ranges; i += step) {
    // Compare the most significant word of the previous range's end with this range's start.
    if (table[(i - 1) * words + words / 2]! > table[i * words]!) throw bad(`table ${name} is not sorted at range ${i}`);
  }
}

function viewTable(bytes: Uint8Array, header: Uint32Array, t: number, words: number, name: string): Uint32Array {
  const offset = header[kTableDirectory + kTableEntryWords * t]!;
  const length = header[kTableDirectory + kTableEntryWords * t + 1]!;
  if (offset % TABLE_ALIGN !== 0 || offset + length * 4 > bytes.byteLength) {
    throw bad(`table ${name} (offset ${offset}, ${length} words) lies outside the ${bytes.byteLength} encoded bytes`);
  }
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset + offset, length);
  checkOrder(view, words, name);
  return view;
}

export function decodeGateway(input: Uint8Array): GatewayConfig {
  // L1: views need 4-byte alignment. Core slots start at byte 0, so this copy never happens
  // there; it keeps the codec usable on arbitrary byte views (at the cost of zero-copy).
  const bytes = input.byteOffset % 4 === 0 ? input : input.slice();
  if (bytes.byteLength < HEADER_BYTES) throw bad(`${bytes.byteLength} bytes is shorter than the ${HEADER_BYTES}-byte header`);
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_BYTES / 4);
  if (header[kMagic] !== MAGIC) throw bad(`magic ${header[kMagic]!.toString(16)} is not the gateway codec's`);
  if (header[kVersion] !== VERSION) throw bad(`layout version ${header[kVersion]} (this gateway reads ${VERSION})`);
  if (header[kTableCount] !== TABLE_COUNT) throw bad(`${header[kTableCount]} tables (expected ${TABLE_COUNT})`);
  const jsonOffset = header[kJsonOffset]!;
  const jsonLength = header[kJsonLength]!;
  if (jsonOffset + jsonLength > bytes.byteLength) throw bad('settings JSON lies outside the encoded bytes');
  const settings = deepFreeze(JSON.parse(decoder.decode(bytes.subarray(jsonOffset, jsonOffset + jsonLength))) as GatewaySettings);
  const ranges = (v4: number, v6: number, name: string): IpRanges =>
    Object.freeze({ v4: viewTable(bytes, header, v4, V4_WORDS, `${name} v4`), v6: viewTable(bytes, header, v6, V6_WORDS, `${name} v6`) });
  const lists: GatewayLists = Object.freeze({
    allow: ranges(TABLE_ALLOW_V4, TABLE_ALLOW_V6, 'allow'),
    deny: ranges(TABLE_DENY_V4, TABLE_DENY_V6, 'deny'),
    trustedProxies: ranges(TABLE_TRUSTED_V4, TABLE_TRUSTED_V6, 'trustedProxies'),
  });
  return Object.freeze({ settings, lists });
}

/** The gateway's Codec for @genswap/core stores: `{ codec }` in the AppModule. */
export const gatewayCodec: Codec<GatewayConfig> = Object.freeze({
  name: 'genswap.gateway.v1',
  checksumBytes: CHECKSUM_BYTES,
  encode: encodeGateway,
  decode: decodeGateway,
});
