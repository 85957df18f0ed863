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

  it('believes loopback as a proxy: a forwarded client is judged by its own address', () => {
    expect(verdict('127.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).toBe('403 ip.deny');
    expect(verdict('127.0.0.1', { 'x-forwarded-for': '192.0.2.9' })).toBe('200 default');
  });
});
