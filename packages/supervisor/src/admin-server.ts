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
  /** Loopback address to bind (127.0.0.1, ::1, localhost). */
  readonly host: string;
  /** 0 picks a free port; read it back from `url`. */
  readonly port: number;
  readonly logger?: SupervisorLogger;
}

export interface AdminServer {
  /** e.g. http://127.0.0.1:9901 */
  readonly url: string;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

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
 * The admin listener: GET /status (JSON), GET /metrics (Prometheus text), POST /reload (waits
 * for the outcome: 200 with the record when it succeeded, 422 with the problems when not),
 * GET /healthz. Loopback only: it can trigger reloads and shows internals, and has no auth.
 */
export async function startAdminServer(target: AdminTarget, options: AdminServerOptions): Promise<AdminServer> {
  if (!isLoopback(options.host)) {
    throw new SupervisorError('GENSWAP_ADMIN_NOT_LOOPBACK', `admin listener asked to bind ${options.host}, which is not a loopback address`);
  }
  const log = (options.logger ?? silentLogger).child({ component: 'admin' });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log.info({ url }, 'admin listening');
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
