/**
 * The HTTP threads' board: one SharedArrayBuffer in which each serving thread reports to the
 * primary without a message per request. A *seat* is a place in the pool (0..threads-1); the
 * thread in a seat is replaced when it dies or stalls, and the replacement takes over the seat's
 * row, counters included (so a Prometheus counter per seat only ever grows).
 *
 * One row per seat, 64 bytes (one cache line), viewed as Int32 words and as BigInt64 words:
 *
 * | int32 word | field     | writer                          | reader         | access                      |
 * |------------|-----------|---------------------------------|----------------|-----------------------------|
 * | 0          | PERIOD    | the seat's thread               | primary        | Atomics.store / load        |
 * | 1          | HANDLER   | thread (enter/leave); primary   | primary, thread| Atomics.store/compareExchange|
 * |            |           | (condemn)                       |                |                             |
 * | 2          | HANDLER_FD| thread, before HANDLER goes odd | primary        | plain, ordered by HANDLER   |
 * | 3          | IN_FLIGHT | thread, per request             | primary        | plain store / Atomics.load  |
 * | 4          | STATE     | thread                          | primary, every | Atomics.store / load        |
 * |            |           |                                 | thread (H5)    |                             |
 * | 5          | CONNS     | thread, per connection opened   | primary, every | Atomics.store / load        |
 * |            |           | or closed                       | thread (H5)    |                             |
 * | bigint 3   | REBALANCED| thread, every tick              | primary        | Atomics.store / load        |
 * | bigint 4   | REQUESTS  | thread, every tick              | primary        | Atomics.store / load        |
 * | bigint 5   | FAILED    | thread, every tick              | primary        | Atomics.store / load        |
 * | bigint 6   | REFUSED   | thread, every tick              | primary        | Atomics.store / load        |
 * | bigint 7   | BEAT_AT   | the seat's thread, every tick   | primary        | Atomics.store / load        |
 *
 * Invariants:
 *
 * - **H1 liveness.** A thread whose event loop turns stores the time (process.hrtime, one
 *   monotonic clock for every thread of the process) in BEAT_AT every tick, and in PERIOD the
 *   longest it promises to go until the next tick (ms). A thread beats often while it serves
 *   (the busy period, a quarter of the deadline at most 250 ms) and rarely while idle (no request
 *   during a busy tick and none in flight: the idle period, a quarter of the deadline at most
 *   2 s); the first request after idling beats before its handler runs. The primary calls a thread
 *   stalled once `now - BEAT_AT >= deadline + PERIOD`: the thread stopped at the latest PERIOD
 *   after its last beat, so it has made no progress for at least the deadline (never less), and
 *   it is caught at most PERIOD after that. The primary needs no clock of its own per beat: it
 *   sleeps until the earliest such moment among the threads, and looks again.
 * - **H2 handler word.** HANDLER is even while no handler runs synchronously on the thread, odd
 *   while one does; the thread moves it from 2k to 2k+1 before calling the handler and from 2k+1
 *   to 2k+2 right after the handler returns (its synchronous part). HANDLER_FD, written before the
 *   move to odd, names the socket of that request.
 * - **H3 condemnation.** The primary condemns a stalled thread with one
 *   `compareExchange(HANDLER, odd, odd | CONDEMNED)`. The thread leaves a handler with
 *   `compareExchange(HANDLER, odd, odd + 1)`; if that fails, it has been condemned, and it touches
 *   no socket again (it blocks until terminated). So once the primary's exchange succeeded, the
 *   socket named by HANDLER_FD is the stuck request's, still open and not written by the thread,
 *   and the primary may answer it (503) before terminating the thread. Exactly one of the two
 *   exchanges wins: that is the whole race.
 * - **H4 counters.** REQUESTS, FAILED, REFUSED and REBALANCED are the seat's totals; a thread
 *   starting in a seat continues from the values it finds, and only the seat's current thread
 *   writes them.
 * - **H5 connection share.** CONNS is the number of connections the seat's thread holds open
 *   (0 for a new thread). A thread holding at least a floor and more than twice (plus two) what
 *   the least-loaded live serving thread holds (live: it beat within twice its period) closes one
 *   keep-alive connection after an answer, at most every few ms: the client reconnects and the
 *   kernel gives the connection to the thread that accepts first. Milder imbalance is left alone
 *   (the shared accept queue gives connections to free threads, and on 2 cores under wrk evening
 *   out 60/40 splits cost 3-7% of req/s for a 1-5% better p99); what this fixes is a thread holding
 *   none, such as a replacement after every keep-alive client settled on the others. Only the
 *   seat's thread writes its count; old values only delay or repeat a close, which costs the
 *   client one reconnect (the answer that closes is the last the thread has read on its
 *   connection: nothing else running or parked there; a request pipelined behind it and not yet
 *   read is one the client must send again, as RFC 9112 9.3.2 asks of pipelining clients).
 */

