import path from 'node:path';
import { parseConfigText } from '@genswap/config';
import type { HttpResult, HttpTask, TaskContext } from '@genswap/supervisor';
import { describe, expect, it } from 'vitest';
import { gatewayCodec } from './codec/gateway-codec.js';
import type { GatewayConfig } from './config/gateway-config.js';
import { definition } from './definition.js';
import { type GatewayState, handleRequestAt } from './handler.js';
import { createRateLimitState } from './rate-limit/rate-limit-state.js';

/** Compiles YAML the way the primary does and decodes it the way a worker does. */
async function load(yaml: string): Promise<GatewayConfig> {
  const { value } = await parseConfigText(yaml, path.join(import.meta.dirname, 'test.yaml'), definition);
  return gatewayCodec.decode(gatewayCodec.encode(value));
}

function ctxWith(state: GatewayState, generation = 1): TaskContext<GatewayState> {
  return { generation, threadId: 0, state };
}

function task(remoteAddress: string, headers: Record<string, string> = {}, url = '/', method = 'GET'): HttpTask {
  return { method, url, headers: { host: 'app.example.com', ...headers }, remoteAddress };
}

const NOW = 1_700_000_000_000;
const T0 = Math.floor(NOW / 60_000) * 60_000; // start of a 60 s window

function decide(config: GatewayConfig, t: HttpTask, state = createRateLimitState({ entries: 1024 }), now = NOW): HttpResult {
  return handleRequestAt(t, config, ctxWith(state), now);
}

function summary(r: HttpResult): string {
  return `${r.status} ${r.headers?.['x-genswap-verdict']} ${r.headers?.['x-genswap-rule']}`;
}

const LISTS = `
trustedProxies:
  - { addresses: [127.0.0.1/32, "::1", 10.0.0.0/8], sets: nginx }
ip:
  allow: [192.0.2.10, 2001:db8::10]
  deny: [192.0.2.0/24, 203.0.113.0/24, 2001:db8::/32]
rules:
  - name: admin
    match: { path: /admin }
    action: deny
`;

describe('IP lists', () => {
  it('denies a listed address and says so in headers and body', async () => {
    const r = decide(await load(LISTS), task('203.0.113.9'));
    expect(r).toEqual({
      status: 403,
      headers: expect.objectContaining({ 'x-genswap-verdict': 'deny', 'x-genswap-rule': 'ip.deny', 'x-genswap-generation': '1' }),
      body: 'deny: ip.deny\n',
    });
  });

  it('lets the allow list win over the deny list', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('192.0.2.10')))).toBe('200 allow ip.allow');
    expect(summary(decide(config, task('192.0.2.11')))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('2001:db8::10')))).toBe('200 allow ip.allow');
    expect(summary(decide(config, task('2001:db8::11')))).toBe('403 deny ip.deny');
  });

  it('judges an IPv4-mapped peer by its IPv4 address', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('::ffff:203.0.113.9')))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('::ffff:192.0.2.10')))).toBe('200 allow ip.allow');
  });

  it('allows by default', async () => {
    expect(summary(decide(await load(LISTS), task('198.51.100.1')))).toBe('200 allow default');
    expect(summary(decide(await load('{}'), task('127.0.0.1')))).toBe('200 allow default');
  });
});

