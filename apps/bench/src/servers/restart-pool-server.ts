/**
 * The pool-restart alternative to `genswap serve`, as a user without genswap would build it:
 * node:http in front of a piscina pool running the same gateway handler, the compiled config
 * handed to the workers in workerData. A reload (POST /reload on the admin listener, or
 * SIGHUP) loads and validates the file exactly as genswap does, starts a new pool with it,
 * sends every new request there, and retires the old pool gracefully (the tasks it holds
 * finish, then it is destroyed: see DrainingPool), so no request is dropped. Answers carry the same
 * x-genswap-generation header as genswap's, naming the pool that answered.
 *
 * usage: node restart-pool-server.js --config <file> [--threads N]
 * prints: `restart-pool server: listening on <url> (pid N, admin <url>)`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { loadConfig } from '@genswap/config';
import type { GatewayState } from '@genswap/gateway';
import { createState, definition } from '@genswap/gateway/definition';
import type { HttpResult, HttpTask } from '@genswap/supervisor';
import { Piscina } from 'piscina';
import { DrainingPool } from '../support/draining-pool.js';
import { listenLoopback, type ReloadDone, startReloadAdmin } from './reload-admin.js';
import { taskOf } from './verdict-http.js';
import type { RestartAnswer, RestartWorkerData } from '../workers/restart-gateway-worker.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configFile = option('--config');
const threads = Number(option('--threads') ?? '2');
if (configFile === undefined || !(threads >= 1)) {
  process.stderr.write('usage: restart-pool-server --config <file> [--threads N]\n');
  process.exit(2);
}

const filename = new URL('../workers/restart-gateway-worker.js', import.meta.url).href;
const state: GatewayState = createState();
let generation = 0;
let pool: DrainingPool | undefined;
const closing = new Set<Promise<void>>();

async function startPool(): Promise<number> {
  const loaded = await loadConfig(configFile!, definition);
  const data: RestartWorkerData = { config: loaded.value, generation: generation + 1, state };
  const next = new Piscina({ filename, minThreads: threads, maxThreads: threads, workerData: data });
  generation++;
  const old = pool;
  pool = new DrainingPool(next);
  if (old !== undefined) {
    const done: Promise<void> = old.retire().finally(() => closing.delete(done));
    closing.add(done);
  }
  return generation;
}

// Reloads one at a time, as genswap serializes its own.
let reloadChain: Promise<unknown> = Promise.resolve();
function reload(): Promise<number> {
  const run = reloadChain.then(startPool);
  reloadChain = run.catch(() => undefined);
  return run;
}

/** What POST /reload answers: the new pool's generation and how long it took to ask for it. */
async function reloadTimed(): Promise<ReloadDone> {
  const t0 = performance.now();
  const gen = await reload();
  return { generation: gen, durationMs: performance.now() - t0 };
}

function respond(res: ServerResponse, status: number, gen: number, headers: Readonly<Record<string, string>>, body: string): void {
  if (res.destroyed) return;
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('x-genswap-generation', String(gen));
  res.end(body);
}

const front = createServer((req, res) => {
  req.resume();
  pool!.run<RestartAnswer>(taskOf(req)).then(
    (answer) => {
      const result = answer.result as HttpResult;
      respond(res, result.status, answer.generation, result.headers ?? {}, result.body ?? '');
    },
    (err: unknown) => {
      process.stderr.write(`request failed: ${String(err)}\n`);
      respond(res, 500, generation, { 'content-type': 'text/plain' }, 'handler failed\n');
    },
  );
});

await reload();
const frontAddress = await listenLoopback(front);
const admin = await startReloadAdmin(reloadTimed, () => generation);
process.on('SIGHUP', () => void reload());
process.once('SIGTERM', () => {
  front.close();
  front.closeAllConnections();
  admin.close();
  void Promise.all([...closing, pool?.retire()]).finally(() => process.exit(0));
});
process.stdout.write(
  `restart-pool server: listening on http://127.0.0.1:${frontAddress.port} (pid ${process.pid}, generation ${generation}, ${threads} threads, admin ${admin.url})\n`,
);
