import { createServer, type IncomingMessage, type Server } from 'node:http';
import { threadId } from 'node:worker_threads';
import type { GatewayConfig, GatewayState } from '@genswap/gateway';
import type { HttpTask, TaskContext } from '@genswap/supervisor';
import { handleRequest } from '../support/gateway-modules.js';

/**
 * The verdict computed inline, on the thread that parsed the request: the plain node:http
 * server a user would write around `@genswap/gateway`'s handler, which the inline and
 * node:cluster alternatives of serve-throughput both run. It builds the same HttpTask as
 * `genswap serve`'s front end, and every answer names the generation that decided it
 * (x-genswap-generation), as genswap's do.
 */
export interface ServedConfig {
  readonly config: GatewayConfig;
  readonly generation: number;
}

/** The HttpTask of a request, as genswap's front end builds it (shared by the bench's own servers). */
export function taskOf(req: IncomingMessage): HttpTask {
  const headers: Record<string, string | undefined> = {};
  for (const name of Object.keys(req.headers)) {
    const value = req.headers[name];
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { method: req.method ?? 'GET', url: req.url ?? '/', headers, remoteAddress: req.socket.remoteAddress ?? '' };
}

/** A server answering every request with the verdict of `current()` (read once per request). */
export function createVerdictServer(current: () => ServedConfig, state: GatewayState): Server {
  return createServer((req, res) => {
    req.resume(); // bodies are not part of an HttpTask; drain them so keep-alive works
    const { config, generation } = current();
    const ctx: TaskContext<GatewayState> = { generation, threadId, state };
    const result = handleRequest(taskOf(req), config, ctx);
    res.writeHead(result.status, { ...result.headers, 'x-genswap-generation': String(generation) });
    res.end(result.body ?? '');
  });
}