describe('forwarding headers', () => {
  it('ignores X-Forwarded-For and X-Real-IP from an untrusted peer (no spoofing past the blocklist)', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('203.0.113.9', { 'x-forwarded-for': '192.0.2.10' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('203.0.113.9', { 'x-real-ip': '198.51.100.1' })))).toBe('403 deny ip.deny');
  });

  it('ignores X-Original-URI / X-Original-Method from an untrusted peer', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('198.51.100.1', { 'x-original-uri': '/public' }, '/admin')))).toBe('403 deny admin');
    expect(summary(decide(config, task('198.51.100.1', { 'x-original-uri': '/admin' }, '/public')))).toBe('200 allow default');
  });

  it('believes a trusted proxy: the rightmost untrusted X-Forwarded-For hop is the client', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' })))).toBe('403 deny ip.deny');
    // Through two proxies (10.0.0.7 is trusted), and with a client-written spoofed hop on the left.
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '192.0.2.10, 203.0.113.9, 10.0.0.7' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('::1', { 'x-forwarded-for': '203.0.113.9,192.0.2.10' })))).toBe('200 allow ip.allow');
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '[2001:db8::11]:443' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '203.0.113.9:5555' })))).toBe('403 deny ip.deny');
  });

  it('takes the leftmost hop when every hop is a trusted proxy', async () => {
    const config = await load(LISTS.replace('deny: [192.0.2.0/24', 'deny: [10.0.0.5, 192.0.2.0/24'));
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '10.0.0.5, 10.0.0.7' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': '10.0.0.6, 10.0.0.5' })))).toBe('200 allow default');
  });

  it('uses X-Real-IP from a trusted proxy when there is no X-Forwarded-For', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('127.0.0.1', { 'x-real-ip': '203.0.113.9' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('127.0.0.1', { 'x-real-ip': 'garbage' })))).toBe('403 deny client.unparseable');
  });

  it.each(['unknown', 'garbage', '203.0.113.005', ',', '', '203.0.113.9, unknown, 10.0.0.7', ' , 10.0.0.7'])(
    'regression: an unparseable forwarded address %j is never judged as the (allow-listed) proxy',
    async (xff) => {
      // The proxy itself is allow-listed: judging it instead of the client would allow anything.
      const allowProxy = LISTS.replace('allow: [192.0.2.10', 'allow: [127.0.0.0/8, 192.0.2.10');
      const denying = await load(allowProxy);
      expect(summary(decide(denying, task('127.0.0.1', { 'x-forwarded-for': xff })))).toBe('403 deny client.unparseable');
      // `unparseableClient: unknown`: judged with no address (no list holds it), by the rules.
      const unknown = await load(`${allowProxy}\nunparseableClient: unknown\n`);
      expect(summary(decide(unknown, task('127.0.0.1', { 'x-forwarded-for': xff })))).toBe('200 allow default');
      expect(summary(decide(unknown, task('127.0.0.1', { 'x-forwarded-for': xff }, '/admin')))).toBe('403 deny admin');
    },
  );

  it('judges unknown clients together: their per-IP limit is one shared counter', async () => {
    const config = await load('trustedProxies: [{ addresses: [127.0.0.1], sets: nginx }]\nunparseableClient: unknown\nrules: [{ action: limit, limit: l }]\nlimits: { l: { requests: 2, windowSeconds: 60 } }\n');
    const state = createRateLimitState({ entries: 1024 });
    const results = ['unknown', 'garbage', 'x'].map((xff) => summary(decide(config, task('127.0.0.1', { 'x-forwarded-for': xff }), state)));
    expect(results).toEqual(['200 allow default', '200 allow default', '429 limited rules[0]']);
  });

  it('describes the original request from a trusted nginx (X-Original-URI), not from headers nginx does not set', async () => {
    const config = await load(LISTS);
    expect(summary(decide(config, task('127.0.0.1', { 'x-original-uri': '/admin/users?x=1' }, '/auth')))).toBe('403 deny admin');
    expect(summary(decide(config, task('127.0.0.1', { 'x-original-uri': '/public' }, '/admin')))).toBe('200 allow default');
    // nginx does not set X-Forwarded-Uri: a client could have, so it is not believed.
    expect(summary(decide(config, task('127.0.0.1', { 'x-forwarded-uri': '/%61dmin' }, '/auth')))).toBe('200 allow default');
  });

  it('regression: behind Traefik, a client-sent X-Original-URI does not beat the X-Forwarded-Uri Traefik set', async () => {
    const config = await load(`
trustedProxies: [{ addresses: [127.0.0.1], sets: traefik }]
rules: [{ name: dotfiles, match: { pathRegex: "/\\\\.env" }, action: deny }]
`);
    const forwarded = { 'x-forwarded-uri': '/.env', 'x-original-uri': '/', 'x-forwarded-for': '198.51.100.1' };
    expect(summary(decide(config, task('127.0.0.1', forwarded, '/auth')))).toBe('403 deny dotfiles');
    expect(summary(decide(config, task('127.0.0.1', { 'x-real-ip': '192.0.2.1', 'x-forwarded-for': '198.51.100.1' })))).toBe('200 allow default');
  });

  it('behind Envoy, judges the check request itself and its X-Envoy-External-Address', async () => {
    const config = await load(`
trustedProxies: [{ addresses: [127.0.0.1], sets: envoy }]
ip: { deny: [203.0.113.0/24] }
rules: [{ name: admin, match: { path: /admin }, action: deny }]
`);
    expect(summary(decide(config, task('127.0.0.1', { 'x-envoy-external-address': '203.0.113.7' })))).toBe('403 deny ip.deny');
    expect(summary(decide(config, task('127.0.0.1', { 'x-original-uri': '/public' }, '/admin')))).toBe('403 deny admin');
  });
});

