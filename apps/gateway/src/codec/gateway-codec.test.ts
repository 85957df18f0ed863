import { attachReader, createStore } from '@genswap/core';
import { describe, expect, it } from 'vitest';
import type { GatewayConfig, GatewaySettings } from '../config/gateway-config.js';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import { parseIp } from '../ip/ip-address.js';
import { containsAddress, type IpRanges } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';
import { decodeGateway, encodeGateway, gatewayCodec } from './gateway-codec.js';
import { CHECKSUM_BYTES, HEADER_BYTES, TABLE_ALIGN } from './layout.js';

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

const settings: GatewaySettings = {
  statuses: { allow: 200, deny: 403, limited: 429 },
  rules: [{ name: 'r', action: 'deny', pathPrefix: '/admin' }],
  limits: { l: { name: 'l', requests: 3, windowSeconds: 10, ipv4Prefix: 32, ipv6Prefix: 64 } },
  proxies: [{ addresses: ['127.0.0.1', '::1'], sets: ['x-forwarded-for'] }],
  unparseableClient: 'deny',
};

const config: GatewayConfig = {
  settings,
  lists: {
    allow: ranges('192.0.2.10'),
    deny: ranges('192.0.2.0/24', '2001:db8::/32', '198.51.100.0/25', '198.51.100.128/25'),
    trustedProxies: ranges('127.0.0.1', '::1'),
  },
};

const scratch = new Uint32Array(4);
const has = (r: IpRanges, ip: string): boolean => containsAddress(r, parseIp(ip, scratch), scratch);

describe('gateway codec', () => {
  it('round-trips settings and tables', () => {
    const decoded = decodeGateway(encodeGateway(config));
    expect(decoded.settings).toEqual(settings);
    expect(Object.isFrozen(decoded.settings.rules[0])).toBe(true);
    expect([...decoded.lists.deny.v4]).toEqual([...config.lists.deny.v4]);
    expect([...decoded.lists.deny.v6]).toEqual([...config.lists.deny.v6]);
    expect([...decoded.lists.allow.v4]).toEqual([...config.lists.allow.v4]);
    expect([...decoded.lists.trustedProxies.v6]).toEqual([...config.lists.trustedProxies.v6]);
    expect(has(decoded.lists.deny, '198.51.100.200')).toBe(true);
  });

  it('aligns every table to 64 bytes after the header and JSON', () => {
    const bytes = encodeGateway(config);
    const decoded = decodeGateway(bytes);
    for (const table of [decoded.lists.allow.v4, decoded.lists.deny.v4, decoded.lists.deny.v6, decoded.lists.trustedProxies.v4]) {
      expect(table.byteOffset % TABLE_ALIGN).toBe(0);
      expect(table.byteOffset).toBeGreaterThanOrEqual(HEADER_BYTES);
    }
  });

  it('decodes in place: tables are views over the slot SharedArrayBuffer, not copies', async () => {
    const store = createStore<GatewayConfig>({ codec: gatewayCodec, slots: 3 });
    await store.publish(config);
    const reader = attachReader<GatewayConfig>(store.handle, { codec: gatewayCodec });
    const lease = reader.acquire();
    try {
      const deny = lease.value.lists.deny.v4;
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

  it('bounds the checksum to the header and settings', () => {
    expect(gatewayCodec.checksumBytes).toBe(CHECKSUM_BYTES);
    expect(HEADER_BYTES + new TextEncoder().encode(JSON.stringify(settings)).byteLength).toBeLessThan(CHECKSUM_BYTES);
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
    const big = encodeGateway({ ...config, lists: { ...config.lists, deny: ranges(...Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/24`).filter((_, i) => i % 2 === 0)) } });
    const view = decodeGateway(big).lists.deny.v4;
    const tampered = big.slice();
    new Uint32Array(tampered.buffer, view.byteOffset, view.length)[8] = 0; // a start below its predecessor
    expect(() => decodeGateway(tampered)).toThrow(/not sorted/);
  });
});
