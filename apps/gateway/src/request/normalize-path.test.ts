import { describe, expect, it } from 'vitest';
import { normalizePath } from './normalize-path.js';

describe('normalizePath', () => {
  it.each([
    ['/', '/'],
    ['', '/'],
    ['/login?next=%2Fadmin', '/login'],
    ['/a/b#frag', '/a/b'],
    ['/%61dmin/panel', '/admin/panel'],
    ['//admin', '/admin'],
    ['/x/../admin', '/admin'],
    ['/./admin/', '/admin/'],
    ['/../../admin', '/admin'],
    ['/a/b/..', '/a/'],
    ['/a/./', '/a/'],
    ['/a//b///c', '/a/b/c'],
    ['/%2e%2e/admin', '/admin'],
    ['/bad%zz/x', '/bad%zz/x'],
    ['/bad%ff%41', '/bad%ffA'],
    ['http://example.com/admin?x', '/admin'],
    ['admin', '/admin'],
  ])('%j -> %j', (input, expected) => {
    expect(normalizePath(input)).toBe(expected);
  });
});
