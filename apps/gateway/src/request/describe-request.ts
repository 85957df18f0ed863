import type { HttpTask } from '@genswap/supervisor';
import type { IpRanges } from '../ip/ip-ranges.js';
import { parseIp } from '../ip/ip-address.js';
import { type ClientAddress, resolveClientAddress } from './client-address.js';
import { type ForwardingHeader, headerValue } from './forwarding-headers.js';
import { normalizePath } from './normalize-path.js';
import type { TrustedProxies, TrustedProxy } from './trusted-proxies.js';

/**
 * The request a verdict is about. Behind nginx `auth_request`, Traefik `forwardAuth` or a
 * similar subrequest, the task is the proxy's subrequest and the original request is described
 * by headers: X-Original-URI / X-Original-Method (nginx convention), X-Forwarded-Uri /
 * X-Forwarded-Method / X-Forwarded-Host (Traefik), X-Forwarded-For / X-Real-IP (client). Such a
 * header is believed only from a peer in `trustedProxies` whose `sets` names it; otherwise it
 * is ignored and the task itself is judged, so a client cannot dress itself up as another
 * request, nor add a header its proxy passes through untouched.
 *
 * `headers` may be a null-prototype object (the front end makes them so) or a plain one: names
 * that come from config are looked up with headerValue, never as `headers[name]`.
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

/** The first of `names` that `proxy` sets and the request carries. */
function believed(proxy: TrustedProxy, headers: Readonly<Record<string, string | undefined>>, names: readonly ForwardingHeader[]): string | undefined {
  for (const name of names) {
    if (!proxy.sets.has(name)) continue;
    const value = headerValue(headers, name);
    if (value !== undefined) return value;
  }
  return undefined;
}

const METHOD_HEADERS: readonly ForwardingHeader[] = ['x-original-method', 'x-forwarded-method'];
const TARGET_HEADERS: readonly ForwardingHeader[] = ['x-original-uri', 'x-forwarded-uri'];
const HOST_HEADERS: readonly ForwardingHeader[] = ['x-forwarded-host'];

/** `address` receives the client address words (parseIp's format); it is reused per call. */
export function describeRequest(task: HttpTask, proxies: TrustedProxies, trusted: IpRanges, address: Uint32Array): DescribedRequest {
  const headers = task.headers;
  const peerFamily = parseIp(task.remoteAddress, address);
  const proxy = proxies.find(peerFamily, address);
  const client = resolveClientAddress(task.remoteAddress, headers, proxy, trusted, address);
  let method = task.method;
  let target = task.url;
  let host = headerValue(headers, 'host');
  if (proxy !== undefined) {
    method = believed(proxy, headers, METHOD_HEADERS) ?? method;
    target = believed(proxy, headers, TARGET_HEADERS) ?? target;
    host = firstValue(believed(proxy, headers, HOST_HEADERS)) ?? host;
  }
  return { method: method.toUpperCase(), path: normalizePath(target), host: hostName(host), client, headers };
}
