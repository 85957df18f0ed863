import { describe, expect, it } from 'vitest';
import { newCidrBounds, parseCidr } from './cidr.js';
import { formatIPv4, parseIp } from './ip-address.js';
import { containsAddress, findV4, findV6, type IpRanges } from './ip-ranges.js';
import { RangeSetBuilder } from './range-set-builder.js';

function build(cidrs: readonly string[]): IpRanges {
  const builder = new RangeSetBuilder();
  const bounds = newCidrBounds();
  for (const cidr of cidrs) {
    const family = parseCidr(cidr, bounds);
    if (typeof family === 'string') throw new Error(family);
    builder.add(family, bounds);
  }
  return builder.build();
}

function v4Ranges(ranges: IpRanges): string[] {
  const list: string[] = [];
  for (let i = 0; i < ranges.v4.length; i += 2) list.push(`${formatIPv4(ranges.v4[i]!)}-${formatIPv4(ranges.v4[i + 1]!)}`);
  return list;
}

const scratch = new Uint32Array(4);
function has(ranges: IpRanges, ip: string): boolean {
  const family = parseIp(ip, scratch);
  if (family === 0) throw new Error(`bad test address ${ip}`);
  return containsAddress(ranges, family, scratch);
}

describe('RangeSetBuilder', () => {
  it('sorts and merges overlapping, nested, duplicated and adjacent IPv4 ranges', () => {
    const ranges = build(['10.0.1.0/24', '10.0.0.0/24', '10.0.0.0/25', '10.0.0.0/24', '192.0.2.0/24', '192.0.2.5', '198.51.100.0/24']);
    expect(v4Ranges(ranges)).toEqual(['10.0.0.0-10.0.1.255', '192.0.2.0-192.0.2.255', '198.51.100.0-198.51.100.255']);
  });

  it('keeps ranges with a gap of one address apart', () => {
    expect(v4Ranges(build(['10.0.0.1', '10.0.0.3']))).toEqual(['10.0.0.1-10.0.0.1', '10.0.0.3-10.0.0.3']);
    expect(v4Ranges(build(['10.0.0.1', '10.0.0.2']))).toEqual(['10.0.0.1-10.0.0.2']);
  });

  it('merges at the top of the IPv4 space without wrapping', () => {
    expect(v4Ranges(build(['255.255.255.255', '255.255.255.254', '0.0.0.0']))).toEqual(['0.0.0.0-0.0.0.0', '255.255.255.254-255.255.255.255']);
  });

  it('merges adjacent IPv6 ranges across a word carry', () => {
    const ranges = build(['2001:db8:0:0:ffff:ffff:ffff:ffff', '2001:db8:0:1::/64', '2001:db8::/64', '::1']);
    expect(ranges.v6.length / 8).toBe(2);
    expect(has(ranges, '2001:db8:0:1:ffff:ffff:ffff:ffff')).toBe(true);
    expect(has(ranges, '2001:db8:0:2::')).toBe(false);
    expect(has(ranges, '::1')).toBe(true);
    expect(has(ranges, '::2')).toBe(false);
    expect(has(ranges, '::')).toBe(false);
  });

  it('handles the all-ones IPv6 address', () => {
    const ranges = build(['ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']);
    expect(ranges.v6.length / 8).toBe(1);
    expect(has(ranges, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(has(ranges, 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffd')).toBe(false);
  });
});

describe('lookup', () => {
  it('finds IPv4 addresses exactly at range boundaries and not one past them', () => {
    const ranges = build(['10.0.0.0/8', '192.0.2.128/25', '0.0.0.0', '255.255.255.255']);
    expect(has(ranges, '10.0.0.0')).toBe(true);
    expect(has(ranges, '10.255.255.255')).toBe(true);
    expect(has(ranges, '9.255.255.255')).toBe(false);
    expect(has(ranges, '11.0.0.0')).toBe(false);
    expect(has(ranges, '192.0.2.127')).toBe(false);
    expect(has(ranges, '192.0.2.128')).toBe(true);
    expect(has(ranges, '0.0.0.0')).toBe(true);
    expect(has(ranges, '0.0.0.1')).toBe(false);
    expect(has(ranges, '255.255.255.255')).toBe(true);
    expect(has(ranges, '255.255.255.254')).toBe(false);
  });

  it('finds IPv6 addresses at range boundaries', () => {
    const ranges = build(['2001:db8::/32']);
    expect(has(ranges, '2001:db8::')).toBe(true);
    expect(has(ranges, '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(true);
    expect(has(ranges, '2001:db7:ffff:ffff:ffff:ffff:ffff:ffff')).toBe(false);
    expect(has(ranges, '2001:db9::')).toBe(false);
  });

  it('matches an IPv4-mapped peer against an IPv4 entry and an IPv4 peer against a mapped entry', () => {
    expect(has(build(['203.0.113.0/24']), '::ffff:203.0.113.7')).toBe(true);
    expect(has(build(['::ffff:203.0.113.0/120']), '203.0.113.7')).toBe(true);
    expect(has(build(['203.0.113.0/24']), '::ffff:203.0.114.7')).toBe(false);
  });

  it('keeps the families apart', () => {
    const ranges = build(['0.0.0.0/0']);
    expect(has(ranges, '::1')).toBe(false);
    expect(has(build(['::/0']), '1.2.3.4')).toBe(false);
  });

  it('answers empty tables', () => {
    expect(findV4(new Uint32Array(0), 5)).toBe(-1);
    expect(findV6(new Uint32Array(0), 0, 0, 0, 1)).toBe(-1);
  });

  it('agrees with a linear scan of the unmerged input (random IPv4 and IPv6 lists)', () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const raw4: [number, number][] = [];
    const raw6: [bigint, bigint][] = [];
    const builder = new RangeSetBuilder();
    for (let i = 0; i < 3000; i++) {
      // Crowd the ranges into a small space so that overlaps and adjacency are common.
      const first = rand() % 100_000;
      const last = first + (rand() % 40);
      raw4.push([first, last]);
      builder.addV4(first, last);
      const f6 = (0x2001_0db8n << 96n) | BigInt(rand() % 100_000) << 60n;
      const l6 = f6 + (BigInt(rand() % 3) << 60n) + (1n << 60n) - 1n;
      raw6.push([f6, l6]);
      const bounds = new Uint32Array(8);
      for (let k = 0; k < 4; k++) {
        bounds[k] = Number((f6 >> BigInt(96 - 32 * k)) & 0xffffffffn);
        bounds[4 + k] = Number((l6 >> BigInt(96 - 32 * k)) & 0xffffffffn);
      }
      builder.addV6(bounds);
    }
    const ranges = builder.build();
    for (let i = 2; i < ranges.v4.length; i += 2) expect(ranges.v4[i]! > ranges.v4[i - 1]! + 1).toBe(true);
    for (let probe = 0; probe < 101_000; probe += 13) {
      const expected = raw4.some(([f, l]) => f <= probe && probe <= l);
      expect(findV4(ranges.v4, probe) >= 0).toBe(expected);
    }
    for (let i = 0; i < 1500; i++) {
      const a = (0x2001_0db8n << 96n) | (BigInt(rand() % 100_010) << 60n) | BigInt(rand());
      const expected = raw6.some(([f, l]) => f <= a && a <= l);
      const w = [96n, 64n, 32n, 0n].map((s) => Number((a >> s) & 0xffffffffn)) as [number, number, number, number];
      expect(findV6(ranges.v6, ...w) >= 0).toBe(expected);
    }
  });

  it('keeps every range while its tables grow from their smallest size (each count from 0 to 40)', () => {
    for (let count = 0; count <= 40; count++) {
      const builder = new RangeSetBuilder();
      const bounds = new Uint32Array(8);
      for (let i = count - 1; i >= 0; i--) {
        builder.addV4(i * 10, i * 10 + 3);
        bounds.fill(0);
        bounds[0] = bounds[4] = i * 10;
        bounds[7] = 3;
        builder.addV6(bounds);
      }
      expect(builder.size).toBe(2 * count);
      const ranges = builder.build();
      expect(Array.from(ranges.v4)).toEqual(Array.from({ length: count }, (_, i) => [i * 10, i * 10 + 3]).flat());
      expect(Array.from(ranges.v6)).toEqual(Array.from({ length: count }, (_, i) => [i * 10, 0, 0, 0, i * 10, 0, 0, 3]).flat());
    }
  });

  it('sorts a list larger than the packed-key limit correctly', () => {
    const builder = new RangeSetBuilder();
    const n = 2 ** 21 + 5;
    for (let i = n - 1; i >= 0; i--) builder.addV4(i * 4, i * 4 + 1);
    const ranges = builder.build();
    expect(ranges.v4.length).toBe(n * 2);
    expect(findV4(ranges.v4, 8)).toBe(2);
    expect(findV4(ranges.v4, 10)).toBe(-1);
    expect(findV4(ranges.v4, (n - 1) * 4 + 1)).toBe(n - 1);
  });
});
