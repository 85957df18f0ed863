import { describe, expect, it } from 'vitest';
import { closestKey, editDistance } from './suggest.js';

describe('closestKey', () => {
  it('suggests the key a slip of the finger meant', () => {
    expect(closestKey('alow', ['allow', 'deny'])).toBe('allow');
    expect(closestKey('mdoe', ['mode', 'server'])).toBe('mode');
    expect(closestKey('Port', ['port', 'host'])).toBe('port');
  });

  it('suggests nothing when no key is close or two are equally close', () => {
    expect(closestKey('banana', ['allow', 'deny'])).toBeUndefined();
    expect(closestKey('ab', ['ax', 'ay'])).toBeUndefined();
    expect(closestKey('x', [])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('acton', 'action')).toBe(1);
    expect(editDistance('hsot', 'host')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
