import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { SupervisorError } from './errors.js';
import { type SupervisorLogger, silentLogger } from './logger.js';
import type { ReloadRecord, ReloadTrigger } from './reload-record.js';
import type { SupervisorStatus } from './status.js';

/** What the admin server needs of a Supervisor (any config type). */
export interface AdminTarget {
  status(): SupervisorStatus;
  reload(options: { trigger?: ReloadTrigger }): Promise<ReloadRecord>;
  readonly metrics: { metrics(): Promise<string>; readonly contentType: string };
}

export interface AdminServerOptions {
  /** Loopback address to bind (127.0.0.1, ::1, localhost). Ignored with `socket`. */
  readonly host?: string;
  /** 0 picks a free port; read it back from `url`. Ignored with `socket`. */
  readonly port?: number;
  /**
   * Listen on this unix socket instead of TCP; it is created with mode 0600 (only the user
   * genswap runs as can connect). A stale socket at the path is replaced; any other file there
   * is refused.
   */
  readonly socket?: string;
  /**
   * When set, every request must carry `Authorization: Bearer <token>` (401 otherwise).
   * Compared in constant time.
   */
  readonly token?: string;
  readonly logger?: SupervisorLogger;
}

export interface AdminServer {
  /** e.g. http://127.0.0.1:9901, or unix:/run/genswap/admin.sock */
  readonly url: string;
  /** The TCP address; undefined on a unix socket. */
  readonly address: AddressInfo | undefined;
  close(): Promise<void>;
}

/** Permission bits of the admin socket: owner read/write only. */
export const ADMIN_SOCKET_MODE = 0o600;

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Why a request is refused before routing, or undefined. The admin listener is reachable by
 * any page a local browser opens: a cross-site `POST /reload` with `Content-Type: text/plain`
 * needs no preflight, and a DNS-rebinding page (evil.example resolving to 127.0.0.1) can read
 * `/status` as same-origin. So:
 * - the Host must be the listener's own address (`127.0.0.1:9901`, `[::1]:9901`, or
 *   `localhost:9901` when bound as localhost; `localhost` or none on a unix socket): a rebound
 *   name never is;
 * - any `Origin`, and any `Sec-Fetch-Site` but `none` / `same-origin`, is a browser acting for
 *   a page: refused (command-line clients send neither);
 * - with a token, `Authorization: Bearer <token>` is required.
 */
function refusal(req: IncomingMessage, hosts: ReadonlySet<string>, tokenDigest: Buffer | undefined): { status: number; error: string } | undefined {
  const host = req.headers.host;
  if (host === undefined ? !hosts.has('') : !hosts.has(host.toLowerCase())) {
    return { status: 421, error: `Host ${JSON.stringify(host ?? '')} is not this admin listener's address` };
  }
  if (req.headers.origin !== undefined) return { status: 403, error: 'cross-site requests are refused (the request has an Origin header)' };
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'none' && site !== 'same-origin') return { status: 403, error: `cross-site requests are refused (Sec-Fetch-Site: ${site})` };
  if (tokenDigest !== undefined) {
    const auth = req.headers.authorization ?? '';
    const given = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : '';
    // Digests have one length, so timingSafeEqual never throws and the length of the token leaks nothing.
    if (!timingSafeEqual(createHash('sha256').update(given).digest(), tokenDigest)) {
      return { status: 401, error: 'missing or wrong admin token (send Authorization: Bearer <token>)' };
    }
  }
  return undefined;
}

/** Host header values naming a TCP listener bound to `host` at `port`. */
function ownHosts(bound: string, configured: string, port: number): Set<string> {
  const hosts = new Set<string>();
  hosts.add(`${isIP(bound) === 6 ? `[${bound}]` : bound}:${port}`);
  if (configured === 'localhost') hosts.add(`localhost:${port}`);
  return hosts;
}

