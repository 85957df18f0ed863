import { writeSync } from 'node:fs';
import { type AddressInfo, isIP } from 'node:net';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { StoreHandle } from '@genswap/core';
import { SupervisorError } from '../errors.js';
import type { SupervisorLogger } from '../logger.js';
import type { ResolvedHttpLimits } from './http-limits.js';
import type { HttpThreadData } from './http-thread.js';
import { bindListenSocket, type ListenMode, type ListenSocket } from './listen-socket.js';
import { STALLED_ANSWER } from './serve-request.js';
import { createBoardBuffer, SeatRow, STATE_DRAINING, STATE_SERVING } from './thread-board.js';
import type { PrimaryMessage, ThreadMessage } from './thread-messages.js';

const THREAD_FILE = new URL('./http-thread.js', import.meta.url);

function urlOf(address: string, port: number): string {
  return `http://${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

export interface HttpThreadsOptions {
  readonly host: string;
  readonly port: number;
  readonly mode: ListenMode;
  readonly threads: number;
  readonly limits: ResolvedHttpLimits;
  /** A thread whose event loop has not turned for this long is replaced (H1, thread-board.ts). */
  readonly stallTimeoutMs: number;
  /** A thread that is not serving this long after it was started has failed to start. */
  readonly startTimeoutMs: number;
  readonly moduleUrl: string;
  readonly storeHandle: StoreHandle;
  /** Generation -> config revision (generation-labels.ts), for x-genswap-fleet-revision. */
  readonly labels: SharedArrayBuffer;
  readonly state: unknown;
  readonly resourceLimits: ResourceLimits;
  readonly logger: SupervisorLogger;
  /** A thread has exited (its pins must be released): called once per thread, after it stopped. */
  readonly onExit: (exit: { threadId: number; exitCode: number; seat: number; expected: boolean }) => void;
}

export type HttpThreadState = 'starting' | 'serving' | 'draining' | 'stalled' | 'stopped';

export interface HttpThreadStatus {
  /** The thread's place in the pool; a replacement takes the same seat, and its counters go on. */
  readonly seat: number;
  readonly threadId: number;
  readonly state: HttpThreadState;
  readonly startedAt: string;
  /** Requests this seat received (all its threads so far). */
  readonly requests: number;
  readonly inFlight: number;
  /** Client connections the thread holds open now. */
  readonly connections: number;
  /** Keep-alive connections the seat closed after an answer because it held more than its share (H5). */
  readonly rebalanced: number;
  /** Requests whose handler threw or returned no valid answer (answered 500). */
  readonly failed: number;
  /** Requests refused by a limit (431, 413, 503, 408, 400). */
  readonly refused: number;
  /** Threads that took this seat after the first (crashes and stalls). */
  readonly replacements: number;
  /** How often the thread beats now (H1): the busy period while it serves, the idle one after a beat with no request. */
  readonly heartbeatMs: number;
}

export interface HttpStatus {
  readonly url: string;
  readonly listenMode: ListenMode;
  readonly threads: readonly HttpThreadStatus[];
  /** Threads terminated by the watchdog for making no progress. */
  readonly stalls: number;
}

interface Seat {
  readonly index: number;
  readonly row: SeatRow;
  worker: Worker | undefined;
  threadId: number;
  startedAt: Date;
  replacements: number;
  failuresInARow: number;
  /** Condemned by the watchdog, terminating. */
  stalled: boolean;
}

/**
 * The primary's side of the HTTP threads: binds the address, starts one thread per seat, replaces
 * a thread that exits or stalls, and drains them all on close. The primary does nothing per
 * request; it reads the thread board (thread-board.ts) for status and liveness.
 */
export class HttpThreads {
  readonly url: string;
  readonly address: AddressInfo;
  readonly mode: ListenMode;
  private readonly opts: HttpThreadsOptions;
  private readonly log: SupervisorLogger;
  private readonly board: SharedArrayBuffer;
  private readonly seats: Seat[];
  private readonly socket: ListenSocket;
  /** The next liveness check: when the first thread would be past its deadline (H1). */
  private watchdog: NodeJS.Timeout | undefined;
  private readonly heartbeatMs: number;
  private readonly idleHeartbeatMs: number;
  private closing = false;
  private stalls = 0;

  static async start(opts: HttpThreadsOptions): Promise<HttpThreads> {
    const socket = await bindListenSocket(opts.host, opts.port, opts.mode);
    const threads = new HttpThreads(opts, socket);
    try {
      await Promise.all(threads.seats.map((seat) => threads.startThread(seat, true)));
      socket.rest();
    } catch (err) {
      await threads.close(0);
      throw err;
    }
    return threads;
  }

  private constructor(opts: HttpThreadsOptions, socket: ListenSocket) {
    this.opts = opts;
    this.log = opts.logger.child({ component: 'http' });
    this.socket = socket;
    this.address = socket.address;
    this.mode = socket.mode;
    this.url = urlOf(socket.address.address, socket.address.port);
    this.board = createBoardBuffer(opts.threads);
    this.heartbeatMs = Math.max(10, Math.min(250, Math.floor(opts.stallTimeoutMs / 4)));
    // An idle thread wakes a few times per deadline, not 4 times a second: an idle serve costs
    // about a quarter of the CPU it did with one period for both
    // (0.8 against 3.0 ms a second, 2 threads).
    this.idleHeartbeatMs = Math.max(this.heartbeatMs, Math.min(2000, Math.floor(opts.stallTimeoutMs / 4)));
    this.seats = Array.from({ length: opts.threads }, (_, index) => ({
      index,
      row: new SeatRow(this.board, index),
      worker: undefined,
      threadId: -1,
      startedAt: new Date(),
      replacements: 0,
      failuresInARow: 0,
      stalled: false,
    }));
    this.armWatchdog(opts.stallTimeoutMs);
  }

  get aliveCount(): number {
    return this.seats.filter((s) => s.worker !== undefined).length;
  }

  get threadIds(): number[] {
    return this.seats.filter((s) => s.worker !== undefined).map((s) => s.threadId);
  }

  status(): HttpStatus {
    return {
      url: this.url,
      listenMode: this.mode,
      stalls: this.stalls,
      threads: this.seats.map((seat) => {
        const state = seat.row.state;
        return {
          seat: seat.index,
          threadId: seat.threadId,
          state: seat.worker === undefined ? 'stopped' : seat.stalled ? 'stalled' : state === STATE_SERVING ? 'serving' : state === STATE_DRAINING ? 'draining' : 'starting',
          startedAt: seat.startedAt.toISOString(),
          ...seat.row.counters(),
          inFlight: seat.row.inFlight,
          connections: seat.row.connections,
          replacements: seat.replacements,
          heartbeatMs: seat.row.beatPeriodMs,
        };
      }),
    };
  }

  /**
   * Stops accepting, lets every thread answer what it has in flight (answers say Connection: close,
   * idle keep-alive connections are closed), then stops the threads. Resolves true when every
   * thread drained within `timeoutMs`.
   */
  async close(timeoutMs: number): Promise<boolean> {
    this.closing = true;
    clearTimeout(this.watchdog);
    this.socket.close();
    const results = await Promise.all(this.seats.map((seat) => this.drainSeat(seat, timeoutMs)));
    return results.every(Boolean);
  }

  private async drainSeat(seat: Seat, timeoutMs: number): Promise<boolean> {
    const worker = seat.worker;
    if (worker === undefined) return true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const drained = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs + 1000);
      const onMessage = (message: ThreadMessage): void => {
        if (message.type !== 'drained') return;
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve(message.answeredAll);
      };
      worker.on('message', onMessage);
      void exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    worker.postMessage({ type: 'drain', timeoutMs } satisfies PrimaryMessage);
    const ok = await drained;
    await worker.terminate();
    await exited;
    return ok;
  }

  private async startThread(seat: Seat, atStart: boolean): Promise<void> {
    const listen = await this.socket.specForThread();
    if (this.closing) {
      return;
    }
    seat.row.resetForNewThread();
    seat.stalled = false;
    const workerData: HttpThreadData = {
      handle: this.opts.storeHandle,
      labels: this.opts.labels,
      state: this.opts.state,
      moduleUrl: this.opts.moduleUrl,
      board: this.board,
      seat: seat.index,
      listen,
      limits: this.opts.limits,
      maxConnections: Math.max(1, Math.ceil(this.opts.limits.maxConnections / this.opts.threads)),
      heartbeatMs: this.heartbeatMs,
      idleHeartbeatMs: this.idleHeartbeatMs,
    };
    const worker = new Worker(THREAD_FILE, { workerData, resourceLimits: this.opts.resourceLimits, name: `genswap-http-${seat.index}` });
    const threadId = worker.threadId; // -1 once it has exited: keep it now (pins are released by it)
    seat.worker = worker;
    seat.threadId = threadId;
    seat.startedAt = new Date();

    let serving = false;
    let fatal: SupervisorError | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        fatal = new SupervisorError('GENSWAP_HTTP_THREAD_FAILED', `HTTP thread ${threadId} did not start serving within ${this.opts.startTimeoutMs} ms (does the handler module block at import?)`);
        void worker.terminate();
      }, this.opts.startTimeoutMs);
      worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'serving') {
          serving = true;
          this.armWatchdog(0); // its deadline may come before the one the watchdog sleeps until
          seat.failuresInARow = 0;
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'fatal') {
          fatal = new SupervisorError(message.code === 'GENSWAP_WORKER_NOT_WRAPPED' ? 'GENSWAP_WORKER_NOT_WRAPPED' : message.code === 'GENSWAP_HTTP_LISTEN_FAILED' ? 'GENSWAP_HTTP_LISTEN_FAILED' : 'GENSWAP_HTTP_THREAD_FAILED', message.message);
        } else if (message.type === 'log') {
          this.log[message.level]({ ...message.obj, seat: seat.index }, message.msg);
        }
      });
      worker.on('error', (err) => {
        fatal ??= new SupervisorError('GENSWAP_HTTP_THREAD_FAILED', `HTTP thread ${threadId} failed: ${err.message}`, { cause: err });
        if (serving) this.log.error({ err, threadId, seat: seat.index }, 'http thread crashed');
      });
      worker.once('exit', (exitCode) => {
        clearTimeout(timer);
        seat.worker = undefined;
        const expected = this.closing;
        // The thread has stopped: nothing can touch its pin row any more (core invariant I4).
        this.opts.onExit({ threadId, exitCode, seat: seat.index, expected });
        if (!serving) reject(fatal ?? new SupervisorError('GENSWAP_HTTP_THREAD_FAILED', `HTTP thread ${threadId} exited (code ${exitCode}) before it started serving`));
        // A thread that fails while serve starts fails serve; any later exit is replaced.
        if (!expected && (serving || !atStart)) this.replace(seat, serving, fatal);
      });
    });
    await ready;
  }

  /** Starts a new thread in `seat`; after failures in a row, waits longer each time (up to 5 s). */
  private replace(seat: Seat, wasServing: boolean, why: SupervisorError | undefined): void {
    if (this.closing) return;
    seat.replacements++;
    seat.failuresInARow = wasServing ? 0 : seat.failuresInARow + 1;
    const delayMs = seat.failuresInARow === 0 ? 0 : Math.min(5000, 100 * 2 ** (seat.failuresInARow - 1));
    if (!wasServing) this.log.error({ seat: seat.index, delayMs, err: why }, 'http thread failed to start; retrying');
    const timer = setTimeout(() => {
      this.startThread(seat, false).then(
        () => this.restIfFull(),
        () => undefined, // its own exit handler retries
      );
    }, delayMs);
    timer.unref();
  }

  private restIfFull(): void {
    if (!this.closing && this.seats.every((s) => s.worker !== undefined)) this.socket.rest();
  }

  private armWatchdog(delayMs: number): void {
    if (this.closing) return;
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => this.checkLiveness(), Math.max(1, Math.ceil(delayMs)));
    this.watchdog.unref();
  }

  /**
   * H1: a serving thread past its deadline is condemned and replaced. Then sleeps until the
   * earliest moment another one could be (a thread that beats meanwhile moves its own moment on,
   * seen at that check): about one wake-up per deadline, whatever the heartbeat periods.
   */
  private checkLiveness(): void {
    const now = process.hrtime.bigint();
    let nextMs = this.opts.stallTimeoutMs; // no serving thread: look again after one deadline
    for (const seat of this.seats) {
      if (seat.worker === undefined || seat.stalled || seat.row.state !== STATE_SERVING) continue;
      const overdue = seat.row.overdueMs(now, this.opts.stallTimeoutMs);
      if (overdue >= 0) this.stall(seat, overdue + this.opts.stallTimeoutMs + seat.row.beatPeriodMs);
      else nextMs = Math.min(nextMs, -overdue);
    }
    this.armWatchdog(nextMs);
  }

  private stall(seat: Seat, stalledMs: number): void {
    const worker = seat.worker!;
    this.stalls++;
    const fd = seat.row.condemn(); // H3: from here the thread never writes this socket
    let answered = false;
    if (fd !== undefined && fd >= 0) {
      try {
        answered = writeSync(fd, STALLED_ANSWER) === STALLED_ANSWER.length;
      } catch {
        // The peer is gone, or its buffer is full: the connection is cut with the thread.
      }
    }
    this.log.warn({ seat: seat.index, threadId: seat.threadId, stalledMs: Math.round(stalledMs), answered503: answered }, 'http thread stalled; replacing it');
    seat.stalled = true; // not condemned twice while it terminates
    void worker.terminate();
  }
}
