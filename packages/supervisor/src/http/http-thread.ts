/**
 * The entry of one HTTP thread of `genswap serve`: it accepts connections itself, and per request
 * pins the current generation, runs the handler on it and releases the pin (acquire -> handler ->
 * release, in this thread: no message to the primary per request). It reports through its seat's
 * row of the thread board (thread-board.ts) and talks to the primary only to say it is serving, to
 * log (rate-limited) and to drain. Kept free of pino and piscina, like worker.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { attachReader, type GenerationReader, type StoreHandle } from '@genswap/core';
import { type WorkerDefinition, workerDefinitionOf } from '../worker-definition.js';
import type { HttpTask } from '../http-contract.js';
import type { ResolvedHttpLimits } from './http-limits.js';
import type { ListenSpec } from './listen-socket.js';
import { IdleWaiters } from '../idle-waiters.js';
import { listen } from '../listen.js';
import { type GateConnection, RequestGate } from './request-gate.js';
import { GenerationLabels } from '../generation-labels.js';
import { answerStamp, isHttpResult, taskOf, writeAnswer } from './serve-request.js';
import { SeatRow, STATE_DRAINING, STATE_SERVING } from './thread-board.js';
import type { ThreadMessage, PrimaryMessage } from './thread-messages.js';

export interface HttpThreadData {
  readonly handle: StoreHandle;
  readonly labels: SharedArrayBuffer;
  readonly state: unknown;
  readonly moduleUrl: string;
  readonly board: SharedArrayBuffer;
  readonly seat: number;
  readonly listen: ListenSpec;
  readonly limits: ResolvedHttpLimits;
  /** This thread's share of limits.maxConnections. */
  readonly maxConnections: number;
  /** The beat period while serving, and after a busy tick with no request and none in flight (H1). */
  readonly heartbeatMs: number;
  readonly idleHeartbeatMs: number;
}

const data = workerData as HttpThreadData;
const port = parentPort!;
const row = new SeatRow(data.board, data.seat);
const limits = data.limits;
const labels = new GenerationLabels(data.labels);

function post(message: ThreadMessage): void {
  port.postMessage(message);
}

/** At most LOG_BURST log messages per second reach the primary; the rest are counted. */
const LOG_BURST = 10;
let logWindow = 0;
let logsInWindow = 0;
let logsDropped = 0;
function log(level: 'warn' | 'error', obj: Record<string, unknown>, msg: string): void {
  const now = Math.floor(Date.now() / 1000);
  if (now !== logWindow) {
    logWindow = now;
    logsInWindow = 0;
  }
  if (logsInWindow++ >= LOG_BURST) {
    logsDropped++;
    return;
  }
  post({ type: 'log', level, obj: { ...obj, ...(logsDropped > 0 ? { logsDropped } : {}) }, msg });
  logsDropped = 0;
}

function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { message: String(err) };
}

/** H3: the primary condemned this thread while a handler ran; touch nothing until terminated. */
function freezeUntilTerminated(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0); // terminate() interrupts the wait; nothing ever notifies it
}

// H4: the seat's totals go on from where the thread before this one left them.
const carried = row.counters();
let requests = carried.requests;
let failed = carried.failed;
let refused = carried.refused;
let draining = false;
/** A connection that sends this many requests beyond the ones running is closed (request-gate.ts). */
const MAX_PARKED_PER_PIPELINED = 8;
const gate = new RequestGate(
  limits.maxPipelined,
  limits.maxPipelined * MAX_PARKED_PER_PIPELINED,
  (inFlight) => {
    row.setInFlight(inFlight);
    if (draining && inFlight === 0) drained.wakeAll();
  },
  () => {
    refused++;
    log('warn', { threadId, maxPipelined: limits.maxPipelined }, 'connection closed: it pipelined far more requests than it read answers');
  },
);

function publish(): void {
  row.publishCounters({ requests, failed, refused, rebalanced });
}

// H1: the heartbeat. Busy ticks every heartbeatMs; a busy tick that finds no request since the
// last one and none in flight moves the thread to idleHeartbeatMs, and the next request moves it
// back (beating first, so a handler stuck on it is judged from its own start).
const busyBeatMs = data.heartbeatMs;
const idleBeatMs = data.idleHeartbeatMs;
let beatMs = 0;
let tick: NodeJS.Timeout | undefined;
let requestsAtTick = 0;
function beatEvery(ms: number): void {
  clearInterval(tick);
  beatMs = ms;
  row.setBeatPeriod(ms);
  row.beat();
  tick = setInterval(onTick, ms);
}
function onTick(): void {
  row.beat();
  publish();
  if (beatMs !== idleBeatMs && requests === requestsAtTick && gate.inFlight === 0 && !draining) beatEvery(idleBeatMs);
  requestsAtTick = requests;
}