describe('header names as keys', () => {
  it.each(['constructor', '__proto__', 'hasOwnProperty', 'toString'])('regression: a header: limit key named %s is an ordinary header', async (name) => {
    const config = await load(`
rules: [{ name: per-header, action: limit, limit: h }, { name: cond, match: { headers: [{ name: ${name}, present: true }] }, action: deny }]
limits: { h: { requests: 1, windowSeconds: 60, key: "header:${name}" } }
`);
    const state = createRateLimitState({ entries: 1024 });
    for (const proto of [true, false]) {
      const headers = (value?: string): Record<string, string> => {
        const h: Record<string, string> = proto ? {} : (Object.create(null) as Record<string, string>);
        h['host'] = 'app.example.com';
        if (value !== undefined) Object.defineProperty(h, name.toLowerCase(), { value, enumerable: true });
        return h;
      };
      const t = (value: string | undefined, ip: string): HttpTask => ({ method: 'GET', url: '/', headers: headers(value), remoteAddress: ip });
      // Without the header: keyed by address, and the condition does not hold.
      expect(summary(decide(config, t(undefined, proto ? '198.51.100.1' : '198.51.100.2'), state))).toBe('200 allow default');
      // Two clients with different values are two counters (not one shared `__proto__` counter).
      expect(summary(decide(config, t(`a-${String(proto)}`, '198.51.100.3'), state))).toBe('403 deny cond');
      expect(summary(decide(config, t(`b-${String(proto)}`, '198.51.100.4'), state))).toBe('403 deny cond');
      expect(summary(decide(config, t(`b-${String(proto)}`, '198.51.100.4'), state))).toBe('429 limited per-header');
    }
  });
});

describe('IPv6 rate-limit keys', () => {
  const LIMIT = `
rules: [{ name: login-rate, match: { methods: [POST], path: /login }, action: limit, limit: login }]
limits: { login: { requests: 10, windowSeconds: 60 } }
`;
  it('regression: rotating addresses inside one /64 shares one counter', async () => {
    const config = await load(LIMIT);
    const state = createRateLimitState({ entries: 1024 });
    const verdicts = Array.from({ length: 30 }, (_, i) => summary(decide(config, task(`2001:db8:1:2:${((i * 7919) % 65536).toString(16)}::${i + 1}`, {}, '/login', 'POST'), state)));
    expect(verdicts.filter((v) => v.startsWith('200'))).toHaveLength(10);
    expect(verdicts[10]).toBe('429 limited login-rate');
    // Another /64 has its own counter.
    expect(summary(decide(config, task('2001:db8:1:3::1', {}, '/login', 'POST'), state))).toBe('200 allow default');
  });

  it('keys by the configured prefix (ipv6Prefix: 128 counts single addresses, ipv4Prefix: 24 whole /24s)', async () => {
    const config = await load(LIMIT.replace('windowSeconds: 60 }', 'windowSeconds: 60, ipv6Prefix: 128, ipv4Prefix: 24 }'));
    const state = createRateLimitState({ entries: 1024 });
    const v6 = Array.from({ length: 11 }, (_, i) => summary(decide(config, task(`2001:db8::${i + 1}`, {}, '/login', 'POST'), state)));
    expect(v6.every((v) => v.startsWith('200'))).toBe(true);
    const v4 = Array.from({ length: 11 }, (_, i) => summary(decide(config, task(`198.51.100.${i + 1}`, {}, '/login', 'POST'), state)));
    expect(v4[10]).toBe('429 limited login-rate');
  });
});