/** Removes a stale unix socket at `file`; refuses to touch anything else. */
function clearSocketPath(file: string): void {
  let stat;
  try {
    stat = lstatSync(file);
  } catch {
    return; // nothing there
  }
  if (!stat.isSocket()) throw new SupervisorError('GENSWAP_ADMIN_SOCKET_PATH', `admin socket path ${file} exists and is not a socket`);
  unlinkSync(file);
}

/**
 * The admin listener: GET /status (JSON), GET /metrics (Prometheus text), POST /reload (waits
 * for the outcome: 200 with the record when it succeeded, 422 with the problems when not),
 * GET /healthz. Loopback TCP or a 0600 unix socket only; Host, Origin and Sec-Fetch-Site are
 * checked on every request (see refusal), and an optional bearer token is required.
 */
export async function startAdminServer(target: AdminTarget, options: AdminServerOptions): Promise<AdminServer> {
  const host = options.host ?? '127.0.0.1';
  if (options.socket === undefined && !isLoopback(host)) {
    throw new SupervisorError('GENSWAP_ADMIN_NOT_LOOPBACK', `admin listener asked to bind ${host}, which is not a loopback address`);
  }
  if (options.token !== undefined && options.token.trim() === '') {
    throw new SupervisorError('GENSWAP_ADMIN_TOKEN', 'the admin token is empty');
  }
  const tokenDigest = options.token === undefined ? undefined : createHash('sha256').update(options.token.trim()).digest();
  const log = (options.logger ?? silentLogger).child({ component: 'admin' });
  let hosts = new Set<string>();

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = refusal(req, hosts, tokenDigest);
    if (refused !== undefined) {
      if (refused.status === 401) res.setHeader('www-authenticate', 'Bearer');
      return sendJson(res, refused.status, { error: refused.error });
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const allow = path === '/reload' ? 'POST' : 'GET';
    if (!['/status', '/metrics', '/reload', '/healthz'].includes(path)) return sendJson(res, 404, { error: `no route ${path}` });
    if (req.method !== allow && !(allow === 'GET' && req.method === 'HEAD')) {
      res.setHeader('allow', allow);
      return sendJson(res, 405, { error: `${path} accepts ${allow}` });
    }
    if (path === '/status') return sendJson(res, 200, target.status());
    if (path === '/healthz') return sendJson(res, 200, { ok: true, generation: target.status().generation });
    if (path === '/metrics') {
      const text = await target.metrics.metrics();
      res.writeHead(200, { 'content-type': target.metrics.contentType, 'content-length': Buffer.byteLength(text) });
      return void res.end(text);
    }
    try {
      const outcome = await target.reload({ trigger: 'admin' });
      sendJson(res, outcome.ok ? 200 : 422, outcome);
    } catch (err) {
      const e = err as SupervisorError;
      sendJson(res, 503, { error: e.message, code: e.code });
    }
  }

  const server = createServer((req, res) => {
    req.resume(); // bodies are ignored; drain them so keep-alive works
    route(req, res).catch((err: unknown) => {
      log.error({ err, url: req.url }, 'admin request failed');
      if (!res.headersSent) sendJson(res, 500, { error: (err as Error).message });
      else res.destroy();
    });
  });
  const socket = options.socket;
  if (socket !== undefined) clearSocketPath(socket);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (socket === undefined) {
      server.listen(options.port ?? 0, host, listening);
      return;
    }
    // The socket is created by bind(2) with the process umask; a umask of 0177 makes it 0600
    // from its first moment (no window in which another user could connect), and the chmod
    // below keeps that even where the umask is ignored.
    const umask = process.umask(0o177);
    try {
      server.listen(socket, listening);
    } finally {
      process.umask(umask);
    }
  });
  let url: string;
  let address: AddressInfo | undefined;
  if (socket !== undefined) {
    chmodSync(socket, ADMIN_SOCKET_MODE);
    hosts = new Set(['localhost', '']);
    url = `unix:${socket}`;
  } else {
    address = server.address() as AddressInfo;
    hosts = ownHosts(address.address, host, address.port);
    url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  }
  log.info({ url, token: tokenDigest !== undefined }, 'admin listening');
  return {
    url,
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
