import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, type ConfigProblem, ListCache, parseConfigText } from '@genswap/config';
import { afterAll, describe, expect, it } from 'vitest';
import { definition } from '../definition.js';
import { parseIp } from '../ip/ip-address.js';
import { containsAddress, type IpRanges, listContains, rangeCount, type RangeList } from '../ip/ip-ranges.js';
import { encodeGateway } from '../codec/gateway-codec.js';
import { MAX_PROBLEMS_PER_LIST } from './compile.js';
import type { GatewayConfig } from './gateway-config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gateway-compile-'));
const file = path.join(dir, 'gateway.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function compile(text: string): Promise<GatewayConfig> {
  return (await parseConfigText(text, file, definition)).value;
}

async function problems(text: string): Promise<ConfigProblem[]> {
  try {
    await parseConfigText(text, file, definition);
  } catch (err) {
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the config to be refused');
}

const scratch = new Uint32Array(4);
function contains(ranges: RangeList | IpRanges, ip: string): boolean {
  const family = parseIp(ip, scratch);
  return Array.isArray(ranges) ? listContains(ranges, family, scratch) : containsAddress(ranges as IpRanges, family, scratch);
}

describe('gateway definition', () => {
  it('gives a near-empty file sane defaults: no lists, no rules, standard statuses', async () => {
    const config = await compile('{}\n');
    expect(config.settings).toEqual({ statuses: { allow: 200, deny: 403, limited: 429 }, rules: [], limits: {}, proxies: [], unparseableClient: 'deny' });
    expect(rangeCount(config.lists.deny) + rangeCount(config.lists.allow) + rangeCount(config.lists.trustedProxies)).toBe(0);
  });

  it('compiles lists, list files, rules and limits', async () => {
    writeFileSync(path.join(dir, 'deny.txt'), '# scanners\n192.0.2.0/24\n\n2001:db8::/32   # a comment\n198.51.100.7\n');
    const config = await compile(`
trustedProxies:
  - { addresses: [127.0.0.1/32, "::1"], sets: nginx }
ip:
  allow: [192.0.2.10]
  deny: [203.0.113.0/24, "::ffff:198.51.100.0/120"]
  denyFiles: [deny.txt]
rules:
  - name: no-scanners
    match: { userAgent: "(sqlmap|nikto)", methods: [get, Post] }
    action: deny
  - match:
      path: /login
      hosts: [Example.COM, "*.example.org"]
      headers:
        - { name: X-Api-Key }
        - { name: x-debug, present: false }
        - { name: accept, regex: "json" }
    action: limit
    limit: login
limits:
  login: { requests: 5, windowSeconds: 60 }
  api: { requests: 100, windowSeconds: 1, key: "header:X-Api-Key" }
statuses: { limited: 403 }
`);
    expect(contains(config.lists.deny, '192.0.2.99')).toBe(true);
    expect(contains(config.lists.deny, '2001:db8::5')).toBe(true);
    expect(contains(config.lists.deny, '198.51.100.200')).toBe(true);
    expect(contains(config.lists.deny, '198.51.101.1')).toBe(false);
    expect(contains(config.lists.allow, '192.0.2.10')).toBe(true);
    expect(contains(config.lists.trustedProxies, '::1')).toBe(true);
    expect(config.settings.statuses).toEqual({ allow: 200, deny: 403, limited: 403 });
    expect(config.settings.rules).toEqual([
      { name: 'no-scanners', action: 'deny', methods: ['GET', 'POST'], userAgent: '(sqlmap|nikto)' },
      {
        name: 'rules[1]',
        action: 'limit',
        limit: 'login',
        pathPrefix: '/login',
        hosts: ['example.com', '*.example.org'],
        headers: [{ name: 'x-api-key', present: true }, { name: 'x-debug', present: false }, { name: 'accept', regex: 'json' }],
      },
    ]);
    expect(config.settings.limits).toEqual({
      login: { name: 'login', requests: 5, windowSeconds: 60, ipv4Prefix: 32, ipv6Prefix: 64 },
      api: { name: 'api', requests: 100, windowSeconds: 1, keyHeader: 'x-api-key', ipv4Prefix: 32, ipv6Prefix: 64 },
    });
    expect(config.settings.proxies).toEqual([
      { addresses: ['127.0.0.1/32', '::1'], sets: ['x-forwarded-for', 'x-real-ip', 'x-original-uri', 'x-original-method', 'x-forwarded-host'] },
    ]);
  });

  it('makes every trusted proxy name the headers it sets, and checks its addresses', async () => {
    const found = await problems(`trustedProxies:
  - 127.0.0.1
  - { addresses: [10.0.0.1/8], sets: traefik }
`);
    expect(found.map((p) => [p.path, p.line, p.code])).toEqual([
      ['trustedProxies[0]', 2, 'GENSWAP_GATEWAY_CONFIG_BAD_PROXY'],
      ['trustedProxies[1].addresses[0]', 3, 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR'],
    ]);
    expect(found[0]!.message).toMatch(/sets: nginx/);
    const unknownHeader = await problems('trustedProxies:\n  - { addresses: [10.1.0.0/16], sets: [x-forwarded-for, x-original-url] }\n');
    expect(unknownHeader.map((p) => [p.path.replace(/\[1\]$/, ''), p.line])).toEqual([['trustedProxies[0].sets', 2]]);
  });

  it('rejects bad CIDRs at their line and column, with the fix in the message', async () => {
    const found = await problems('ip:\n  deny:\n    - 10.0.0.0/8\n    - 10.0.0.1/8\n    - 2001:db8::/129\n');
    expect(found.map((p) => [p.path, p.line, p.column, p.code])).toEqual([
      ['ip.deny[1]', 4, 7, 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR'],
      ['ip.deny[2]', 5, 7, 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR'],
    ]);
    expect(found[0]!.message).toMatch(/write 10\.0\.0\.0\/8/);
  });

  it('reports bad list-file lines at the file and line, and summarizes beyond the cap', async () => {
    writeFileSync(path.join(dir, 'typos.txt'), '192.0.2.1\nnot-an-ip\n# fine\n192.0.2.300\n');
    const found = await problems('ip:\n  allowFiles: [typos.txt]\n');
    expect(found.map((p) => [path.basename(p.file), p.line, p.code])).toEqual([
      ['typos.txt', 2, 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR'],
      ['typos.txt', 4, 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR'],
    ]);

    writeFileSync(path.join(dir, 'garbage.txt'), ['192.0.2.1', ...Array.from({ length: MAX_PROBLEMS_PER_LIST + 5 }, (_, i) => `bad-${i}`)].join('\n'));
    const many = await problems('ip:\n  denyFiles: [garbage.txt]\n');
    expect(many.filter((p) => p.file.endsWith('garbage.txt'))).toHaveLength(MAX_PROBLEMS_PER_LIST);
    expect(many.find((p) => p.path === 'ip.denyFiles[0]')?.message).toMatch(/5 more invalid entries/);
  });

  it('regression: a list reference to an unrelated file (../etc/passwd) echoes none of its lines', async () => {
    const passwd = ['root:x:0:0:root:/root:/bin/bash', 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin', 'alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash'];
    writeFileSync(path.join(dir, 'passwd'), `${[...passwd, ...passwd, ...passwd].join('\n')}\n`);
    const found = await problems('ip:\n  denyFiles: [passwd]\n');
    expect(found).toEqual([expect.objectContaining({ path: 'ip.denyFiles[0]', line: 2, column: 15, code: 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR' })]);
    expect(found[0]!.message).toMatch(/first 8 entries are not addresses/);
    for (const secret of ['root', 'daemon', 'alice', '/bin/bash']) expect(JSON.stringify(found)).not.toContain(secret);
  });

  it('quotes a short excerpt of a long bad line, never the whole line', async () => {
    writeFileSync(path.join(dir, 'long-line.txt'), `192.0.2.1\n${'9'.repeat(5000)}\n`);
    const found = await problems('ip:\n  denyFiles: [long-line.txt]\n');
    expect(found).toEqual([expect.objectContaining({ line: 2, column: 1, code: 'GENSWAP_GATEWAY_CONFIG_BAD_CIDR' })]);
    expect(found[0]!.message.length).toBeLessThan(120);
    expect(found[0]!.message).toMatch(/5000 characters/);
  });

  it('reports a missing list file at the reference', async () => {
    const found = await problems('ip:\n  denyFiles: [nowhere.txt]\n');
    expect(found[0]).toMatchObject({ path: 'ip.denyFiles[0]', line: 2, code: 'GENSWAP_CONFIG_NOT_FOUND' });
  });

  it('rejects an invalid regex at compile time with its location', async () => {
    const found = await problems('rules:\n  - action: deny\n    match:\n      userAgent: "(unclosed"\n');
    expect(found).toEqual([
      expect.objectContaining({ path: 'rules[0].match.userAgent', line: 4, column: 18, code: 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX', message: expect.stringMatching(/invalid regex/) }),
    ]);
  });

  it('accepts the shapes that stalled the backtracking engine, refuses what no linear engine runs, with locations', async () => {
    const found = await problems(`rules:
  - action: deny
    match: { pathRegex: "^/(a+)+$", userAgent: "^(\\\\w|\\\\d)+$" }
  - action: deny
    match: { headers: [{ name: referer, regex: "${'x'.repeat(300)}" }] }
  - action: deny
    match: { userAgent: "(a)\\\\1" }
  - action: deny
    match: { pathRegex: "^/(?!public)" }
`);
    expect(found.map((p) => [p.path, p.line, p.column, p.code])).toEqual([
      ['rules[1].match.headers[0].regex', 5, 48, 'GENSWAP_GATEWAY_CONFIG_UNSAFE_REGEX'],
      ['rules[2].match.userAgent', 7, 25, 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX'],
      ['rules[3].match.pathRegex', 9, 25, 'GENSWAP_GATEWAY_CONFIG_BAD_REGEX'],
    ]);
    expect(found[1]!.message).toMatch(/backreference/);
    expect(found[2]!.message).toMatch(/lookahead/);
  });

  it('checks limit references and rule shapes', async () => {
    const found = await problems(`rules:
  - { action: limit, limit: nope }
  - { action: limit }
  - { action: deny, limit: login }
  - { name: twice, action: allow }
  - { name: twice, action: allow }
  - action: deny
    match: { headers: [{ name: x, present: true, equals: "1" }] }
limits:
  login: { requests: 1, windowSeconds: 1 }
`);
    expect(found.map((p) => [p.path, p.code])).toEqual([
      ['rules[0].limit', 'GENSWAP_GATEWAY_CONFIG_UNKNOWN_LIMIT'],
      ['rules[1]', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE'],
      ['rules[2].limit', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE'],
      ['rules[4].name', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE'],
      ['rules[5].match.headers[0]', 'GENSWAP_GATEWAY_CONFIG_BAD_RULE'],
    ]);
    expect(found[0]!.message).toBe('no limit named "nope" (defined: login)');
  });

  it('is strict: misspelled keys and out-of-range values are refused with their location', async () => {
    const found = await problems('ip:\n  denny: []\nstatuses: { allow: 403 }\nlimits:\n  x: { requests: 0, windowSeconds: 1, key: "cookie:a" }\n');
    expect(found.map((p) => [p.path, p.code])).toEqual(
      expect.arrayContaining([
        ['ip.denny', 'GENSWAP_CONFIG_UNKNOWN_KEY'],
        ['statuses.allow', expect.any(String)],
        ['limits.x.requests', expect.any(String)],
        ['limits.x.key', expect.any(String)],
      ]),
    );
  });
});

describe('a reload that changes one section', () => {
  const base = `trustedProxies:
  - { addresses: [127.0.0.1/32, "::1"], sets: nginx }
ip:
  deny: [192.0.2.0/24, 2001:db8::/32]
rules:
  - { name: r1, action: limit, limit: login, match: { path: /login } }
limits:
  login: { requests: 5, windowSeconds: 60 }
`;

  it('reuses what compile built from the unchanged sections, and builds the changed one', async () => {
    const listCache = new ListCache();
    const first = (await parseConfigText(base, file, definition, { listCache })).value;
    const next = await parseConfigText(base.replace('path: /login', 'path: /signin'), file, definition, { listCache });
    expect(next.sectionsReused).toBe(5);
    expect(next.value.lists.trustedProxies).toBe(first.lists.trustedProxies);
    expect(next.value.lists.deny[0]).toBe(first.lists.deny[0]);
    expect(next.value.settings.proxies).toBe(first.settings.proxies);
    expect(next.value.settings.limits).toBe(first.settings.limits);
    expect(next.value.settings.rules).not.toBe(first.settings.rules);
    expect(next.value.settings.rules[0]).toMatchObject({ name: 'r1', pathPrefix: '/signin' });
    expect(contains(next.value.lists.deny, '192.0.2.7')).toBe(true);
  });

  it('checks unchanged rules again against changed limits', async () => {
    const listCache = new ListCache();
    await parseConfigText(base, file, definition, { listCache });
    const err = await parseConfigText(base.replace('login: { requests', 'signup: { requests'), file, definition, { listCache }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => [p.path, p.code, p.line])).toEqual([['rules[0].limit', 'GENSWAP_GATEWAY_CONFIG_UNKNOWN_LIMIT', 6]]);
  });

  it('encodes the same bytes as a fresh load, over 200 random reloads', async () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 16) % n;
    };
    const pick = <T>(...xs: T[]): T => xs[rnd(xs.length)]!;
    const text = (): string =>
      [
        pick('', 'trustedProxies: [{ addresses: [10.0.0.0/8], sets: envoy }]\n', 'trustedProxies: [{ addresses: ["::1", 127.0.0.1], sets: [x-real-ip] }]\n'),
        pick('', 'ip:\n  deny: [192.0.2.0/24]\n', 'ip:\n  deny: [192.0.2.0/25, 192.0.2.128/25, 2001:db8::/48]\n  allow: [192.0.2.9]\n', 'ip:\n  deny: [not-a-cidr]\n'),
        pick('', 'rules: [{ name: a, action: deny, match: { path: /a } }]\n', 'rules: [{ name: b, action: limit, limit: l }]\n', 'rules: [{ action: allow, match: { methods: [get] } }]\n'),
        pick('', 'limits: { l: { requests: 3, windowSeconds: 10 } }\n', 'limits: { l: { requests: 4, windowSeconds: 10, key: "header:x-key" } }\n'),
        pick('', 'statuses: { deny: 451 }\n'),
        pick('', 'unparseableClient: unknown\n'),
      ].join('') || '{}\n';
    const encoded = async (t: string, listCache?: ListCache): Promise<Uint8Array | string> => {
      try {
        return encodeGateway((await parseConfigText(t, file, definition, listCache === undefined ? {} : { listCache })).value);
      } catch (err) {
        if (err instanceof ConfigError) return JSON.stringify(err.problems);
        throw err;
      }
    };
    const listCache = new ListCache();
    let good = 0;
    for (let i = 0; i < 200; i++) {
      const t = text();
      const [got, fresh] = [await encoded(t, listCache), await encoded(t)];
      expect(got).toEqual(fresh);
      if (typeof fresh !== 'string') good++;
    }
    expect(good).toBeGreaterThan(50);
    expect(good).toBeLessThan(200);
  });
});
