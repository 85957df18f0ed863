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
  const usage = () => new UsageError(`${flag} expects host:port (for example 127.0.0.1:8080), got "${text}"`);
  let host: string;
  let portText: string;
  if (/^\d+$/.test(text)) {
    host = '';
    portText = text;
  } else if (text.startsWith('[')) {
    const m = /^\[([^\]]*)\]:(\d+)$/.exec(text);
    if (m === null) throw usage();
    if (isIP(m[1]!) !== 6) throw new UsageError(`${flag}: "${m[1]}" is not an IPv6 address`);
    host = m[1]!;
    portText = m[2]!;
  } else {
    const colon = text.lastIndexOf(':');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    // A bare IPv6 address is ambiguous (which colon starts the port?): brackets are required.
    if (colon < 0 || host.includes(':') || !/^\d+$/.test(portText)) throw usage();
  }
  const port = Number(portText);
  if (port > 65535) throw usage();
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** `127.0.0.1:9901` or `http://127.0.0.1:9901/` -> `http://127.0.0.1:9901`; `unix:/path` stays as it is. */
export function adminBaseUrl(text: string): string {
  if (text.startsWith('unix:')) {
    if (text.length === 'unix:'.length) throw new UsageError('--admin unix: needs a socket path (unix:/run/genswap/admin.sock)');
    return text;
  }
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
