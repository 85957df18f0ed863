import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AdminServer, type AdminTarget, startAdminServer } from './admin-server.js';
import type { ReloadRecord } from './reload-record.js';
import type { SupervisorStatus } from './status.js';

/** A target that counts reloads, so a refused request is seen to have changed nothing. */
function fakeTarget(): AdminTarget & { reloads: number } {
  const target = {
    reloads: 0,
    status: () => ({ pid: process.pid, generation: 1 }) as unknown as SupervisorStatus,
    reload: async () => {
      target.reloads++;
      return { ok: true, id: target.reloads, generation: 2 } as unknown as ReloadRecord;
    },
    metrics: { metrics: async () => 'genswap_generation 1\n', contentType: 'text/plain' },
  };
  return target;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request with exactly the headers given (node adds Host only when none is set). */
function send(server: AdminServer, method: string, route: string, headers: Record<string, string> = {}): Promise<Answer> {
  const target = server.address === undefined ? { socketPath: server.url.slice('unix:'.length) } : { host: server.address.address, port: server.address.port };
  return new Promise((resolve, reject) => {
    const req = request({ ...target, method, path: route, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let server: AdminServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('admin listener guards', () => {
  it('regression: refuses a Host that is not its own address (DNS rebinding)', async () => {
    const target = fakeTarget();
    server = await startAdminServer(target, { host: '127.0.0.1', port: 0 });
    const own = `127.0.0.1:${server.address!.port}`;
    expect((await send(server, 'GET', '/status', { host: own })).status).toBe(200);
    for (const host of [`evil.example:${server.address!.port}`, 'evil.example', `localhost:${server.address!.port}`, '127.0.0.1:1']) {
      const answer = await send(server, 'GET', '/status', { host });
      expect(answer.status, host).toBe(421);
      expect(answer.body).not.toContain(String(process.pid));
    }
  });

  it('accepts localhost:<port> when bound as localhost', async () => {
    server = await startAdminServer(fakeTarget(), { host: 'localhost', port: 0 });
    expect((await send(server, 'GET', '/healthz', { host: `localhost:${server.address!.port}` })).status).toBe(200);
  });

  it('regression: refuses a cross-origin POST /reload with Content-Type: text/plain', async () => {
    const target = fakeTarget();
    server = await startAdminServer(target, { host: '127.0.0.1', port: 0 });
    const host = `127.0.0.1:${server.address!.port}`;
    const answer = await send(server, 'POST', '/reload', { host, origin: 'http://evil.example', 'content-type': 'text/plain' });
    expect(answer.status).toBe(403);
    expect(target.reloads).toBe(0);
    // Any Origin at all, even its own: command-line clients send none.
    expect((await send(server, 'POST', '/reload', { host, origin: `http://${host}` })).status).toBe(403);
    expect(target.reloads).toBe(0);
    expect((await send(server, 'POST', '/reload', { host })).status).toBe(200);
    expect(target.reloads).toBe(1);
  });

  it.each([
    ['cross-site', 403],
    ['same-site', 403],
    ['same-origin', 200],
    ['none', 200],
  ])('Sec-Fetch-Site: %s -> %i', async (site, status) => {
    server = await startAdminServer(fakeTarget(), { host: '127.0.0.1', port: 0 });
    expect((await send(server, 'GET', '/status', { host: `127.0.0.1:${server.address!.port}`, 'sec-fetch-site': site })).status).toBe(status);
  });

  it('with a token, requires Authorization: Bearer <token> on every route', async () => {
    const target = fakeTarget();
    server = await startAdminServer(target, { host: '127.0.0.1', port: 0, token: 's3cret-token\n' });
    const host = `127.0.0.1:${server.address!.port}`;
    for (const route of ['/status', '/metrics', '/healthz']) {
      const none = await send(server, 'GET', route, { host });
      expect(none.status).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
    }
    expect((await send(server, 'POST', '/reload', { host, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await send(server, 'POST', '/reload', { host, authorization: 's3cret-token' })).status).toBe(401);
    expect(target.reloads).toBe(0);
    expect((await send(server, 'POST', '/reload', { host, authorization: 'Bearer s3cret-token' })).status).toBe(200);
    expect(target.reloads).toBe(1);
  });

  it('refuses an empty token', async () => {
    await expect(startAdminServer(fakeTarget(), { host: '127.0.0.1', port: 0, token: ' \n' })).rejects.toMatchObject({ code: 'GENSWAP_ADMIN_TOKEN' });
  });
});

describe('admin listener on a unix socket', () => {
  it('creates the socket with mode 0600 and answers over it', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'genswap-admin-sock-'));
    const socket = path.join(dir, 'admin.sock');
    server = await startAdminServer(fakeTarget(), { socket, token: 't' });
    expect(server.url).toBe(`unix:${socket}`);
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect((await send(server, 'GET', '/status', { authorization: 'Bearer t' })).status).toBe(200);
    expect((await send(server, 'GET', '/status', { host: 'localhost', authorization: 'Bearer t' })).status).toBe(200);
    expect((await send(server, 'GET', '/status', { host: 'evil.example', authorization: 'Bearer t' })).status).toBe(421);
    expect((await send(server, 'GET', '/status', { origin: 'http://evil.example', authorization: 'Bearer t' })).status).toBe(403);
  });

  it('replaces a stale socket, and refuses to replace a file that is not one', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'genswap-admin-sock-'));
    const socket = path.join(dir, 'admin.sock');
    const first = await startAdminServer(fakeTarget(), { socket });
    // Closing removes the socket file; make a stale one by starting again over a live path.
    await first.close();
    server = await startAdminServer(fakeTarget(), { socket });
    expect((await send(server, 'GET', '/healthz')).status).toBe(200);
    const file = path.join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await expect(startAdminServer(fakeTarget(), { socket: file })).rejects.toMatchObject({ code: 'GENSWAP_ADMIN_SOCKET_PATH' });
    expect(statSync(file).isFile()).toBe(true);
  });
});
