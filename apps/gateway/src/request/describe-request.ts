import type { HttpTask } from '@genswap/supervisor';
import type { IpRanges } from '../ip/ip-ranges.js';
import { type ClientAddress, resolveClientAddress } from './client-address.js';
import { normalizePath } from './normalize-path.js';

/**
 * The request a verdict is about. Behind nginx `auth_request`, Traefik `forwardAuth` or a
 * similar subrequest, the task is the proxy's subrequest and the original request is described
 * by headers: X-Original-URI / X-Original-Method (nginx convention), X-Forwarded-Uri /
 * X-Forwarded-Method / X-Forwarded-Host (Traefik), X-Forwarded-For / X-Real-IP (client). Those
 * headers are believed only from a peer in `trustedProxies`; from anyone else they are ignored
 * and the task itself is judged, so a client cannot dress itself up as another request.
 */
export interface DescribedRequest {
  /** Upper-case method. */
  readonly method: string;
  /** Normalized path (see normalize-path.ts). */
  readonly path: string;
  /** Lower-case host without port or trailing dot; '' when absent. */
  readonly host: string;
  readonly client: ClientAddress;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

function firstValue(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const comma = value.indexOf(',');
  return (comma < 0 ? value : value.slice(0, comma)).trim();
}

/** `Example.COM:8080` -> `example.com`; `[::1]:80` -> `::1`. */
export function hostName(raw: string | undefined): string {
  if (raw === undefined || raw === '') return '';
  let host = raw;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    host = close > 0 ? host.slice(1, close) : host;
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) host = host.slice(0, colon);
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host.toLowerCase();
}

/** `address` receives the client address words (parseIp's format); it is reused per call. */
export function describeRequest(task: HttpTask, trustedProxies: IpRanges, address: Uint32Array): DescribedRequest {
  const headers = task.headers;
  const client = resolveClientAddress(task.remoteAddress, headers, trustedProxies, address);
  let method = task.method;
  let target = task.url;
  let host = headers['host'];
  if (client.viaProxy) {
    method = headers['x-original-method'] ?? headers['x-forwarded-method'] ?? method;
    target = headers['x-original-uri'] ?? headers['x-forwarded-uri'] ?? target;
    host = firstValue(headers['x-forwarded-host']) ?? host;
  }
  return { method: method.toUpperCase(), path: normalizePath(target), host: hostName(host), client, headers };
}
