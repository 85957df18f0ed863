import { describe, expect, it } from 'vitest';
import { newCidrBounds, parseCidr } from './cidr.js';
import { FAMILY_V4, FAMILY_V6, formatIPv4, formatIPv6 } from './ip-address.js';

const out = newCidrBounds();

function v4(text: string): string {
  const family = parseCidr(text, out);
  if (family !== FAMILY_V4) throw new Error(`not IPv4: ${String(family)}`);
  return `${formatIPv4(out[0]!)}-${formatIPv4(out[1]!)}`;
}

function v6(text: string): string {
  const family = parseCidr(text, out);
  if (family !== FAMILY_V6) throw new Error(`not IPv6: ${String(family)}`);
  return `${formatIPv6(out, 0)}-${formatIPv6(out, 4)}`;
}

describe('parseCidr', () => {
  it('computes IPv4 bounds at every edge of the prefix range', () => {
    expect(v4('0.0.0.0/0')).toBe('0.0.0.0-255.255.255.255');
    expect(v4('10.0.0.0/8')).toBe('10.0.0.0-10.255.255.255');
    expect(v4('192.0.2.128/25')).toBe('192.0.2.128-192.0.2.255');
    expect(v4('198.51.100.7/32')).toBe('198.51.100.7-198.51.100.7');
    expect(v4('198.51.100.7')).toBe('198.51.100.7-198.51.100.7');
    expect(v4('128.0.0.0/1')).toBe('128.0.0.0-255.255.255.255');
  });

  it('computes IPv6 bounds across word boundaries', () => {
    expect(v6('::/0')).toBe('0:0:0:0:0:0:0:0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(v6('2001:db8::/32')).toBe('2001:db8:0:0:0:0:0:0-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
    expect(v6('2001:db8:0:2::/63')).toBe('2001:db8:0:2:0:0:0:0-2001:db8:0:3:ffff:ffff:ffff:ffff');
    expect(v6('2001:db8::1')).toBe('2001:db8:0:0:0:0:0:1-2001:db8:0:0:0:0:0:1');
    expect(v6('2001:db8::/33')).toBe('2001:db8:0:0:0:0:0:0-2001:db8:7fff:ffff:ffff:ffff:ffff:ffff');
  });

  it('turns an IPv4-mapped block into the IPv4 block it maps', () => {
    expect(v4('::ffff:192.0.2.0/120')).toBe('192.0.2.0-192.0.2.255');
    expect(v4('::ffff:192.0.2.9')).toBe('192.0.2.9-192.0.2.9');
    expect(v4('::ffff:0:0/96')).toBe('0.0.0.0-255.255.255.255');
  });

  it('rejects host bits set after the prefix, naming the network meant', () => {
    expect(parseCidr('10.0.0.1/8', out)).toBe('"10.0.0.1/8" has host bits set after /8: write 10.0.0.0/8');
    expect(parseCidr('2001:db8::1/32', out)).toMatch(/host bits set after \/32: write 2001:db8:0:0:0:0:0:0\/32/);
    expect(parseCidr('::ffff:192.0.2.1/120', out)).toMatch(/host bits/);
  });

  it.each([
    ['10.0.0.0/33', /out of range for IPv4 \(0 to 32\)/],
    ['::/129', /out of range for IPv6 \(0 to 128\)/],
    ['10.0.0.0/', /not a number from 0 to 32/],
    ['10.0.0.0/08', /not a number/],
    ['10.0.0.0/x', /not a number/],
    ['/8', /no address/],
    ['300.0.0.0/8', /"300.0.0.0" is not an IPv4 or IPv6 address/],
    ['fe80::1%eth0/64', /zone index/],
    ['example.com', /not an IPv4 or IPv6 address/],
  ])('rejects %j with a clear message', (text, message) => {
    expect(parseCidr(text, out)).toMatch(message);
  });
});
