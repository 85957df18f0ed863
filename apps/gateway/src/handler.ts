import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';
import type { GatewayConfig, LimitSpec, ProxySpec, Verdict } from './config/gateway-config.js';
import { FAMILY_NONE, FAMILY_V4 } from './ip/ip-address.js';
import { listContains } from './ip/ip-ranges.js';
import { finishHash, hashString, hashWord, type KeyHash, newKeyHash, startHash } from './rate-limit/key-hash.js';
import { type RateLimitState, rateTableFor } from './rate-limit/rate-limit-state.js';
import { type DescribedRequest, describeRequest } from './request/describe-request.js';
import { headerValue } from './request/forwarding-headers.js';
import { trustedProxiesFor } from './request/trusted-proxies.js';
import { ruleSetFor } from './rules/rule-set.js';

/** The gateway's shared state (ctx.state): the rate-limit table. */
export type GatewayState = RateLimitState;

const NO_PROXIES: readonly ProxySpec[] = Object.freeze([]);

/** Per-thread scratch: handlers run one at a time on a thread and keep nothing across calls. */
const address = new Uint32Array(4);
const keyHash: KeyHash = newKeyHash();

function verdict(config: GatewayConfig, ctx: TaskContext<GatewayState>, kind: Verdict, rule: string, extra?: Record<string, string>): HttpResult {
  const status = config.settings.statuses[kind];
  return {
    status,
    headers: {
      'x-genswap-verdict': kind,
      'x-genswap-rule': rule,
      'x-genswap-generation': String(ctx.generation),
      'cache-control': 'no-store',
      'content-type': 'text/plain; charset=utf-8',
      ...extra,
    },
    body: `${kind}: ${rule}\n`,
  };
}

/** `word` with only its leading `bits` kept (bits <= 0: none, >= 32: all). */
function maskWord(word: number, bits: number): number {
  if (bits >= 32) return word >>> 0;
  if (bits <= 0) return 0;
  return (word & (0xffffffff << (32 - bits))) >>> 0;
}

/** Hashes the counter key of `limit` for this request: the header value, or the client address. */
function limitKey(limit: LimitSpec, req: DescribedRequest, seed: Uint32Array): KeyHash {
  startHash(keyHash, seed);
  hashString(keyHash, limit.name);
  const keyValue = limit.keyHeader === undefined ? undefined : headerValue(req.headers, limit.keyHeader);
  if (keyValue !== undefined && keyValue !== '') {
    hashWord(keyHash, 0x68); // 'h': a header value never collides with an address by construction
    hashString(keyHash, keyValue);
  } else if (req.client.family === FAMILY_V4) {
    hashWord(keyHash, 4);
    const prefix = limit.ipv4Prefix ?? 32;
    hashWord(keyHash, prefix);
    hashWord(keyHash, maskWord(address[0]!, prefix));
  } else if (req.client.family !== FAMILY_NONE) {
    // One counter per IPv6 prefix (default /64): a host is handed a whole /64, so counting
    // single addresses lets one client rotate through 2^64 of them.
    hashWord(keyHash, 6);
    const prefix = limit.ipv6Prefix ?? 64;
    hashWord(keyHash, prefix);
    for (let k = 0; k < 4; k++) hashWord(keyHash, maskWord(address[k]!, prefix - 32 * k));
  } else {
    hashWord(keyHash, 0);
    hashString(keyHash, req.client.text);
  }
  return finishHash(keyHash);
}

/**
 * Decides one request, at time `nowMs` (injectable for tests). A client whose forwarded
 * address is not an address is denied first (`client.unparseable`) unless
 * `unparseableClient: unknown`, which judges it with no address: no list matches it and its
 * per-IP limits share one counter with every other unknown client. Then the allow list wins,
 * then the deny list, then rules in order (the first allow or deny rule decides; a limit rule
 * counts the request and decides only when the count is over its limit, otherwise evaluation
 * goes on), and a request nothing decided is allowed.
 *
 * `config` is the generation pinned for this task; its lists are views into shared memory,
 * valid only until this function returns. Nothing taken from it is kept.
 */
export function handleRequestAt(task: HttpTask, config: GatewayConfig, ctx: TaskContext<GatewayState>, nowMs: number): HttpResult {
  const { lists, settings } = config;
  const req = describeRequest(task, trustedProxiesFor(settings.proxies ?? NO_PROXIES), lists.trustedProxies, address);
  if (req.client.unparseable && settings.unparseableClient !== 'unknown') return verdict(config, ctx, 'deny', 'client.unparseable');
  const family = req.client.family;
  if (family !== FAMILY_NONE) {
    if (listContains(lists.allow, family, address)) return verdict(config, ctx, 'allow', 'ip.allow');
    if (listContains(lists.deny, family, address)) return verdict(config, ctx, 'deny', 'ip.deny');
  }
  const rules = ruleSetFor(settings);
  for (let i = rules.firstMatch(req, 0); i >= 0; i = rules.firstMatch(req, i + 1)) {
    const rule = rules.rule(i);
    if (rule.action !== 'limit') return verdict(config, ctx, rule.action, rule.name);
    const limit = settings.limits[rule.limit!]!;
    const table = rateTableFor(ctx.state);
    const { estimate, resetMs } = table.hit(limitKey(limit, req, table.seed), limit.windowSeconds, nowMs);
    if (estimate > limit.requests) {
      return verdict(config, ctx, 'limited', rule.name, { 'retry-after': String(Math.max(1, Math.ceil(resetMs / 1000))) });
    }
  }
  return verdict(config, ctx, 'allow', 'default');
}

/** The gateway's handler: `defineWorker(handleRequest, { codec })` in worker.ts. */
export function handleRequest(task: HttpTask, config: GatewayConfig, ctx: TaskContext<GatewayState>): HttpResult {
  return handleRequestAt(task, config, ctx, Date.now());
}