// H5: keep-alive connections follow the threads. A thread holding far more than its share of
// the connections (thread-board.ts: more than twice, plus two, what the least-loaded live serving
// thread holds; e.g. the survivor after a replacement) closes one: Connection: close on an answer
// that leaves nothing else running or parked on its connection. The client reconnects, and the
// kernel gives the new connection to whichever thread accepts first. The board is read at most
// every shedGapMs; a shed after which this thread holds no fewer connections (the client came
// back here) doubles that gap, up to SHED_GAP_MAX_MS, and one that worked resets it. The clock
// itself is read on every SHED_EVERY-th keep-alive answer only.
const SHED_FLOOR = 4;
const SHED_EVERY = 16;
let answersToClock = SHED_EVERY;
const SHED_GAP_MIN_MS = 2;
const SHED_GAP_MAX_MS = 500;
let connections = 0;
let rebalanced = carried.rebalanced;
let shedGapMs = SHED_GAP_MIN_MS;
let nextShedCheck = 0;
/** Connections held when the last shed was decided (its own included), or -1 once that shed was judged. */
let heldAtShed = -1;
function shedding(conn: GateConnection, res: ServerResponse): boolean {
  if (!res.shouldKeepAlive || --answersToClock > 0) return false; // closing anyway, or not this answer
  answersToClock = SHED_EVERY;
  const now = performance.now();
  if (now < nextShedCheck) return false;
  if (heldAtShed >= 0) {
    shedGapMs = connections >= heldAtShed ? Math.min(SHED_GAP_MAX_MS, shedGapMs * 2) : SHED_GAP_MIN_MS;
    heldAtShed = -1;
  }
  nextShedCheck = now + shedGapMs;
  if (conn.active !== 1 || conn.backlog.length > 0 || !row.overShare(SHED_FLOOR, process.hrtime.bigint())) return false;
  heldAtShed = connections;
  rebalanced++;
  return true;
}

/** The stamp of the generation most answers name (answerStamp): rendered once per generation, not per answer. */
let stampGeneration = -1;
let stamp: readonly string[] = [];
function stampOf(generation: number): readonly string[] {
  if (generation !== stampGeneration) {
    stamp = answerStamp(generation, threadId, labels.revisionOf(generation));
    stampGeneration = generation;
  }
  return stamp;
}

function refuse(res: ServerResponse, status: number, why: string, generation: number): void {
  refused++;
  writeAnswer(res, status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 503 ? { 'retry-after': '1' } : {}) }, `${why}\n`, stampOf(generation), true);
}

function serveWith(def: WorkerDefinition, reader: GenerationReader<unknown>) {
  const state = data.state;
  /** Each answer is written, then its request leaves the gate (request-gate.ts). */
  const fail = (req: IncomingMessage, res: ServerResponse, conn: GateConnection, err: unknown, generation: number): void => {
    failed++;
    log('error', { err: errorFields(err), method: req.method, url: req.url, generation, threadId }, 'request failed');
    writeAnswer(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'handler failed\n', stampOf(generation), draining);
    gate.leave(conn);
  };
  const answer = (req: IncomingMessage, res: ServerResponse, conn: GateConnection, result: unknown, generation: number): void => {
    if (!isHttpResult(result)) {
      fail(req, res, conn, new Error('handler returned no valid HttpResult { status, headers?, body? }'), generation);
      return;
    }
    writeAnswer(res, result.status, result.headers, result.body ?? '', stampOf(generation), draining || shedding(conn, res));
    gate.leave(conn);
  };

  /** acquire -> handler -> release, all in this thread; the answer goes out after the release. */
  const handle = (req: IncomingMessage, res: ServerResponse, task: HttpTask, conn: GateConnection): void => {
    const lease = reader.acquire();
    const generation = lease.generation;
    const odd = row.enterHandler(conn.fd); // H2
    let out: unknown;
    try {
      out = def.handler(task, lease.value, { generation, threadId, state });
    } catch (err) {
      if (!row.leaveHandler(odd)) freezeUntilTerminated(); // H3
      lease.release();
      fail(req, res, conn, err, generation);
      return;
    }
    if (!row.leaveHandler(odd)) freezeUntilTerminated(); // H3
    if (out !== null && typeof out === 'object' && typeof (out as PromiseLike<unknown>).then === 'function') {
      (out as PromiseLike<unknown>).then(
        (result) => {
          lease.release();
          answer(req, res, conn, result, generation);
        },
        (err: unknown) => {
          lease.release();
          fail(req, res, conn, err, generation);
        },
      );
      return;
    }
    lease.release();
    answer(req, res, conn, out, generation);
  };

  return function onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (beatMs !== busyBeatMs) beatEvery(busyBeatMs); // H1: busy again
    requests++;
    const socket = req.socket;
    if (req.rawHeaders.length > limits.maxHeaders * 2) {
      refuse(res, 431, `too many request headers (the limit is ${limits.maxHeaders})`, reader.currentGeneration);
      return;
    }
    // One pass over the raw headers (req.headers would build a second copy of them).
    const task = taskOf(req);
    const length = Number(task.headers['content-length'] ?? 0);
    if (length > limits.maxBodyBytes) {
      refuse(res, 413, `request body over ${limits.maxBodyBytes} bytes`, reader.currentGeneration);
      return;
    }
    if (gate.inFlight >= limits.maxInFlightPerThread) {
      refuse(res, 503, 'too many requests in flight', reader.currentGeneration);
      return;
    }
    if (length > 0 || task.headers['transfer-encoding'] !== undefined) {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limits.maxBodyBytes) socket.destroy(); // a chunked body past the bound
      });
    }
    req.resume(); // the verdict reads no body: drain it so the connection can be reused
    gate.enter(socket, (conn) => handle(req, res, task, conn));
  };
}

