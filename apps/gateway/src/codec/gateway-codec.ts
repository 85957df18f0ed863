import { type Codec, deepFreeze, type EncodedPart, type EncodedParts, joinParts } from '@genswap/core';
import type { GatewayConfig, GatewayLists, GatewaySettings } from '../config/gateway-config.js';
import { GatewayError } from '../errors.js';
import { emptyRanges, type IpRanges, type RangeList, V4_WORDS, V6_WORDS } from '../ip/ip-ranges.js';
import {
  alignUp,
  CHECKSUM_BYTES,
  headerBytes,
  kDirectory,
  KEYED_ALIGN,
  kJsonLength,
  kJsonOffset,
  kMagic,
  kSourceCount,
  kSourceList,
  kSourceV4Offset,
  kSourceV4Words,
  kSourceV6Offset,
  kSourceV6Words,
  kSourceWords,
  kVersion,
  LIST_ALLOW,
  LIST_DENY,
  LIST_NAMES,
  LIST_TRUSTED,
  MAGIC,
  TABLE_ALIGN,
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
 *
 * `encodeParts` hands the store a list file's tables as keyed parts, so an unchanged list is
 * neither copied into a new buffer nor, once a slot holds it, into the slot again.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

interface Source {
  readonly list: number;
  readonly ranges: IpRanges;
}

function sourcesOf(lists: GatewayLists): Source[] {
  const out: Source[] = [];
  const add = (list: number, sets: RangeList): void => {
    for (const ranges of sets) if (ranges.v4.length > 0 || ranges.v6.length > 0) out.push({ list, ranges });
  };
  add(LIST_ALLOW, lists.allow);
  add(LIST_DENY, lists.deny);
  add(LIST_TRUSTED, [lists.trustedProxies]);
  return out;
}

function bytesOf(table: Uint32Array): Uint8Array {
  return new Uint8Array(table.buffer, table.byteOffset, table.byteLength);
}

export function encodeGatewayParts(value: GatewayConfig): EncodedParts {
  const json = JSON.stringify(value.settings);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  const sources = sourcesOf(value.lists);
  const head = headerBytes(sources.length);
  // Where each source's tables go: unkeyed ones right after the JSON (inside the checksummed
  // prefix when small), keyed ones from the next KEYED_ALIGN boundary on (L3, L5).
  const v4At: number[] = [];
  const v6At: number[] = [];
  let end = alignUp(head + jsonBytes, TABLE_ALIGN);
  const place = (table: Uint32Array): number => {
    const offset = end;
    end = alignUp(end + table.byteLength, TABLE_ALIGN); // L1
    return offset;
  };
  const placeSources = (keyed: boolean): void => {
    for (let i = 0; i < sources.length; i++) {
      const { ranges } = sources[i]!;
      if ((ranges.key !== undefined) !== keyed) continue;
      v4At[i] = place(ranges.v4);
      v6At[i] = place(ranges.v6);
    }
  };
  placeSources(false);
  const prefixEnd = end;
  if (sources.some((s) => s.ranges.key !== undefined)) {
    end = alignUp(end, KEYED_ALIGN);
    placeSources(true);
  }
  if (end > 0xffff_ffff) throw new GatewayError('GENSWAP_GATEWAY_BAD_ENCODING', `encoded gateway config would be ${end} bytes, more than 4 GiB`);

  // The prefix: header, directory, settings and the unkeyed tables, in one fresh buffer, the
  // only allocation here. Tables go in word by word through one Uint32Array view (L2: platform
  // order): a small table lives on V8's heap, and a byte view of it would first move it out.
  const prefix = new Uint8Array(prefixEnd);
  const words = new Uint32Array(prefix.buffer, 0, prefixEnd / 4);
  words[kMagic] = MAGIC;
  words[kVersion] = VERSION;
  words[kJsonOffset] = head;
  words[kJsonLength] = jsonBytes;
  words[kSourceCount] = sources.length;
  encoder.encodeInto(json, prefix.subarray(head, head + jsonBytes));
  const parts: EncodedPart[] = [{ offset: 0, bytes: prefix }];
  for (let i = 0; i < sources.length; i++) {
    const { list, ranges } = sources[i]!;
    const d = kDirectory + kSourceWords * i;
    words[d + kSourceList] = list;
    words[d + kSourceV4Offset] = v4At[i]!;
    words[d + kSourceV4Words] = ranges.v4.length;
    words[d + kSourceV6Offset] = v6At[i]!;
    words[d + kSourceV6Words] = ranges.v6.length;
    if (ranges.key === undefined) {
      words.set(ranges.v4, v4At[i]! / 4);
      words.set(ranges.v6, v6At[i]! / 4);
      continue;
    }
    if (ranges.v4.length > 0) parts.push({ offset: v4At[i]!, bytes: bytesOf(ranges.v4), key: `${ranges.key}:v4` });
    if (ranges.v6.length > 0) parts.push({ offset: v6At[i]!, bytes: bytesOf(ranges.v6), key: `${ranges.key}:v6` });
  }
  return { byteLength: end, parts };
}

export function encodeGateway(value: GatewayConfig): Uint8Array {
  return joinParts(encodeGatewayParts(value));
}

function bad(message: string): GatewayError {
  return new GatewayError('GENSWAP_GATEWAY_BAD_ENCODING', message);
}

/**
 * L4 without reading the whole table: bounds, a whole number of ranges, and ascending order
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

function viewTable(bytes: Uint8Array, offset: number, length: number, words: number, name: string): Uint32Array {
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
  if (bytes.byteLength < headerBytes(0)) throw bad(`${bytes.byteLength} bytes is shorter than the ${headerBytes(0)}-byte header`);
  const fixed = new Uint32Array(bytes.buffer, bytes.byteOffset, kDirectory);
  if (fixed[kMagic] !== MAGIC) throw bad(`magic ${fixed[kMagic]!.toString(16)} is not the gateway codec's`);
  if (fixed[kVersion] !== VERSION) throw bad(`layout version ${fixed[kVersion]} (this gateway reads ${VERSION})`);
  const count = fixed[kSourceCount]!;
  if (headerBytes(count) > bytes.byteLength) throw bad(`a directory of ${count} sources lies outside the encoded bytes`);
  const header = new Uint32Array(bytes.buffer, bytes.byteOffset, headerBytes(count) / 4);
  const jsonOffset = header[kJsonOffset]!;
  const jsonLength = header[kJsonLength]!;
  if (jsonOffset + jsonLength > bytes.byteLength) throw bad('settings JSON lies outside the encoded bytes');
  const settings = deepFreeze(JSON.parse(decoder.decode(bytes.subarray(jsonOffset, jsonOffset + jsonLength))) as GatewaySettings);
  const lists: IpRanges[][] = [[], [], []];
  for (let i = 0; i < count; i++) {
    const d = kDirectory + kSourceWords * i;
    const list = header[d + kSourceList]!;
    if (list > LIST_TRUSTED) throw bad(`source ${i} names list ${list} (there are ${LIST_NAMES.length})`);
    const name = `${LIST_NAMES[list]} source ${i}`;
    const v4 = viewTable(bytes, header[d + kSourceV4Offset]!, header[d + kSourceV4Words]!, V4_WORDS, `${name} v4`);
    const v6 = viewTable(bytes, header[d + kSourceV6Offset]!, header[d + kSourceV6Words]!, V6_WORDS, `${name} v6`);
    lists[list]!.push(Object.freeze({ v4, v6 }));
  }
  if (lists[LIST_TRUSTED]!.length > 1) throw bad(`${lists[LIST_TRUSTED]!.length} trusted-proxy sources (at most 1)`);
  return Object.freeze({
    settings,
    lists: Object.freeze({
      allow: Object.freeze(lists[LIST_ALLOW]!),
      deny: Object.freeze(lists[LIST_DENY]!),
      trustedProxies: lists[LIST_TRUSTED]![0] ?? Object.freeze(emptyRanges()),
    }),
  });
}

/** The gateway's Codec for @genswap/core stores: `{ codec }` in the AppModule. */
export const gatewayCodec: Codec<GatewayConfig> = Object.freeze({
  name: 'genswap.gateway.v2',
  checksumBytes: CHECKSUM_BYTES,
  encode: encodeGateway,
  encodeParts: encodeGatewayParts,
  decode: decodeGateway,
});
