import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type AddressInfo, Server as NetServer } from 'node:net';
import type { HttpResult, HttpTask, TaskResult } from '@genswap/supervisor';
import type { Logger } from 'pino';
import { urlOf } from '../host-port.js';

/** What the front end needs of a Supervisor. */
export interface TaskRunner {
  run<R>(task: HttpTask): Promise<TaskResult<R>>;
  readonly generation: number;
}

export interface FrontEnd {
  readonly url: string;
  readonly address: AddressInfo;
  /** Requests received and not yet answered. */
  readonly inFlight: number;
  /**
   * Stops accepting connections, answers what is in flight (each answer says Connection:
   * close), then closes the idle connections. Resolves true when everything in flight was
   * answered within `timeoutMs`; false when the rest had to be cut.
   */
  drain(timeoutMs: number): Promise<boolean>;
}

export const GENERATION_HEADER = 'x-genswap-generation';

function taskOf(req: IncomingMessage): HttpTask {
  const headers: Record<string, string | undefined> = {};
  const raw: IncomingHttpHeaders = req.headers;
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, remoteAddress: req.socket.remoteAddress ?? '' };
}

function isHttpResult(value: unknown): value is HttpResult {
  const r = value as HttpResult | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.status) &&
    r.status >= 200 &&
    r.status <= 599 &&
    (r.body === undefined || typeof r.body === 'string') &&
    (r.headers === undefined || (typeof r.headers === 'object' && r.headers !== null))
  );
}

/**
 * The HTTP front end of `genswap serve`: each request becomes an HttpTask run on the pool,
 * and the handler's HttpResult is written back with `x-genswap-generation` naming the
 * generation that answered. Error answers (no handler result) name the generation the failed
 * task ran on when it is known, else the one current when the answer is written.
 */
export async function startFrontEnd(runner: TaskRunner, host: string, port: number, logger: Logger): Promise<FrontEnd> {
  const log = logger.child({ component: 'http' });
  let inFlight = 0;
  let draining = false;
  let idleWaiters: (() => void)[] = [];

  function respond(res: ServerResponse, status: number, generation: number, headers: Readonly<Record<string, string>>, body: string): void {
    if (res.destroyed) return;
    res.statusCode = status;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader(GENERATION_HEADER, String(generation));
    if (draining) res.setHeader('connection', 'close');
    res.end(body);
  }

  function fail(res: ServerResponse, err: unknown, task: HttpTask): void {
    const e = err as { code?: string; generation?: number; message?: string };
    const generation = typeof e.generation === 'number' ? e.generation : runner.generation;
    const status = e.code === 'GENSWAP_SUPERVISOR_CLOSED' ? 503 : e.code === 'GENSWAP_TASK_LOST' ? 502 : 500;
    log.error({ err, method: task.method, url: task.url, status }, 'request failed');
    respond(res, status, generation, { 'content-type': 'text/plain; charset=utf-8' }, `${status === 503 ? 'shutting down' : 'handler failed'}\n`);
  }

  const server = createServer((req, res) => {
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0 && idleWaiters.length > 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
      }
    });
    req.resume(); // request bodies are not part of an HttpTask; drain them so keep-alive works
    const task = taskOf(req);
    runner.run<HttpResult>(task).then(
      ({ generation, result }) => {
        if (!isHttpResult(result)) {
          fail(res, Object.assign(new Error('handler returned no valid HttpResult { status, headers?, body? }'), { generation }), task);
          return;
        }
        respond(res, result.status, generation, result.headers ?? {}, result.body ?? '');
      },
      (err: unknown) => fail(res, err, task),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;

  return {
    url: urlOf(address.address, address.port),
    address,
    get inFlight() {
      return inFlight;
    },
    async drain(timeoutMs: number): Promise<boolean> {
      draining = true;
      // net.Server#close, not http.Server#close: the latter also drops idle keep-alive
      // connections at once, and a request a client already sent on one would be lost. This
      // stops new connections only; requests still arriving are answered with Connection: close.
      NetServer.prototype.close.call(server);
      let drained = true;
      if (inFlight > 0) {
        drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), timeoutMs);
          idleWaiters.push(() => {
            clearTimeout(timer);
            resolve(true);
          });
        });
      }
      server.closeIdleConnections();
      if (!drained) server.closeAllConnections();
      return drained;
    },
  };
}
