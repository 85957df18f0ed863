import { statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { runCli } from './fixtures/serve/serve-process.js';
import { cleanup, configDir, serveGateway } from './fixtures/hostile/gateway-serve.js';

/**
 * Regressions of issue 12 about the admin listener of a real `genswap serve`: a page in a
 * local browser could POST /reload cross-origin and, through DNS rebinding, read /status.
 */

afterEach(cleanup);

const CONFIG = 'rules: []\n';

function raw(target: { url?: string; socketPath?: string }, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const where = target.socketPath !== undefined ? { socketPath: target.socketPath } : { host: new URL(target.url!).hostname, port: new URL(target.url!).port };
  return new Promise((resolve, reject) => {
    const req = request({ ...where, method, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('regression: a cross-origin POST /reload (text/plain) and a rebound Host are refused; the token is required', async () => {
  process.env['GENSWAP_TEST_ADMIN_TOKEN'] = 'hostile-suite-token'; // inherited by the serve process
  const serve = await serveGateway(CONFIG, ['--admin', '127.0.0.1:0', '--admin-token-env', 'GENSWAP_TEST_ADMIN_TOKEN'], {});
  const admin = serve.admin!;
  const host = new URL(admin).host;
  const token = { authorization: 'Bearer hostile-suite-token' };
  const crossSite = await raw({ url: admin }, 'POST', '/reload', { host, origin: 'http://evil.example', 'content-type': 'text/plain', ...token });
  expect(crossSite.status).toBe(403);
  const rebound = await raw({ url: admin }, 'GET', '/status', { host: `evil.example:${new URL(admin).port}`, ...token });
  expect(rebound.status).toBe(421);
  expect(rebound.body).not.toContain(serve.dir);
  expect((await raw({ url: admin }, 'GET', '/status', { host, 'sec-fetch-site': 'cross-site', ...token })).status).toBe(403);
  expect((await raw({ url: admin }, 'GET', '/status', { host })).status).toBe(401);
  const ok = await raw({ url: admin }, 'GET', '/status', { host, ...token });
  expect(ok.status).toBe(200);
  expect(JSON.parse(ok.body)).toMatchObject({ generation: 1, reloads: expect.anything() });
  // The CLI clients send the token from a file or the environment.
  const tokenFile = join(serve.dir, 'admin.token');
  writeFileSync(tokenFile, 'hostile-suite-token\n', { mode: 0o600 });
  const status = await runCli(['status', '--admin', admin, '--admin-token-file', tokenFile, '--json']);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ generation: 1 });
  const reload = await runCli(['reload', '--admin', admin, '--admin-token-file', tokenFile]);
  expect(reload.code).toBe(0);
  const noToken = await runCli(['reload', '--admin', admin]);
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toMatch(/401/);
}, 60_000);

it('serves the admin API on a unix socket with mode 0600, for `genswap reload/status --admin-socket`', async () => {
  const dir = configDir({});
  const socket = join(dir, 'admin.sock');
  const serve = await serveGateway(CONFIG, ['--admin-socket', socket]);
  await serve.waitForLine(/admin listening/);
  expect(statSync(socket).isSocket()).toBe(true);
  expect(statSync(socket).mode & 0o777).toBe(0o600);
  expect((await raw({ socketPath: socket }, 'GET', '/healthz', {})).status).toBe(200);
  expect((await raw({ socketPath: socket }, 'POST', '/reload', { origin: 'http://evil.example' })).status).toBe(403);
  const status = await runCli(['status', '--admin-socket', socket, '--json']);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({ generation: 1 });
  const reload = await runCli(['reload', '--admin', `unix:${socket}`]);
  expect(reload.code).toBe(0);
}, 60_000);