export const ROW_INT32 = 16;
const ROW_BIGINT = 8;

export const kPeriod = 0;
export const kHandler = 1;
export const kHandlerFd = 2;
export const kInFlight = 3;
export const kState = 4;
export const kConnections = 5;
const kRebalanced = 3; // BigInt64 index within the row (bytes 24..31)
const kRequests = 4; // BigInt64 index within the row (bytes 32..39)
const kFailed = 5;
const kRefused = 6;
const kBeatAt = 7;

/** Set in HANDLER by the primary when it condemns the thread (H3). */
export const CONDEMNED = 1 << 30;

export const STATE_STARTING = 0;
export const STATE_SERVING = 1;
export const STATE_DRAINING = 2;

export interface SeatCounters {
  readonly requests: number;
  readonly failed: number;
  readonly refused: number;
  /** Keep-alive connections this seat closed to spread them over the threads (H5). */
  readonly rebalanced: number;
}

/** The board's buffer, created by the primary and handed to every thread in workerData. */
export function createBoardBuffer(seats: number): SharedArrayBuffer {
  return new SharedArrayBuffer(seats * ROW_INT32 * 4);
}

/** One seat's row, as either side sees it. */
export class SeatRow {
  private readonly words: Int32Array;
  private readonly big: BigInt64Array;
  private readonly base: number;
  private readonly bigBase: number;

  constructor(buffer: SharedArrayBuffer, seat: number) {
    this.words = new Int32Array(buffer);
    this.big = new BigInt64Array(buffer);
    this.base = seat * ROW_INT32;
    this.bigBase = seat * ROW_BIGINT;
  }

  // ---- thread side ----

  /** H1: the event loop turned now. */
  beat(): void {
    Atomics.store(this.big, this.bigBase + kBeatAt, process.hrtime.bigint());
  }

  /** H1: the longest the thread promises to go between two beats from now on, ms. */
  setBeatPeriod(ms: number): void {
    Atomics.store(this.words, this.base + kPeriod, ms);
  }

  /** H2: a handler starts on the socket `fd` (-1 when unknown). Returns the odd value to leave with. */
  enterHandler(fd: number): number {
    this.words[this.base + kHandlerFd] = fd; // ordered before the store below (H2)
    const odd = (Atomics.load(this.words, this.base + kHandler) & ~CONDEMNED) + 1;
    Atomics.store(this.words, this.base + kHandler, odd); // H2: odd while the handler runs
    return odd;
  }

  /** H3: false when the primary condemned this thread while the handler ran. */
  leaveHandler(odd: number): boolean {
    return Atomics.compareExchange(this.words, this.base + kHandler, odd, odd + 1) === odd; // H3
  }

  setInFlight(count: number): void {
    // A plain store: only status reads it, and needs no order against anything else; an aligned
    // Int32Array element never tears (ECMAScript's NoTear), so a reader sees this count or an
    // earlier one. Twice a request, a seq-cst store (xchg) cost ~1-2% of a request's CPU.
    this.words[this.base + kInFlight] = count;
  }

  setState(state: number): void {
    Atomics.store(this.words, this.base + kState, state);
  }

  setConnections(count: number): void {
    Atomics.store(this.words, this.base + kConnections, count); // H5: read by every thread
  }

