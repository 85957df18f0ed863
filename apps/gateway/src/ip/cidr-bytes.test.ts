import { describe, expect, it } from 'vitest';
import { parseCidrV4Bytes, parseCidrV4Line } from './cidr-bytes.js';
import { newCidrBounds, parseCidr } from './cidr.js';
import { FAMILY_V4 } from './ip-address.js';

/**
 * parseCidr (cidr.ts) is the reference: the byte parsers may refuse more (the caller then asks
 * parseCidr), but whatever they accept must be accepted by parseCidr with the same bounds.
 */
function agrees(text: string): void {
  const bytes = Buffer.from(`${text}\n`);
  const fast = newCidrBounds();
  const line = newCidrBounds();
  const reference = newCidrBounds();
  const accepted = parseCidrV4Bytes(bytes, 0, bytes.length - 1, fast);
  const next = parseCidrV4Line(bytes, 0, bytes.length, line);
  const family = parseCidr(text, reference);
  expect(next >= 0, `line parser on ${JSON.stringify(text)}`).toBe(accepted);
  if (accepted) {
    expect(family, text).toBe(FAMILY_V4);
    expect([fast[0], fast[1]], text).toEqual([reference[0], reference[1]]);
    expect([line[0], line[1]], text).toEqual([reference[0], reference[1]]);
    expect(next).toBe(bytes.length);
  }
}

describe('parseCidrV4Bytes / parseCidrV4Line', () => {
  it('accept the plain IPv4 lines parseCidr accepts, with the same bounds', () => {
    for (const text of ['0.0.0.0/0', '10.0.0.0/8', '192.0.2.1', '192.0.2.1/32', '255.255.255.255', '198.51.100.0/24', '1.2.3.4/31', '100.64.0.0/10']) {
      agrees(text);
      expect(parseCidrV4Bytes(Buffer.from(text), 0, text.length, newCidrBounds()), text).toBe(true);
    }
  });

  it('refuse what parseCidr refuses (it then says why)', () => {
    for (const text of ['010.0.0.1', '1.2.3', '1.2.3.4.5', '256.0.0.0', '1.2.3.4/33', '1.2.3.4/024', '1.2.3.4/', '1.2.3.4/2', '1..2.3', '.1.2.3', '1.2.3.4/00', '1.2.3.0/24x']) {
      agrees(text);
      expect(parseCidrV4Bytes(Buffer.from(text), 0, text.length, newCidrBounds()), text).toBe(false);
    }
  });

  it('agree with parseCidr on random dotted strings', () => {
    let x = 0x2545f491;
    const next = (): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    const pieces = ['0', '1', '9', '10', '01', '255', '256', '192', '.', '/', '/8', '/24', '/32', '/33', '/0'];
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const parts = 1 + (next() % 9);
      for (let k = 0; k < parts; k++) text += pieces[next() % pieces.length];
      agrees(text);
    }
  });

  it('leave lines with anything else to the general path', () => {
    for (const text of ['1.2.3.4 ', ' 1.2.3.4', '1.2.3.4#x', '::1', '1.2.3.4\t', '1.2.3.4\u0001']) {
      expect(parseCidrV4Line(Buffer.from(`${text}\n`), 0, text.length + 1, newCidrBounds()), JSON.stringify(text)).toBe(-1);
    }
    expect(parseCidrV4Line(Buffer.from('1.2.3.4\r\n5.6.7.8'), 0, 16, newCidrBounds())).toBe(9);
  });
});
