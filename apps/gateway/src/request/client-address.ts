import { FAMILY_NONE, type Family, parseIp } from '../ip/ip-address.js';
import { containsAddress, type IpRanges } from '../ip/ip-ranges.js';
import { headerValue } from './forwarding-headers.js';
import type { TrustedProxy } from './trusted-proxies.js';

/**
 * Which address a verdict is about. The TCP peer, unless the peer is a trusted proxy: then the
 * client it names in the address headers that proxy sets: X-Forwarded-For (the rightmost hop
 * that is not itself a trusted proxy), else X-Real-IP, else X-Envoy-External-Address.
 *
 * Why rightmost: every proxy appends the address it received from, so everything left of the
 * last untrusted hop was written by the client and can be anything. A client sending
 * `X-Forwarded-For: 127.0.0.1` through nginx arrives as `127.0.0.1, <its address>`; walking
 * from the right stops at its address. A peer that is not trusted is judged by its own
 * address whatever headers it sends.
 *
 * A forwarded address that cannot be parsed (`unknown`, `garbage`, `203.0.113.005`, an empty
 * hop) is never replaced by the proxy's own address: the proxy is usually trusted and
 * allow-listed, so that would let any client in. It comes back `unparseable`, and the handler
 * applies `unparseableClient` (deny, or judge it as an unknown client).
 */
export interface ClientAddress {
  /** The address as text; for an unparseable or unknown client, `unknown`. */
  readonly text: string;
  readonly family: Family;
  /** True when the peer is a trusted proxy (its forwarding headers were used). */
  readonly viaProxy: boolean;
  /** True when a trusted proxy's address header held something that is not an address. */
  readonly unparseable: boolean;
}

export const UNKNOWN_CLIENT = 'unknown';

/**
 * Strips what forwarders add around an address in X-Forwarded-For / X-Real-IP: spaces,
 * `[v6]:port` brackets, an IPv4 `:port` suffix, quotes.
 */
export function forwardedAddressText(raw: string): string {
  let text = raw.trim();
  if (text.charCodeAt(0) === 34 /* " */ && text.charCodeAt(text.length - 1) === 34) text = text.slice(1, -1);
  if (text.charCodeAt(0) === 91 /* [ */) {
    const close = text.indexOf(']');
    return close > 0 ? text.slice(1, close) : text;
  }
  const colon = text.indexOf(':');
  if (colon > 0 && text.indexOf(':', colon + 1) < 0 && text.indexOf('.') >= 0) return text.slice(0, colon);
  return text;
}

function unparseable(): ClientAddress {
  return { text: UNKNOWN_CLIENT, family: FAMILY_NONE, viaProxy: true, unparseable: true };
}

function single(raw: string, out: Uint32Array): ClientAddress {
  const text = forwardedAddressText(raw);
  const family = parseIp(text, out);
  return family === FAMILY_NONE ? unparseable() : { text, family, viaProxy: true, unparseable: false };
}

/**
 * Resolves the client address into `out` (parseIp's format) and returns its description.
 * `proxy` is the trusted proxy the peer belongs to (trusted-proxies.ts), or undefined; `trusted`
 * is every trusted proxy's addresses, for walking X-Forwarded-For hops.
 */
export function resolveClientAddress(
  remoteAddress: string,
  headers: Readonly<Record<string, string | undefined>>,
  proxy: TrustedProxy | undefined,
  trusted: IpRanges,
  out: Uint32Array,
): ClientAddress {
  if (proxy === undefined) return { text: remoteAddress, family: parseIp(remoteAddress, out), viaProxy: false, unparseable: false };

  const xff = proxy.sets.has('x-forwarded-for') ? headerValue(headers, 'x-forwarded-for') : undefined;
  if (xff !== undefined) {
    // Walk right to left: the first hop that is not a trusted proxy is the client.
    let end = xff.length;
    let farthest: string | undefined;
    while (end >= 0) {
      const comma = end === 0 ? -1 : xff.lastIndexOf(',', end - 1);
      const text = forwardedAddressText(xff.slice(comma + 1, end));
      end = comma;
      const family = text === '' ? FAMILY_NONE : parseIp(text, out);
      // A hop a trusted proxy wrote that is not an address: nothing further left can be believed,
      // and the proxy's own address must not stand in for the client.
      if (family === FAMILY_NONE) return unparseable();
      if (!containsAddress(trusted, family, out)) return { text, family, viaProxy: true, unparseable: false };
      farthest = text;
      if (comma < 0) break;
    }
    // Every hop was a trusted proxy: the farthest one is the client as far as we can tell.
    return { text: farthest!, family: parseIp(farthest!, out), viaProxy: true, unparseable: false };
  }
  const realIp = proxy.sets.has('x-real-ip') ? headerValue(headers, 'x-real-ip') : undefined;
  if (realIp !== undefined) return single(realIp, out);
  const external = proxy.sets.has('x-envoy-external-address') ? headerValue(headers, 'x-envoy-external-address') : undefined;
  if (external !== undefined) return single(external, out);
  // The proxy named no client (a health check from the proxy itself): judge the proxy.
  return { text: remoteAddress, family: parseIp(remoteAddress, out), viaProxy: true, unparseable: false };
}