  /**
   * H5: whether this seat's thread holds far more than its share of the connections: at least
   * `floor`, and more than twice (plus two) the count of the live serving thread that holds the
   * fewest. Live: its last beat is no older than twice the period it announced at `now`
   * (process.hrtime.bigint()), so a thread stuck in a handler is no target. The other rows'
   * counts may be a moment old, which only delays or repeats a decision.
   */
  overShare(floor: number, now: bigint): boolean {
    const words = this.words;
    const mine = Atomics.load(words, this.base + kConnections);
    if (mine < floor) return false;
    let least = Infinity;
    for (let base = 0, big = 0; base < words.length; base += ROW_INT32, big += ROW_BIGINT) {
      if (base === this.base || Atomics.load(words, base + kState) !== STATE_SERVING) continue;
      const silentMs = Number(now - Atomics.load(this.big, big + kBeatAt)) / 1e6;
      if (silentMs > 2 * Atomics.load(words, base + kPeriod)) continue;
      least = Math.min(least, Atomics.load(words, base + kConnections));
    }
    return mine > 2 * least + 2; // Infinity (no other live serving thread): never
  }

  publishCounters(c: SeatCounters): void {
    // H4: only this seat's current thread writes its counters.
    Atomics.store(this.big, this.bigBase + kRequests, BigInt(c.requests));
    Atomics.store(this.big, this.bigBase + kFailed, BigInt(c.failed));
    Atomics.store(this.big, this.bigBase + kRefused, BigInt(c.refused));
    Atomics.store(this.big, this.bigBase + kRebalanced, BigInt(c.rebalanced));
  }

  // ---- primary side ----

  /** The thread's beat period now (ms): busy or idle (H1). */
  get beatPeriodMs(): number {
    return Atomics.load(this.words, this.base + kPeriod);
  }

  /**
   * H1: how far past its stall deadline the thread is at `now` (process.hrtime.bigint()), in ms:
   * >= 0 means it has made no progress for at least `deadlineMs`; a negative value is how long
   * until it would have, if it does not beat again.
   */
  overdueMs(now: bigint, deadlineMs: number): number {
    const silentMs = Number(now - Atomics.load(this.big, this.bigBase + kBeatAt)) / 1e6;
    return silentMs - (deadlineMs + Atomics.load(this.words, this.base + kPeriod));
  }

  get inFlight(): number {
    return Atomics.load(this.words, this.base + kInFlight);
  }

  get state(): number {
    return Atomics.load(this.words, this.base + kState);
  }

  get connections(): number {
    return Atomics.load(this.words, this.base + kConnections);
  }

  counters(): SeatCounters {
    return {
      requests: Number(Atomics.load(this.big, this.bigBase + kRequests)), // H4
      failed: Number(Atomics.load(this.big, this.bigBase + kFailed)),
      refused: Number(Atomics.load(this.big, this.bigBase + kRefused)),
      rebalanced: Number(Atomics.load(this.big, this.bigBase + kRebalanced)),
    };
  }

  /**
   * H3: condemns the thread if a handler is running synchronously on it. Returns the fd of that
   * handler's request (the primary may now answer it), -1 when the fd is unknown, or undefined when
   * no handler was running (the thread is stuck elsewhere: nothing can be answered for it).
   */
  condemn(): number | undefined {
    const seen = Atomics.load(this.words, this.base + kHandler);
    if ((seen & 1) === 0 || (seen & CONDEMNED) !== 0) return undefined;
    if (Atomics.compareExchange(this.words, this.base + kHandler, seen, seen | CONDEMNED) !== seen) return undefined; // H3: the handler left first
    return this.words[this.base + kHandlerFd]!; // written before HANDLER went odd (H2)
  }

  /** Clears the per-thread words when a new thread takes the seat (counters stay, H4). */
  resetForNewThread(): void {
    Atomics.store(this.words, this.base + kPeriod, 0);
    Atomics.store(this.big, this.bigBase + kBeatAt, 0n);
    Atomics.store(this.words, this.base + kHandler, 0);
    Atomics.store(this.words, this.base + kInFlight, 0);
    Atomics.store(this.words, this.base + kConnections, 0);
    Atomics.store(this.words, this.base + kState, STATE_STARTING);
  }
}
