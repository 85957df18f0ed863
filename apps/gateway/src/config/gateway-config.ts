import type { IpRanges, RangeList } from '../ip/ip-ranges.js';
import type { ForwardingHeader } from '../request/forwarding-headers.js';

/**
 * The compiled gateway config: what `definition.compile` returns in the primary, what the codec
 * encodes into a generation's shared bytes, and what a handler receives in a worker.
 *
 * `settings` is small and JSON-shaped (deep-frozen after decode). `lists` are the big tables:
 * in a worker they are Uint32Array views over the slot's SharedArrayBuffer, valid only while
 * the task's lease is held (see Lease in @genswap/core) and never to be written to: every
 * worker reads the same bytes.
 */
export interface GatewayConfig {
  readonly settings: GatewaySettings;
  readonly lists: GatewayLists;
}

export interface GatewayLists {
  /** The inline entries' set (when there are any) and each list file's own, searched in turn. */
  readonly allow: RangeList;
  readonly deny: RangeList;
  /** Every trusted proxy's addresses (the union): hops of X-Forwarded-For that are skipped. */
  readonly trustedProxies: IpRanges;
}

export type Verdict = 'allow' | 'deny' | 'limited';
export type RuleAction = 'allow' | 'deny' | 'limit';

export interface Statuses {
  readonly allow: number;
  readonly deny: number;
  readonly limited: number;
}

/** One header condition. Exactly one of present / equals / regex is set after compile. */
export interface HeaderCondition {
  /** Lower-case header name. */
  readonly name: string;
  readonly present?: boolean;
  readonly equals?: string;
  /** Regex source, matched case-insensitively. */
  readonly regex?: string;
}

/** A compiled rule. Every condition present must hold (AND); no condition matches everything. */
export interface RuleSpec {
  /** The rule's `name`, or `rules[i]`; reported in `x-genswap-rule`. */
  readonly name: string;
  /** Upper-case methods, any of which matches. */
  readonly methods?: readonly string[];
  /** Prefix of the normalized path. */
  readonly pathPrefix?: string;
  /** The whole normalized path. */
  readonly pathEquals?: string;
  /** Regex source over the normalized path, case-sensitive. */
  readonly pathRegex?: string;
  /** Lower-case host names; `*.example.com` matches any subdomain (not example.com itself). */
  readonly hosts?: readonly string[];
  /** Regex source over User-Agent, matched case-insensitively. */
  readonly userAgent?: string;
  readonly headers?: readonly HeaderCondition[];
  readonly action: RuleAction;
  /** Name of the limit, for `action: limit`. */
  readonly limit?: string;
}

export interface LimitSpec {
  readonly name: string;
  readonly requests: number;
  readonly windowSeconds: number;
  /** Lower-case header whose value keys the counter; undefined keys by client IP. */
  readonly keyHeader?: string;
  /** Leading bits of an IPv4 client address that key the counter; default 32 (one address). */
  readonly ipv4Prefix?: number;
  /** Leading bits of an IPv6 client address that key the counter; default 64 (one customer's /64). */
  readonly ipv6Prefix?: number;
}

/** A trusted proxy: its CIDRs (kept as text: proxies are few) and the forwarding headers it sets. */
export interface ProxySpec {
  readonly addresses: readonly string[];
  readonly sets: readonly ForwardingHeader[];
}

/** What to do with a client whose forwarded address is not an address. */
export type UnparseableClient = 'deny' | 'unknown';

export interface GatewaySettings {
  readonly statuses: Statuses;
  readonly rules: readonly RuleSpec[];
  readonly limits: Readonly<Record<string, LimitSpec>>;
  /** Trusted proxies; compile always sets it (optional for hand-built configs: none). */
  readonly proxies?: readonly ProxySpec[];
  /** Default `deny`. */
  readonly unparseableClient?: UnparseableClient;
}
