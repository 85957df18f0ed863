import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';
import type { GatewayConfig, LimitSpec, Verdict } from './config/gateway-config.js';
import { FAMILY_NONE, FAMILY_V4 } from './ip/ip-address.js';
import { containsAddress } from './ip/ip-ranges.js';
import { finishHash, hashString, hashWord, type KeyHash, startHash } from './rate-limit/key-hash.js';
import { type RateLimitState, rateTableFor } from './rate-limit/rate-limit-state.js';
import { type DescribedRequest, describeRequest } from './request/describe-request.js';
import { ruleSetFor } from './rules/rule-set.js';

/** The gateway's shared state (ctx.state): the rate-limit table. */
export type GatewayState = RateLimitState;

/** Per-thread scratch: handlers run one at a time on a thread and keep nothing across calls. */
const address = new Uint32Array(4);
const keyHash: KeyHash = { h1: 0, h2: 0 };

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

/** Hashes the counter key of `limit` for this request: the header value, or the client address. */
function limitKey(limit: LimitSpec, req: DescribedRequest): KeyHash {
  startHash(keyHash);
  hashString(keyHash, limit.name);
  const headerValue = limit.keyHeader === undefined ? undefined : req.headers[limit.keyHeader];
  if (headerValue !== undefined && headerValue !== '') {
    hashWord(keyHash, 0x68); // 'h': a header value never collides with an address by construction
    hashString(keyHash, headerValue);
  } else if (req.client.family === FAMILY_V4) {
    hashWord(keyHash, 4);
    hashWord(keyHash, address[0]!);
  } else if (req.client.family !== FAMILY_NONE) {
    hashWord(keyHash, 6);
    for (let k = 0; k < 4; k++) hashWord(keyHash, address[k]!);
  } else {
    hashWord(keyHash, 0);
    hashString(keyHash, req.client.text);
  }
  return finishHash(keyHash);
}

/**
 * Decides one request, at time `nowMs` (injectable for tests). Order: the allow list wins,
 * then the deny list, then rules in order (the first allow or deny rule decides; a limit rule
 * counts the request and decides only when the count is over its limit, otherwise evaluation
 * goes on), and a request nothing decided is allowed.
 *
 * `config` is the generation pinned for this task; its lists are views into shared memory,
 * valid only until this function returns. Nothing taken from it is kept.
 */
export function handleRequestAt(task: HttpTask, config: GatewayConfig, ctx: TaskContext<GatewayState>, nowMs: number): HttpResult {
  const { lists, settings } = config;
  const req = describeRequest(task, lists.trustedProxies, address);
  const family = req.client.family;
  if (family !== FAMILY_NONE) {
    if (containsAddress(lists.allow, family, address)) return verdict(config, ctx, 'allow', 'ip.allow');
    if (containsAddress(lists.deny, family, address)) return verdict(config, ctx, 'deny', 'ip.deny');
  }
  const rules = ruleSetFor(settings, ctx.generation);
  for (let i = rules.firstMatch(req, 0); i >= 0; i = rules.firstMatch(req, i + 1)) {
    const rule = rules.rule(i);
    if (rule.action !== 'limit') return verdict(config, ctx, rule.action, rule.name);
    const limit = settings.limits[rule.limit!]!;
    const { estimate, resetMs } = rateTableFor(ctx.state).hit(limitKey(limit, req), limit.windowSeconds, nowMs);
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
