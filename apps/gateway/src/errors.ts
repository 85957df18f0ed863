import { GenswapError } from '@genswap/core';

/**
 * The error registry of @genswap/gateway: code -> what to do. Codes are stable and never reused.
 * Config problems (recorded through CompileContext) use the GENSWAP_GATEWAY_CONFIG_* codes; the
 * others are thrown by the codec and the shared rate-limit state. The README's table is kept in
 * step with this registry by a test.
 */
export const GATEWAY_ERRORS = {
  GENSWAP_GATEWAY_CONFIG_BAD_CIDR: 'Write an IPv4 or IPv6 address, optionally with a prefix length (10.0.0.0/8, 2001:db8::/32), with no host bits set after the prefix.',
  GENSWAP_GATEWAY_CONFIG_BAD_REGEX: 'Write the pattern in RE2 syntax (JavaScript syntax without backreferences or lookaround; `\\x{41}` for `\\u0041`): rules run on a linear-time engine that cannot run those.',
  GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX: 'Shorten the pattern (at most 256 characters) or lower its repetition counts (at most 2000 compiled instructions): the per-character cost of matching grows with the program.',
  GENSWAP_GATEWAY_CONFIG_UNKNOWN_LIMIT: 'Name a limit defined under `limits`, or define it there.',
  GENSWAP_GATEWAY_CONFIG_BAD_RULE: 'Give a `limit` rule the name of its limit, and give `limit` only to `action: limit` rules.',
  GENSWAP_GATEWAY_CONFIG_BAD_PROXY: 'Write each trusted proxy as { addresses: [<CIDR>...], sets: nginx | envoy | traefik | [<header>...] }: only the forwarding headers a proxy sets are believed from it.',
  GENSWAP_GATEWAY_CONFIG_TOO_MANY_RANGES: 'Aggregate the lists into larger CIDR blocks, or drop entries: the range tables of one config hold at most 56 MiB (7,340,032 IPv4 or 1,835,008 IPv6 ranges, or a mix), so that the config fits one 64 MiB generation.',
  GENSWAP_GATEWAY_BAD_ENCODING: 'The bytes were not produced by this version of the gateway codec: publish with the same @genswap/gateway version the workers run.',
  GENSWAP_GATEWAY_BAD_STATE: 'Pass the object returned by createState() (or createRateLimitState()) unchanged to the workers.',
  GENSWAP_GATEWAY_INVALID_OPTION: 'Fix the option named in the message; its accepted range is given there.',
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export class GatewayError extends GenswapError {
  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, GATEWAY_ERRORS[code], options);
  }
}
