import { describe, expect, it } from 'vitest';
import { FAMILY_NONE, FAMILY_V4, FAMILY_V6, formatIPv6, parseIp, parseIPv4 } from './ip-address.js';

const out = new Uint32Array(4);

function v6(text: string): string | undefined {
  return parseIp(text, out) === FAMILY_V6 ? formatIPv6(out) : undefined;
}

describe('parseIPv4', () => {
  it('reads the boundaries of the address space', () => {
    expect(parseIPv4('0.0.0.0')).toBe(0);
    expect(parseIPv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIPv4('192.0.2.1')).toBe(0xc0000201);
  });

  it.each(['256.0.0.1', '1.2.3', '1.2.3.4.5', '1..2.3', '01.2.3.4', '1.2.3.4 ', ' 1.2.3.4', '', '1.2.3.', 'a.b.c.d', '1.2.3.-4'])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBe(-1);
  });
});

describe('parseIp', () => {
  it('returns IPv4 with its value in word 0', () => {
    expect(parseIp('10.1.2.3', out)).toBe(FAMILY_V4);
    expect(out[0]).toBe(0x0a010203);
  });

  it('expands :: compression anywhere', () => {
    expect(v6('::')).toBe('0:0:0:0:0:0:0:0');
    expect(v6('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(v6('2001:db8::')).toBe('2001:db8:0:0:0:0:0:0');
    expect(v6('2001:db8::ff00:42:8329')).toBe('2001:db8:0:0:0:ff00:42:8329');
    expect(v6('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8:0:0:0:ff00:42:8329');
    expect(v6('FE80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1');
    expect(v6('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('reads an embedded IPv4 tail', () => {
    expect(v6('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0:0:0:c000:221');
    expect(v6('::192.0.2.33')).toBe('0:0:0:0:0:0:c000:221');
  });

  it('returns IPv4-mapped IPv6 as the IPv4 address, in both spellings', () => {
    expect(parseIp('::ffff:203.0.113.7', out)).toBe(FAMILY_V4);
    expect(out[0]).toBe(0xcb007107);
    expect(parseIp('::FFFF:cb00:7107', out)).toBe(FAMILY_V4);
    expect(out[0]).toBe(0xcb007107);
    expect(parseIp('0:0:0:0:0:ffff:127.0.0.1', out)).toBe(FAMILY_V4);
    expect(out[0]).toBe(0x7f000001);
  });

  it.each([
    ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', '12345::', ':1::', '1:', '::1:', 'g::1',
    '1:2:3:4:5:6:7::8', '::ffff:1.2.3', '::1.2.3.4.5', '1:2:3:4:5:6:7:1.2.3.4', '::1%', 'localhost', '', '[::1]',
  ])('rejects %j', (text) => {
    expect(parseIp(text, out)).toBe(FAMILY_NONE);
  });

  it('accepts :: standing for a single group', () => {
    expect(v6('1:2:3:4:5:6::8')).toBe('1:2:3:4:5:6:0:8');
    expect(v6('1:2:3:4:5:6:1.2.3.4')).toBe('1:2:3:4:5:6:102:304');
  });
});
