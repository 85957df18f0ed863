import { FAMILY_NONE, type Family, parseIp } from '../ip/ip-address.js';
import { containsAddress, type IpRanges } from '../ip/ip-ranges.js';

/**
 * Which address a verdict is about. The TCP peer, unless the peer is a trusted proxy: then the
 * client it names in X-Forwarded-For (the rightmost hop that is not itself a trusted proxy) or,
 * without that header, in X-Real-IP.
 *
 * Why rightmost: every proxy appends the address it received from, so everything left of the
 * last untrusted hop was written by the client and can be anything. A client sending
 * `X-Forwarded-For: 127.0.0.1` through nginx arrives as `127.0.0.1, <its address>`; walking
 * from the right stops at its address. A peer that is not trusted is judged by its own
 * address whatever headers it sends.
 */
export interface ClientAddress {
  /** The address as text (it keys per-IP rate limits). */
  readonly text: string;
  readonly family: Family;
  /** True when the peer is a trusted proxy (its forwarding headers were used). */
  readonly viaProxy: boolean;
}

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

/**
 * Resolves the client address into `out` (parseIp's format) and returns its description.
 * `headers` are the task's lower-cased headers.
 */
export function resolveClientAddress(
  remoteAddress: string,
  headers: Readonly<Record<string, string | undefined>>,
  trusted: IpRanges,
  out: Uint32Array,
): ClientAddress {
  const peerFamily = parseIp(remoteAddress, out);
  const peerTrusted = peerFamily !== FAMILY_NONE && containsAddress(trusted, peerFamily, out);
  if (!peerTrusted) return { text: remoteAddress, family: peerFamily, viaProxy: false };

  const xff = headers['x-forwarded-for'];
  if (xff !== undefined && xff !== '') {
    // Walk right to left. `chosen` is the nearest hop so far; it starts as the peer itself.
    let chosen = remoteAddress;
    let end = xff.length;
    while (end > 0) {
      const comma = xff.lastIndexOf(',', end - 1);
      const text = forwardedAddressText(xff.slice(comma + 1, end));
      end = comma < 0 ? 0 : comma;
      if (text === '') continue;
      const family = parseIp(text, out);
      // A hop a trusted proxy wrote that is not an address (`unknown`, garbage): believe
      // nothing further left, and judge the nearest address we have.
      if (family === FAMILY_NONE) break;
      chosen = text;
      if (!containsAddress(trusted, family, out)) return { text, family, viaProxy: true };
    }
    // Every hop was trusted (or we stopped at garbage): the nearest believable address.
    return { text: chosen, family: parseIp(chosen, out), viaProxy: true };
  }

  const realIp = headers['x-real-ip'];
  if (realIp !== undefined) {
    const text = forwardedAddressText(realIp);
    const family = parseIp(text, out);
    if (family !== FAMILY_NONE) return { text, family, viaProxy: true };
  }
  return { text: remoteAddress, family: parseIp(remoteAddress, out), viaProxy: true };
}
