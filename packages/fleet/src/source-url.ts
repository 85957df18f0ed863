import { FleetError } from './errors.js';

/** `--source etcd://HOST:PORT/PREFIX[?jitter=MS&ttl=S]`, parsed. */
export interface EtcdSourceUrl {
  /** http://HOST:PORT, the etcd client URL. */
  readonly endpoint: string;
  readonly prefix: string;
  /** Longest random delay before fetching a new revision (spreads a fleet's fetches). Default 250 ms. */
  readonly jitterMs: number;
  /** TTL of the lease the instance reports under; it is GONE this long after it dies. Default 10 s. */
  readonly leaseTtlSeconds: number;
}

export function parseSourceUrl(text: string): EtcdSourceUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FleetError('GENSWAP_FLEET_BAD_SOURCE', `--source ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'etcd:') throw new FleetError('GENSWAP_FLEET_BAD_SOURCE', `--source ${text}: only etcd:// sources exist`);
  if (url.hostname === '' || url.port === '') throw new FleetError('GENSWAP_FLEET_BAD_SOURCE', `--source ${text} names no HOST:PORT`);
  const prefix = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  if (prefix === '') throw new FleetError('GENSWAP_FLEET_BAD_SOURCE', `--source ${text} names no PREFIX after the address`);
  const number = (name: string, fallback: number, max: number): number => {
    const raw = url.searchParams.get(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n > max) throw new FleetError('GENSWAP_FLEET_BAD_SOURCE', `--source ${text}: ${name} must be an integer from 0 to ${max}`);
    return n;
  };
  return {
    endpoint: `http://${url.host}`,
    prefix,
    jitterMs: number('jitter', 250, 60_000),
    leaseTtlSeconds: Math.max(2, number('ttl', 10, 3600)),
  };
}
