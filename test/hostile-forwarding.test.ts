import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { REPO } from './fixtures/serve/serve-process.js';
import { ask, cleanup, said, serveGateway } from './fixtures/hostile/gateway-serve.js';

/**
 * Regressions of issue 12 about who the client is and what it asked for, over real HTTP. The
 * test process connects from 127.0.0.1, which these configs trust as a proxy (as nginx on the
 * same host would be) and allow-list: judging the proxy instead of its client would allow.
 */

afterEach(cleanup);

const BUNDLED = readFileSync(join(REPO, 'apps/gateway/config/gateway.yaml'), 'utf8').replace('lists/deny.txt', 'deny.txt');
const DENY_TXT = readFileSync(join(REPO, 'apps/gateway/config/lists/deny.txt'), 'utf8');

it.each(['unknown', 'garbage', '203.0.113.005', ','])(
  'regression: an unparseable X-Forwarded-For %j from a trusted proxy is denied, never judged as the allow-listed proxy',
  async (xff) => {
    const serve = await serveGateway(BUNDLED, [], { 'deny.txt': DENY_TXT });
    expect(said(await ask(serve.url, '/', { 'x-forwarded-for': xff }))).toBe('403 client.unparseable');
  },
);

it('regression: with unparseableClient: unknown, such a client is judged by the rules with no address', async () => {
  const serve = await serveGateway(`${BUNDLED.replace('unparseableClient: deny', 'unparseableClient: unknown')}`, [], { 'deny.txt': DENY_TXT });
  expect(said(await ask(serve.url, '/', { 'x-forwarded-for': 'unknown' }))).toBe('200 default');
  expect(said(await ask(serve.url, '/.env', { 'x-forwarded-for': 'unknown' }))).toBe('403 dotfiles');
});

it('regression: behind Traefik, X-Forwarded-Uri beats a client-sent X-Original-URI', async () => {
  const serve = await serveGateway(`
trustedProxies: [{ addresses: [127.0.0.1/32, ::1/128], sets: traefik }]
ip: { allow: [127.0.0.0/8] }
rules:
  - { name: dotfiles, match: { pathRegex: "/(\\\\.env|\\\\.git)" }, action: deny }
`);
  const forwarded = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-uri': '/.env', 'x-original-uri': '/' };
  expect(said(await ask(serve.url, '/auth', forwarded))).toBe('403 dotfiles');
});

it('regression: forwarding headers of an untrusted peer are ignored (the peer is judged)', async () => {
  const serve = await serveGateway(`
trustedProxies: [{ addresses: [10.0.0.1/32], sets: nginx }]
ip: { deny: [127.0.0.0/8] }
`);
  expect(said(await ask(serve.url, '/', { 'x-forwarded-for': '198.51.100.7', 'x-real-ip': '198.51.100.7' }))).toBe('403 ip.deny');
});

it.each(['constructor', '__proto__'])('regression: a header: limit key named %s counts per value and never fails a request', async (name) => {
  const serve = await serveGateway(`
trustedProxies: [{ addresses: [127.0.0.1/32], sets: nginx }]
rules: [{ name: per-${name === '__proto__' ? 'proto' : name}, action: limit, limit: by-header }]
limits: { by-header: { requests: 2, windowSeconds: 60, key: "header:${name}" } }
`);
  const rule = `per-${name === '__proto__' ? 'proto' : name}`;
  const from = (ip: string, value?: string): Record<string, string> => ({ 'x-forwarded-for': ip, ...(value !== undefined ? { [name]: value } : {}) });
  // Without the header, no 500: counted per address.
  expect(said(await ask(serve.url, '/', from('198.51.100.1')))).toBe('200 default');
  // Two values are two counters: client a is limited on its third request, client b is not.
  for (let i = 0; i < 2; i++) expect(said(await ask(serve.url, '/', from('198.51.100.2', 'a')))).toBe('200 default');
  expect(said(await ask(serve.url, '/', from('198.51.100.2', 'a')))).toBe(`429 ${rule}`);
  expect(said(await ask(serve.url, '/', from('198.51.100.3', 'b')))).toBe('200 default');
});

it('regression: rotating IPv6 addresses inside one /64 does not bypass a per-IP limit', async () => {
  const serve = await serveGateway(BUNDLED, [], { 'deny.txt': DENY_TXT });
  const answers: string[] = [];
  for (let i = 1; i <= 15; i++) answers.push(said(await ask(serve.url, '/login', { 'x-forwarded-for': `2001:db8:42:7:${i.toString(16)}::${i}` }, 'POST')));
  expect(answers.slice(0, 10).every((a) => a === '200 default')).toBe(true);
  expect(answers.slice(10)).toEqual(Array(5).fill('429 login-rate'));
  // A neighbouring /64 is another customer.
  expect(said(await ask(serve.url, '/login', { 'x-forwarded-for': '2001:db8:42:8::1' }, 'POST'))).toBe('200 default');
});

/**
 * The header-count limit of the serve front end (issue 11): headers past it used to be dropped
 * silently, so a forwarding header after 999 junk ones decided nothing. Now the request is refused.
 */
it('regression (front end, issue 11): a request over the header count limit is refused with 431, never truncated', async () => {
  const serve = await serveGateway(BUNDLED, [], { 'deny.txt': DENY_TXT });
  const junk: [string, string][] = Array.from({ length: 999 }, (_, i) => [`x-junk-${i}`, 'x']);
  // A Host first: without one, Node refuses an HTTP/1.1 request with 400 before any limit.
  const answer = await ask(serve.url, '/', [['host', 'gateway.test'], ...junk, ['x-forwarded-for', '198.51.100.77']]);
  expect(answer.status).toBe(431);
});
