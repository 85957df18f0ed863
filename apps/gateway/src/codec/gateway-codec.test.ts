import { attachReader, createStore } from '@genswap/core';
import { describe, expect, it } from 'vitest';
import type { GatewayConfig, GatewaySettings } from '../config/gateway-config.js';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import { parseIp } from '../ip/ip-address.js';
import { type IpRanges, listContains, type RangeList } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';
import { decodeGateway, encodeGateway, encodeGatewayParts, gatewayCodec } from './gateway-codec.js';
import { CHECKSUM_BYTES, headerBytes, KEYED_ALIGN, kJsonLength, TABLE_ALIGN } from './layout.js';

function ranges(...cidrs: string[]): IpRanges {
  const builder = new RangeSetBuilder();
  const bounds = newCidrBounds();
  for (const c of cidrs) {
    const family = parseCidr(c, bounds);
    if (typeof family === 'string') throw new Error(family);
    builder.add(family, bounds);
  }
  return builder.build();
}

/** A list file's tables as the list compiler leaves them: in shared memory, keyed by content. */
function fileRanges(key: string, ...cidrs: string[]): IpRanges {
  const built = ranges(...cidrs);
  const shared = (t: Uint32Array): Uint32Array => {
    const s = new Uint32Array(new SharedArrayBuffer(t.byteLength));
    s.set(t);
    return s;
  };
  return { v4: shared(built.v4), v6: shared(built.v6), key };
}

const settings: GatewaySettings = {
  statuses: { allow: 200, deny: 403, limited: 429 },
  rules: [{ name: 'r', action: 'deny', pathPrefix: '/admin' }],
  limits: { l: { name: 'l', requests: 3, windowSeconds: 10, ipv4Prefix: 32, ipv6Prefix: 64 } },
  proxies: [{ addresses: ['127.0.0.1', '::1'], sets: ['x-forwarded-for'] }],
  unparseableClient: 'deny',
};

const denyFile = fileRanges('test:deny-file', '198.51.100.0/25', '198.51.100.128/25', '2001:db8::/32');
const config: GatewayConfig = {
  settings,
  lists: {
    allow: [ranges('192.0.2.10')],
    deny: [ranges('192.0.2.0/24'), denyFile],
    trustedProxies: ranges('127.0.0.1', '::1'),
  },
};

const scratch = new Uint32Array(4);
const has = (r: RangeList, ip: string): boolean => listContains(r, parseIp(ip, scratch), scratch);
const words = (list: RangeList): number[][] => list.map((s) => [...s.v4, -1, ...s.v6]);

