import { invalidOption as invalid } from '../options.js';

/**
 * Bounds of the HTTP threads: what one client, or many, can make the service hold. Every queue
 * and buffer a request passes through has one of these as its bound.
 */
export interface HttpLimits {
  /** Open connections over all threads; further connections are closed at accept. Default 10 000. */
  readonly maxConnections?: number;
  /** Request headers (name/value pairs); a request with more is refused with 431. Default 100. */
  readonly maxHeaders?: number;
  /** Bytes of the request line and headers together; more is refused with 431. Default 16 384. */
  readonly maxHeaderBytes?: number;
  /** Request body bytes (the verdict reads none; it is drained); more is refused with 413. Default 65 536. */
  readonly maxBodyBytes?: number;
  /**
   * Requests of one connection running at once; later pipelined ones wait (reading pauses), and a
   * connection with more than 8x this many waiting is closed. Default 16.
   */
  readonly maxPipelined?: number;
  /** Requests one thread runs at once (async handlers); more are answered 503 at once. Default 1 024. */
  readonly maxInFlightPerThread?: number;
  /** Time to receive a request's headers, ms; then 408. Default 10 000. */
  readonly headersTimeoutMs?: number;
  /** Time to receive a whole request, ms; then 408. Default 30 000. */
  readonly requestTimeoutMs?: number;
  /** Idle keep-alive connections are closed after this, ms. Default 5 000. */
  readonly keepAliveTimeoutMs?: number;
}

export type ResolvedHttpLimits = { readonly [K in keyof HttpLimits]-?: number };

export const DEFAULT_HTTP_LIMITS: ResolvedHttpLimits = {
  maxConnections: 10_000,
  maxHeaders: 100,
  maxHeaderBytes: 16_384,
  maxBodyBytes: 65_536,
  maxPipelined: 16,
  maxInFlightPerThread: 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

const RANGES: { readonly [K in keyof HttpLimits]-?: readonly [min: number, max: number] } = {
  maxConnections: [1, 1_000_000],
  maxHeaders: [1, 10_000],
  maxHeaderBytes: [1024, 1_048_576],
  maxBodyBytes: [0, 2 ** 31 - 1],
  maxPipelined: [1, 10_000],
  maxInFlightPerThread: [1, 1_000_000],
  headersTimeoutMs: [100, 3_600_000],
  requestTimeoutMs: [100, 3_600_000],
  keepAliveTimeoutMs: [0, 3_600_000],
};

function intOption(label: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${label} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}

export function resolveHttpLimits(limits: HttpLimits | undefined): ResolvedHttpLimits {
  const given = (limits ?? {}) as Record<string, number | undefined>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(RANGES, key)) throw invalid(`supervisor option http.limits.${key} is not a limit; known: ${Object.keys(RANGES).join(', ')}`);
  }
  const out: Record<string, number> = {};
  for (const key of Object.keys(RANGES) as (keyof HttpLimits)[]) {
    const [min, max] = RANGES[key];
    out[key] = intOption(`supervisor option http.limits.${key}`, given[key], DEFAULT_HTTP_LIMITS[key], min, max);
  }
  if (out.headersTimeoutMs! > out.requestTimeoutMs!) {
    throw invalid('supervisor option http.limits.headersTimeoutMs must not exceed requestTimeoutMs');
  }
  return out as ResolvedHttpLimits;
}
