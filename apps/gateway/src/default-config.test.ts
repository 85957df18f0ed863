import { fileURLToPath } from 'node:url';
import { loadConfig } from '@genswap/config';
import type { HttpTask } from '@genswap/supervisor';
import { describe, expect, it } from 'vitest';
import { gatewayCodec } from './codec/gateway-codec.js';
import { definition } from './definition.js';
import { handleRequestAt } from './handler.js';
import { createRateLimitState } from './rate-limit/rate-limit-state.js';

const file = fileURLToPath(new URL('../config/gateway.yaml', import.meta.url));

describe('the default config (config/gateway.yaml)', async () => {
  const loaded = await loadConfig(file, definition);
  const config = gatewayCodec.decode(gatewayCodec.encode(loaded.value));
  const state = createRateLimitState({ entries: 1024 });
  const verdict = (remoteAddress: string, headers: Record<string, string> = {}, url = '/', method = 'GET'): string => {
    const task: HttpTask = { method, url, headers: { host: 'localhost', ...headers }, remoteAddress };
    const r = handleRequestAt(task, config, { generation: 1, threadId: 0, state }, Date.now());
    return `${r.status} ${r.headers?.['x-genswap-rule']}`;
  };

  it('reads its example list file', () => {
    expect(loaded.files.map((f) => f.replace(/.*\/config\//, ''))).toEqual(['gateway.yaml', 'lists/deny.txt']);
  });

  it('allows 127.0.0.1 and ::1 (so `pnpm start` + curl shows 200)', () => {
    expect(verdict('127.0.0.1')).toBe('200 ip.allow');
    expect(verdict('::1')).toBe('200 ip.allow');
    expect(verdict('::ffff:127.0.0.1')).toBe('200 ip.allow');
  });

  it('denies the example list entries and scanners, and limits logins', () => {
    expect(verdict('198.51.100.77')).toBe('403 ip.deny');
    expect(verdict('192.0.2.130')).toBe('403 ip.deny');
    expect(verdict('2001:db8:bad::1')).toBe('403 ip.deny');
    expect(verdict('192.0.2.7', { 'user-agent': 'sqlmap/1.8' })).toBe('403 scanners');
    expect(verdict('192.0.2.7', {}, '/.env')).toBe('403 dotfiles');
    expect(verdict('192.0.2.7', {}, '/healthz')).toBe('200 health-check');
    const logins = Array.from({ length: 11 }, () => verdict('192.0.2.8', {}, '/login', 'POST'));
    expect(logins.slice(0, 10).every((v) => v === '200 default')).toBe(true);
    expect(logins[10]).toBe('429 login-rate');
  });

  it('health-check allows exactly /healthz, and nothing that merely starts with it', () => {
    expect(verdict('192.0.2.7', {}, '/healthz')).toBe('200 health-check');
    expect(verdict('192.0.2.7', {}, '/healthz?probe=1')).toBe('200 health-check');
    expect(verdict('192.0.2.7', {}, '/healthzXYZ')).toBe('200 default');
    expect(verdict('192.0.2.7', {}, '/healthz/..;/.env')).toBe('403 dotfiles');
    expect(verdict('192.0.2.7', {}, '/healthz/../.git/config')).toBe('403 dotfiles');
  });

  it.each(['/.env', '/app/.env', '/a/b/.env.local', '/repo/.git/config', '/%2e%65nv', '/x/.aws/credentials', '/wp-config.php', '/blog/wp-config.php.bak', '//app//.env'])(
    'dotfiles denies %s (any depth)',
    (url) => {
      expect(verdict('192.0.2.7', {}, url)).toBe('403 dotfiles');
    },
  );

  it('dotfiles leaves ordinary paths alone', () => {
    for (const url of ['/', '/environment', '/app/env', '/docs/git-guide', '/static/app.js']) expect(verdict('192.0.2.7', {}, url)).toBe('200 default');
  });

  it('scanners denies scanner user agents, case-insensitively', () => {
    for (const ua of ['sqlmap/1.8', 'Nikto/2.5', 'Mozilla/5.0 zgrab/0.x', 'NUCLEI']) expect(verdict('192.0.2.7', { 'user-agent': ua })).toBe('403 scanners');
    expect(verdict('192.0.2.7', { 'user-agent': 'Mozilla/5.0' })).toBe('200 default');
  });

  it('api-rate counts per x-api-key (600 a minute), falling back to the address', () => {
    const api = Array.from({ length: 601 }, () => verdict('192.0.2.20', { 'x-api-key': 'k1' }, '/api/items'));
    expect(api.slice(0, 600).every((v) => v === '200 default')).toBe(true);
    expect(api[600]).toBe('429 api-rate');
    expect(verdict('192.0.2.20', { 'x-api-key': 'k2' }, '/api/items')).toBe('200 default');
    expect(verdict('192.0.2.20', {}, '/api/items')).toBe('200 default'); // no key header: the rule does not match
  });

  it('everyone-rate limits every client to 1200 a minute', () => {
    const all = Array.from({ length: 1201 }, () => verdict('192.0.2.30', {}, '/page'));
    expect(all.slice(0, 1200).every((v) => v === '200 default')).toBe(true);
    expect(all[1200]).toBe('429 everyone-rate');
  });

  it('denies a forwarded address that is not one (never judged as the allow-listed proxy)', () => {
    for (const xff of ['unknown', 'garbage', '203.0.113.005', ',']) expect(verdict('127.0.0.1', { 'x-forwarded-for': xff })).toBe('403 client.unparseable');
  });

  it('believes loopback as a proxy: a forwarded client is judged by its own address', () => {
    expect(verdict('127.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).toBe('403 ip.deny');
    expect(verdict('127.0.0.1', { 'x-forwarded-for': '192.0.2.9' })).toBe('200 default');
  });
});