describe('rules', () => {
  const RULES = `
rules:
  - name: health
    match: { path: /admin/health }
    action: allow
  - name: admin
    match: { path: /admin }
    action: deny
  - name: bots
    match: { userAgent: "(sqlmap|nikto)" }
    action: deny
  - name: writes-need-token
    match:
      methods: [POST, PUT]
      hosts: ["*.example.com"]
      headers: [{ name: authorization, present: false }]
    action: deny
  - name: api-regex
    match: { pathRegex: "^/api/v[0-9]+/internal", headers: [{ name: x-env, equals: staging }] }
    action: deny
`;

  it('applies the first matching rule, in order', async () => {
    const config = await load(RULES);
    expect(summary(decide(config, task('198.51.100.1', {}, '/admin/health')))).toBe('200 allow health');
    expect(summary(decide(config, task('198.51.100.1', {}, '/admin/x')))).toBe('403 deny admin');
    expect(summary(decide(config, task('198.51.100.1', { 'user-agent': 'sqlmap/1.7' }, '/admin/health')))).toBe('200 allow health');
  });

  it('matches user agents case-insensitively, methods, host wildcards and header conditions', async () => {
    const config = await load(RULES);
    expect(summary(decide(config, task('198.51.100.1', { 'user-agent': 'Mozilla NIKTO' })))).toBe('403 deny bots');
    expect(summary(decide(config, task('198.51.100.1', {}, '/form', 'post')))).toBe('403 deny writes-need-token');
    expect(summary(decide(config, task('198.51.100.1', { authorization: 'Bearer x' }, '/form', 'POST')))).toBe('200 allow default');
    expect(summary(decide(config, task('198.51.100.1', { host: 'example.com' }, '/form', 'POST')))).toBe('200 allow default');
    expect(summary(decide(config, task('198.51.100.1', {}, '/form', 'GET')))).toBe('200 allow default');
    expect(summary(decide(config, task('198.51.100.1', { 'x-env': 'staging' }, '/api/v2/internal/x')))).toBe('403 deny api-regex');
    expect(summary(decide(config, task('198.51.100.1', { 'x-env': 'prod' }, '/api/v2/internal/x')))).toBe('200 allow default');
  });

  it('reuses compiled rules within a generation and recompiles for a new config', async () => {
    const a = await load(RULES);
    const b = await load('rules: [{ name: all, action: deny }]');
    const state = createRateLimitState({ entries: 1024 });
    expect(summary(handleRequestAt(task('198.51.100.1'), a, ctxWith(state, 7), NOW))).toBe('200 allow default');
    // Same generation number, different config object: must not reuse a's rules.
    expect(summary(handleRequestAt(task('198.51.100.1'), b, ctxWith(state, 7), NOW))).toBe('403 deny all');
  });
});

