import { describe, expect, it } from 'vitest';
import { adminBaseUrl, parseHostPort, urlOf } from './host-port.js';

describe('host:port parsing', () => {
  it('accepts host:port, [v6]:port, :port and port (loopback by default)', () => {
    expect(parseHostPort('127.0.0.1:8080', '--listen')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::1]:0', '--listen')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort(':9901', '--admin')).toEqual({ host: '127.0.0.1', port: 9901 });
    expect(parseHostPort('9901', '--admin')).toEqual({ host: '127.0.0.1', port: 9901 });
    expect(parseHostPort('localhost:1', '--admin')).toEqual({ host: 'localhost', port: 1 });
  });

  it('refuses what is not host:port, naming the flag (usage error, exit 2)', () => {
    for (const bad of ['nowhere', '127.0.0.1:65536', '127.0.0.1:-1', '::1:80', '[nothost]:80', '']) {
      expect(() => parseHostPort(bad, '--listen'), bad).toThrow(expect.objectContaining({ code: 'GENSWAP_USAGE', message: expect.stringContaining('--listen') }));
    }
  });

  it('makes admin base URLs from host:port or URLs', () => {
    expect(adminBaseUrl('127.0.0.1:9901')).toBe('http://127.0.0.1:9901');
    expect(adminBaseUrl('http://127.0.0.1:9901/status')).toBe('http://127.0.0.1:9901');
    expect(adminBaseUrl('[::1]:9901')).toBe('http://[::1]:9901');
    expect(urlOf('::1', 80)).toBe('http://[::1]:80');
  });
});
