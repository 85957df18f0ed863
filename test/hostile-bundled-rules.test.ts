import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, type ServeProcess } from './fixtures/serve/serve-process.js';
import { ask, cleanup, said, serveGateway } from './fixtures/hostile/gateway-serve.js';

/**
 * The bundled config's rules against the requests issue 12 sent, through `genswap serve`.
 * Clients are described by X-Forwarded-For from 127.0.0.1 (a trusted nginx in that config).
 */

const BUNDLED = readFileSync(join(REPO, 'apps/gateway/config/gateway.yaml'), 'utf8').replace('lists/deny.txt', 'deny.txt');
const DENY_TXT = readFileSync(join(REPO, 'apps/gateway/config/lists/deny.txt'), 'utf8');
let serve: ServeProcess;

beforeAll(async () => {
  serve = await serveGateway(BUNDLED, [], { 'deny.txt': DENY_TXT });
});
afterAll(cleanup);

const client = { 'x-forwarded-for': '192.0.2.50' };

it.each(['/.env', '/app/.env', '/static/../app/.env', '/repo/.git/config', '/blog/wp-config.php.bak', '/%2e%65nv', '/x/.aws/credentials'])(
  'regression: dotfiles denies %s at any depth',
  async (target) => {
    expect(said(await ask(serve.url, target, client))).toBe('403 dotfiles');
  },
);

it('regression: health-check allows exactly /healthz, not /healthzXYZ nor /healthz/..;/.env', async () => {
  expect(said(await ask(serve.url, '/healthz', client))).toBe('200 health-check');
  expect(said(await ask(serve.url, '/healthzXYZ', client))).toBe('200 default');
  expect(said(await ask(serve.url, '/healthz/..;/.env', client))).toBe('403 dotfiles');
  // Through nginx the path is in X-Original-URI.
  expect(said(await ask(serve.url, '/_auth', { ...client, 'x-original-uri': '/healthz/..;/.env' }))).toBe('403 dotfiles');
});

it('scanners and login-rate hold through the real handler', async () => {
  expect(said(await ask(serve.url, '/', { ...client, 'user-agent': 'sqlmap/1.8' }))).toBe('403 scanners');
  const logins: string[] = [];
  for (let i = 0; i < 11; i++) logins.push(said(await ask(serve.url, '/login', { 'x-forwarded-for': '192.0.2.51' }, 'POST')));
  expect(logins[9]).toBe('200 default');
  expect(logins[10]).toBe('429 login-rate');
});
