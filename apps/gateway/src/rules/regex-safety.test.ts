import { describe, expect, it } from 'vitest';
import { checkRegex, MAX_REGEX_LENGTH, unsafeShape } from './regex-safety.js';

describe('unsafeShape', () => {
  it.each(['(a+)+', '(a*)*', '(\\w*x)*$', '((ab)+c)*', '(?:a+){2,}', '(?<word>\\w+)+', '([a-z]+\\s?)+$', '(a|b+)*'])('rejects nested unbounded quantifiers: %s', (source) => {
    expect(unsafeShape(source)).toMatch(/nested quantifier/);
  });

  it.each(['(a)\\1', '(?<x>a)\\k<x>'])('rejects backreferences: %s', (source) => {
    expect(unsafeShape(source)).toMatch(/backreference/);
  });

  it.each([
    '^/api/v[0-9]+/',
    '(curl|wget|python-requests)/',
    '(\\d+\\.){3}\\d+',
    '(www\\.)?example\\.com',
    '[(+)]+',
    '\\(a+\\)+',
    'a+b*c+',
    '(?:ab)+',
    '(a+)?',
    '\\0',
    '[\\]a+]+',
    '(?=a+)b',
  ])('accepts %s', (source) => {
    expect(unsafeShape(source)).toBeUndefined();
  });
});

describe('checkRegex', () => {
  it('reports syntax errors with the engine message', () => {
    expect(checkRegex('(unclosed', '')).toEqual({ code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: expect.stringMatching(/^invalid regex: .*Unterminated group/) });
    expect(checkRegex('[z-a]', 'i')?.code).toBe('GENSWAP_GATEWAY_CONFIG_BAD_REGEX');
  });

  it('caps the length', () => {
    expect(checkRegex('a'.repeat(MAX_REGEX_LENGTH), '')).toBeUndefined();
    expect(checkRegex('a'.repeat(MAX_REGEX_LENGTH + 1), '')?.code).toBe('GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX');
  });

  it('flags catastrophic shapes as unsafe', () => {
    expect(checkRegex('^(a+)+$', '')).toEqual({ code: 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX', message: expect.stringMatching(/exponential time: nested quantifier at offset 5/) });
  });
});
