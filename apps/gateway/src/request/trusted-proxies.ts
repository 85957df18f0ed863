import type { ProxySpec } from '../config/gateway-config.js';
import { newCidrBounds, parseCidr } from '../ip/cidr.js';
import type { Family } from '../ip/ip-address.js';
import { containsAddress, type IpRanges } from '../ip/ip-ranges.js';
import { RangeSetBuilder } from '../ip/range-set-builder.js';
import type { ForwardingHeader } from './forwarding-headers.js';

/** One trusted proxy (or group of them) as a worker matches it: its addresses and the headers it sets. */
export interface TrustedProxy {
  readonly ranges: IpRanges;
  readonly sets: ReadonlySet<ForwardingHeader>;
}

/**
 * The trusted proxies of one generation, built once per generation per worker from the small
 * settings (proxies are few; the union of their addresses is also in the shared tables, for
 * walking X-Forwarded-For). The first proxy whose addresses hold the peer is the one believed.
 */
export class TrustedProxies {
  private readonly proxies: readonly TrustedProxy[];

  constructor(specs: readonly ProxySpec[]) {
    const bounds = newCidrBounds();
    this.proxies = specs.map((spec) => {
      const builder = new RangeSetBuilder();
      for (const cidr of spec.addresses) {
        const family = parseCidr(cidr, bounds);
        if (typeof family !== 'string') builder.add(family, bounds); // the primary refused bad ones
      }
      return { ranges: builder.build(), sets: new Set(spec.sets) };
    });
  }

  /** The proxy the peer at `address` belongs to, or undefined when it is not trusted. */
  find(family: Family, address: Uint32Array): TrustedProxy | undefined {
    for (const proxy of this.proxies) if (containsAddress(proxy.ranges, family, address)) return proxy;
    return undefined;
  }
}

const built = new WeakMap<readonly ProxySpec[], TrustedProxies>();

/** The TrustedProxies of a generation's (frozen, per-generation) settings, built once per worker. */
export function trustedProxiesFor(specs: readonly ProxySpec[]): TrustedProxies {
  let proxies = built.get(specs);
  if (proxies === undefined) {
    proxies = new TrustedProxies(specs);
    built.set(specs, proxies);
  }
  return proxies;
}
