import { isIP } from 'node:net';
import { UsageError } from './exit-codes.js';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `host:port`, `[v6]:port`, `:port` or `port` (host defaults to 127.0.0.1: genswap
 * binds loopback unless told otherwise). Port 0 asks the OS for a free port.
 */
export function parseHostPort(text: string, flag: string): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d+)$/.exec(text) ?? /^()()(\d+)$/.exec(text);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${flag} expects host:port (for example 127.0.0.1:8080), got "${text}"`);
  }
  const host = m[1] ?? (m[2] === '' || m[2] === undefined ? '127.0.0.1' : m[2]);
  if (m[1] !== undefined && isIP(host) !== 6) throw new UsageError(`${flag}: "${host}" is not an IPv6 address`);
  return { host, port };
}

/** `127.0.0.1:9901` or `http://127.0.0.1:9901/` -> `http://127.0.0.1:9901`. */
export function adminBaseUrl(text: string): string {
  if (/^https?:\/\//.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new UsageError(`--admin expects a URL or host:port, got "${text}"`);
    }
    return url.origin;
  }
  const { host, port } = parseHostPort(text, '--admin');
  return `http://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** `http://host:port` for a bound address (IPv6 in brackets). */
export function urlOf(address: string, port: number): string {
  return `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}