/** The drain waits here for the last request in flight. */
const drained = new IdleWaiters();

async function main(): Promise<void> {
  let def: WorkerDefinition;
  try {
    def = workerDefinitionOf(await import(data.moduleUrl), data.moduleUrl);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    post({ type: 'fatal', code: typeof e.code === 'string' ? e.code : 'GENSWAP_HTTP_THREAD_FAILED', message: String(e.message ?? err) });
    return;
  }
  const reader = attachReader<unknown>(data.handle, def.codec === undefined ? {} : { codec: def.codec });
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s, which would let a slow
      // client hold a connection up to 30 s past them).
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    serveWith(def, reader),
  );
  // One more than the limit, so a request over it is seen (and refused) rather than truncated.
  server.maxHeadersCount = limits.maxHeaders + 1;
  server.maxConnections = data.maxConnections;
  server.on('connection', (socket: Socket) => {
    row.setConnections(++connections); // H5
    socket.once('close', () => row.setConnections(--connections));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A peer that reset or went away was refused nothing: only count what we answer.
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    refused++;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    if (socket.writable && (socket as unknown as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent !== true) {
      socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    }
    socket.destroy();
  });

  const spec = data.listen;
  await listen(server, spec.kind === 'fd' ? { fd: spec.fd } : { host: spec.host, port: spec.port, reusePort: true }).catch((err: unknown) => {
    const e = err as { code?: string; message?: string };
    post({ type: 'fatal', code: 'GENSWAP_HTTP_LISTEN_FAILED', message: `thread ${threadId} cannot listen: ${e.code ?? ''} ${e.message ?? String(err)}` });
    throw err;
  });

  requestsAtTick = requests;
  beatEvery(busyBeatMs); // H1
  row.setState(STATE_SERVING);
  post({ type: 'serving' });

  port.on('message', (message: PrimaryMessage) => {
    if (message.type !== 'drain' || draining) return;
    draining = true;
    row.setState(STATE_DRAINING);
    const t0 = performance.now();
    // net.Server#close, not http.Server#close: the latter also drops idle keep-alive connections
    // at once, and a request a client already sent on one would be lost. New connections stop;
    // requests still arriving are answered with Connection: close.
    let closed = false;
    NetServer.prototype.close.call(server, () => (closed = true));
    const finish = (answeredAll: boolean): void => {
      server.closeIdleConnections();
      if (!answeredAll) server.closeAllConnections();
      const done = (): void => {
        clearInterval(tick);
        publish();
        post({ type: 'drained', answeredAll, durationMs: Math.round(performance.now() - t0) });
      };
      // Answers already written still have to leave: the server closes once the last
      // connection has ended (each answer during a drain says Connection: close).
      if (closed) return done();
      const cut = setTimeout(() => {
        server.closeAllConnections();
        done();
      }, 1000);
      server.once('close', () => {
        clearTimeout(cut);
        done();
      });
    };
    if (gate.inFlight === 0) {
      finish(true);
      return;
    }
    void drained.wait(message.timeoutMs).then(finish);
  });
}

void main().catch(() => {
  // Reported above as a fatal message; the thread ends and the primary decides.
  process.exitCode = 1;
  port.close();
});