describe('rate limits', () => {
  const LIMITS = (requests: number, limited = 429): string => `
statuses: { limited: ${limited} }
rules:
  - name: login
    match: { path: /login }
    action: limit
    limit: login
  - name: api
    match: { path: /api }
    action: limit
    limit: api
  - name: after-limit
    match: { path: /login/blocked }
    action: deny
limits:
  login: { requests: ${requests}, windowSeconds: 60 }
  api: { requests: 2, windowSeconds: 60, key: "header:x-api-key" }
`;

  it('limits a client after `requests` in a window, with Retry-After, and leaves others alone', async () => {
    const config = await load(LIMITS(3));
    const state = createRateLimitState({ entries: 1024 });
    const verdicts = Array.from({ length: 5 }, () => summary(decide(config, task('198.51.100.1', {}, '/login'), state, T0)));
    expect(verdicts).toEqual(['200 allow default', '200 allow default', '200 allow default', '429 limited login', '429 limited login']);
    const limited = decide(config, task('198.51.100.1', {}, '/login'), state, T0 + 15_000);
    expect(limited.headers?.['retry-after']).toBe('45');
    expect(summary(decide(config, task('198.51.100.2', {}, '/login'), state, T0))).toBe('200 allow default');
    expect(summary(decide(config, task('198.51.100.1', {}, '/elsewhere'), state, T0))).toBe('200 allow default');
  });

  it('goes on to later rules while under the limit', async () => {
    const config = await load(LIMITS(3));
    expect(summary(decide(config, task('198.51.100.1', {}, '/login/blocked')))).toBe('403 deny after-limit');
  });

  it('uses the configured status for limited (e.g. 403 for nginx auth_request)', async () => {
    const config = await load(LIMITS(1, 403));
    const state = createRateLimitState({ entries: 1024 });
    decide(config, task('198.51.100.1', {}, '/login'), state);
    expect(summary(decide(config, task('198.51.100.1', {}, '/login'), state))).toBe('403 limited login');
  });

  it('counts IPv4 and its mapped form as one client', async () => {
    const config = await load(LIMITS(1));
    const state = createRateLimitState({ entries: 1024 });
    decide(config, task('198.51.100.1', {}, '/login'), state);
    expect(summary(decide(config, task('::ffff:198.51.100.1', {}, '/login'), state))).toBe('429 limited login');
  });

  it('keys by header value when configured, falling back to the client address', async () => {
    const config = await load(LIMITS(3));
    const state = createRateLimitState({ entries: 1024 });
    const api = (key?: string): string => summary(decide(config, task('198.51.100.1', key === undefined ? {} : { 'x-api-key': key }, '/api'), state));
    expect([api('a'), api('a'), api('a')]).toEqual(['200 allow default', '200 allow default', '429 limited api']);
    expect(api('b')).toBe('200 allow default');
    expect([api(), api(), api()]).toEqual(['200 allow default', '200 allow default', '429 limited api']);
  });

  it('keeps counters across a reload, and applies a changed limit to them', async () => {
    const state = createRateLimitState({ entries: 1024 });
    const before = await load(LIMITS(10));
    for (let i = 0; i < 4; i++) expect(summary(handleRequestAt(task('198.51.100.1', {}, '/login'), before, ctxWith(state, 1), T0))).toBe('200 allow default');
    // "Reload": a new generation, a new config object, the same state. 4 counted > 3 allowed.
    const lowered = await load(LIMITS(3));
    expect(summary(handleRequestAt(task('198.51.100.1', {}, '/login'), lowered, ctxWith(state, 2), T0))).toBe('429 limited login');
    const raised = await load(LIMITS(100));
    expect(summary(handleRequestAt(task('198.51.100.1', {}, '/login'), raised, ctxWith(state, 3), T0))).toBe('200 allow default');
  });

  it('slides: the previous window counts in proportion to its overlap', async () => {
    const config = await load(LIMITS(10));
    const state = createRateLimitState({ entries: 1024 });
    for (let i = 0; i < 10; i++) decide(config, task('198.51.100.1', {}, '/login'), state, T0 + 59_000);
    // 15 s into the next window, 75 % of the previous 10 still count: 7.5 + 1 <= 10, then 7.5 + 3 > 10.
    const next = T0 + 75_000;
    const verdicts = Array.from({ length: 3 }, () => summary(decide(config, task('198.51.100.1', {}, '/login'), state, next)));
    expect(verdicts).toEqual(['200 allow default', '200 allow default', '429 limited login']);
    // Two windows later nothing of it is left.
    expect(summary(decide(config, task('198.51.100.1', {}, '/login'), state, T0 + 180_000))).toBe('200 allow default');
  });
});