describe('gateway codec', () => {
  it('round-trips settings and every source of every list', () => {
    const decoded = decodeGateway(encodeGateway(config));
    expect(decoded.settings).toEqual(settings);
    expect(Object.isFrozen(decoded.settings.rules[0])).toBe(true);
    expect(words(decoded.lists.deny)).toEqual(words(config.lists.deny));
    expect(words(decoded.lists.allow)).toEqual(words(config.lists.allow));
    expect([...decoded.lists.trustedProxies.v6]).toEqual([...config.lists.trustedProxies.v6]);
    expect(has(decoded.lists.deny, '198.51.100.200')).toBe(true); // from the file's set
    expect(has(decoded.lists.deny, '192.0.2.7')).toBe(true); // from the inline set
    expect(has(decoded.lists.deny, '2001:db8::1')).toBe(true);
    expect(has(decoded.lists.deny, '198.51.101.1')).toBe(false);
  });

  it('aligns every table; keyed tables start past the checksummed prefix, at an offset the settings do not move', () => {
    const bytes = encodeGateway(config);
    const decoded = decodeGateway(bytes);
    for (const table of [decoded.lists.allow[0]!.v4, decoded.lists.deny[0]!.v4, decoded.lists.deny[1]!.v4, decoded.lists.trustedProxies.v4]) {
      expect(table.byteOffset % TABLE_ALIGN).toBe(0);
      expect(table.byteOffset).toBeGreaterThanOrEqual(headerBytes(4));
    }
    expect(decoded.lists.deny[0]!.v4.byteOffset).toBeLessThan(CHECKSUM_BYTES);
    expect(decoded.lists.deny[1]!.v4.byteOffset).toBe(KEYED_ALIGN);
    const longer = decodeGateway(encodeGateway({ ...config, settings: { ...settings, rules: [...settings.rules, { name: 'another', action: 'allow', pathPrefix: '/x' }] } }));
    expect(longer.lists.deny[1]!.v4.byteOffset).toBe(KEYED_ALIGN);
  });

  it('sizes the settings by their UTF-8 bytes, not their characters: non-ASCII text neither overlaps the tables nor is cut', () => {
    // 'é' is 2 bytes and '中' 3: counted as characters, the JSON would run into the first table.
    const wide: GatewaySettings = { ...settings, rules: [{ name: 'r', action: 'deny', pathPrefix: `/caf\u00e9/${'\u4e2d'.repeat(40)}` }] };
    const encoded = encodeGatewayParts({ ...config, settings: wide });
    const prefix = encoded.parts[0]!.bytes;
    const json = Buffer.from(JSON.stringify(wide), 'utf8');
    const head = headerBytes(4);
    expect(new Uint32Array(prefix.buffer, prefix.byteOffset, head / 4)[kJsonLength]).toBe(json.byteLength);
    expect(Buffer.from(prefix.subarray(head, head + json.byteLength)).equals(json)).toBe(true);
    const decoded = decodeGateway(encodeGateway({ ...config, settings: wide }));
    expect(decoded.settings).toEqual(wide);
    expect(decoded.lists.allow[0]!.v4.byteOffset).toBeGreaterThanOrEqual(head + json.byteLength);
    expect(words(decoded.lists.allow)).toEqual(words(config.lists.allow));
    expect(has(decoded.lists.deny, '192.0.2.7')).toBe(true);
  });

  it('hands a keyed table to the store as it is (a view of the same memory, with its key), the rest in one prefix', () => {
    const encoded = encodeGatewayParts(config);
    const keyed = encoded.parts.filter((p) => p.key !== undefined);
    expect(keyed.map((p) => p.key)).toEqual(['test:deny-file:v4', 'test:deny-file:v6']);
    expect(keyed[0]!.bytes.buffer).toBe(denyFile.v4.buffer);
    expect(keyed[1]!.bytes.buffer).toBe(denyFile.v6.buffer);
    expect(encoded.parts[0]!.offset).toBe(0);
    expect(encoded.parts[0]!.key).toBeUndefined();
  });

  it('a slot that holds a list file table keeps it: later publishes copy only the prefix, and decode sees the new settings with the same table', async () => {
    const store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
    const reader = attachReader<GatewayConfig>(store.handle, { codec: gatewayCodec });
    try {
      const tableBytes = denyFile.v4.byteLength + denyFile.v6.byteLength;
      for (let i = 0; i < 6; i++) {
        const before = store.stats();
        const edited: GatewayConfig = { ...config, settings: { ...settings, rules: [{ name: `r${i}`, action: 'deny', pathPrefix: `/p${i}` }] } };
        await store.publish(edited);
        const after = store.stats();
        // The first write to each of the three slots copies the table; every later one keeps it.
        expect(after.bytesKept - before.bytesKept).toBe(i < 3 ? 0 : tableBytes);
        expect(after.bytesCopied - before.bytesCopied).toBe(i < 3 ? tableBytes + encodeGatewayParts(edited).parts[0]!.bytes.byteLength : encodeGatewayParts(edited).parts[0]!.bytes.byteLength);
        const lease = reader.acquire();
        try {
          expect(lease.value.settings.rules[0]!.name).toBe(`r${i}`);
          expect(has(lease.value.lists.deny, '198.51.100.200')).toBe(true);
          expect(words(lease.value.lists.deny)).toEqual(words(config.lists.deny));
        } finally {
          lease.release();
        }
      }
      // A new table under a new key is copied, and what it replaced is not kept by mistake.
      const other = fileRanges('test:other-file', '203.0.113.0/24');
      await store.publish({ ...config, lists: { ...config.lists, deny: [other] } });
      const lease = reader.acquire();
      try {
        expect(has(lease.value.lists.deny, '203.0.113.9')).toBe(true);
        expect(has(lease.value.lists.deny, '198.51.100.200')).toBe(false);
      } finally {
        lease.release();
      }
    } finally {
      reader.close();
      store.close();
    }
  });

  it('decodes in place: tables are views over the slot SharedArrayBuffer, not copies', async () => {
    const store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
    await store.publish(config);
    const reader = attachReader<GatewayConfig>(store.handle, { codec: gatewayCodec });
    const lease = reader.acquire();
    try {
      const deny = lease.value.lists.deny[0]!.v4;
      expect(deny.buffer).toBeInstanceOf(SharedArrayBuffer);
      const slot = store.handle.slots.find((s) => s === deny.buffer);
      expect(slot).toBeDefined();
      // Prove aliasing: a write through another view of the same shared bytes shows up in the
      // decoded table (only a test may do this; the slot is immutable while pinned).
      const alias = new Uint32Array(slot!, deny.byteOffset, deny.length);
      const saved = alias[1]!;
      alias[1] = 0xc00002ff + 1; // widen 192.0.2.0/24 by one address
      expect(has(lease.value.lists.deny, '192.0.3.0')).toBe(true);
      alias[1] = saved;
      expect(has(lease.value.lists.deny, '192.0.3.0')).toBe(false);
      expect(has(lease.value.lists.deny, '2001:db8:ffff::1')).toBe(true);
    } finally {
      lease.release();
      reader.close();
      store.close();
    }
  });

  it('bounds the checksum to the header, settings and inline tables', () => {
    expect(gatewayCodec.checksumBytes).toBe(CHECKSUM_BYTES);
    expect(encodeGatewayParts(config).parts[0]!.bytes.byteLength).toBeLessThan(CHECKSUM_BYTES);
  });

  it('still decodes a misaligned view (by copying)', () => {
    const bytes = encodeGateway(config);
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    expect(has(decodeGateway(shifted.subarray(1)).lists.deny, '192.0.2.1')).toBe(true);
  });

  it('refuses foreign, truncated or inconsistent bytes with GENSWAP_GATEWAY_BAD_ENCODING', () => {
    const bytes = encodeGateway(config);
    expect(() => decodeGateway(new TextEncoder().encode('{"json": true}'))).toThrow(expect.objectContaining({ code: 'GENSWAP_GATEWAY_BAD_ENCODING' }));
    expect(() => decodeGateway(bytes.subarray(0, bytes.byteLength - 64))).toThrow(/lies outside/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    expect(() => decodeGateway(wrongMagic)).toThrow(/magic/);
    const big = encodeGateway({ ...config, lists: { ...config.lists, deny: [ranges(...Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/24`).filter((_, i) => i % 2 === 0))] } });
    const view = decodeGateway(big).lists.deny[0]!.v4;
    const tampered = big.slice();
    new Uint32Array(tampered.buffer, view.byteOffset, view.length)[8] = 0; // a start below its predecessor
    expect(() => decodeGateway(tampered)).toThrow(/not sorted/);
  });
});
