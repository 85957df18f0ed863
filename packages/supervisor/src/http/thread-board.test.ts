/**
 * The thread board's handler word (H2, H3): the primary's condemn and the thread's leave race,
 * and exactly one must win. Driven deterministically: a thread enters the handler section and
 * pauses there on an Atomics handshake (test-support/handler-thread.mjs) while the primary acts.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createBoardBuffer, SeatRow, STATE_DRAINING, STATE_SERVING, STATE_STARTING } from './thread-board.js';

const THREAD = new URL('./test-support/handler-thread.mjs', import.meta.url);

function pausedHandler(board: SharedArrayBuffer, seat: number, fd: number): { sync: Int32Array; left: Promise<boolean>; worker: Worker } {
  const sync = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(THREAD, { workerData: { board, seat, fd, sync: sync.buffer } });
  const left = new Promise<boolean>((resolve, reject) => {
    worker.once('message', (m: { left: boolean }) => resolve(m.left));
    worker.once('error', reject);
  });
  return { sync, left, worker };
}

async function untilInside(sync: Int32Array): Promise<void> {
  // Atomics.waitAsync: the main thread must not block (the worker needs it for nothing, but vitest does).
  while (Atomics.load(sync, 0) === 0) await Atomics.waitAsync(sync, 0, 0).value;
}

function resume(sync: Int32Array): void {
  Atomics.store(sync, 1, 1);
  Atomics.notify(sync, 1);
}

describe('thread board handler word', () => {
  it('H3: a condemn that lands while the handler runs wins, names its socket, and the thread cannot leave', async () => {
    const board = createBoardBuffer(2);
    const { sync, left, worker } = pausedHandler(board, 1, 42);
    await untilInside(sync);
    const primary = new SeatRow(board, 1);
    expect(primary.condemn()).toBe(42);
    expect(primary.condemn()).toBeUndefined(); // once condemned, never twice
    resume(sync);
    expect(await left).toBe(false);
    await worker.terminate();
  });

  it('H3: a handler that left first makes the condemn a no-op (no socket is answered for it)', async () => {
    const board = createBoardBuffer(1);
    const row = new SeatRow(board, 0);
    const odd = row.enterHandler(7);
    expect(row.leaveHandler(odd)).toBe(true);
    expect(row.condemn()).toBeUndefined();
    const next = row.enterHandler(8);
    expect(next).toBe(odd + 2); // H2: odd inside, even outside, always moving forward
    expect(row.condemn()).toBe(8);
    expect(row.leaveHandler(next)).toBe(false);
  });

  it('H4: counters belong to the seat and survive a new thread taking it', () => {
    const board = createBoardBuffer(2);
    const first = new SeatRow(board, 0);
    first.publishCounters({ requests: 2 ** 40, failed: 3, refused: 5, rebalanced: 7 });
    first.setInFlight(9);
    first.setConnections(4);
    first.resetForNewThread();
    const primary = new SeatRow(board, 0);
    expect(primary.counters()).toEqual({ requests: 2 ** 40, failed: 3, refused: 5, rebalanced: 7 });
    expect(primary.inFlight).toBe(0);
    expect(primary.connections).toBe(0);
    expect(new SeatRow(board, 1).counters()).toEqual({ requests: 0, failed: 0, refused: 0, rebalanced: 0 });
  });

  it('H1: a thread is overdue only once it has been silent for the deadline plus the period it announced', () => {
    const board = createBoardBuffer(2);
    const thread = new SeatRow(board, 1);
    const primary = new SeatRow(board, 1);
    const ms = (n: number): bigint => BigInt(Math.round(n * 1e6));
    thread.setBeatPeriod(250);
    const before = process.hrtime.bigint();
    thread.beat();
    const after = process.hrtime.bigint();
    // The beat was stored between before and after, on the clock the primary reads.
    expect(primary.overdueMs(before + ms(5250), 5000)).toBeLessThanOrEqual(0);
    expect(primary.overdueMs(after + ms(5250), 5000)).toBeGreaterThanOrEqual(0);
    expect(primary.overdueMs(after + ms(5000), 5000)).toBeLessThan(0); // the deadline alone is not enough
    expect(primary.overdueMs(after + ms(6000), 5000)).toBeGreaterThanOrEqual(750 - Number(after - before) / 1e6);
    // Idle: a longer promise moves the moment on by the difference; a beat moves it on from now.
    thread.setBeatPeriod(1250);
    expect(primary.beatPeriodMs).toBe(1250);
    expect(primary.overdueMs(after + ms(6000), 5000)).toBeLessThan(0);
    expect(primary.overdueMs(after + ms(6250), 5000)).toBeGreaterThanOrEqual(0);
    const later = process.hrtime.bigint();
    thread.beat();
    expect(primary.overdueMs(later + ms(6249), 5000)).toBeLessThan(0);
    // Another seat's beat is its own.
    expect(new SeatRow(board, 0).beatPeriodMs).toBe(0);
    thread.resetForNewThread();
    expect(primary.beatPeriodMs).toBe(0);
  });

  it('H5: a thread sheds only when it holds more than twice (plus two) what the least-loaded live serving thread holds', () => {
    const board = createBoardBuffer(3);
    const rows = [0, 1, 2].map((seat) => new SeatRow(board, seat));
    const set = (...counts: number[]): void => counts.forEach((n, i) => rows[i]!.setConnections(n));
    // The clock is read around the beats, never later: a slow machine cannot move the answers.
    const before = process.hrtime.bigint();
    for (const r of rows) {
      r.setState(STATE_SERVING);
      r.setBeatPeriod(250);
      r.beat();
    }
    const after = process.hrtime.bigint();
    const now = (): bigint => after;
    set(9, 5, 3); // least 3: 9 > 8
    expect(rows[0]!.overShare(4, now())).toBe(true);
    expect(rows[1]!.overShare(4, now())).toBe(false); // 5 > 8 no
    set(8, 5, 3); // 8 is not more than 8
    expect(rows[0]!.overShare(4, now())).toBe(false);
    set(19, 13, 13); // a 60/40 split: left alone
    expect(rows[0]!.overShare(4, now())).toBe(false);
    set(12, 0, 6);
    expect(rows[0]!.overShare(4, now())).toBe(true);
    expect(rows[0]!.overShare(13, now())).toBe(false); // under the floor: never
    set(3, 0, 0);
    expect(rows[0]!.overShare(4, now())).toBe(false);
    // A thread silent for more than twice its period (stuck in a handler) is no target; one that
    // beats again is.
    set(12, 0, 12);
    expect(rows[0]!.overShare(4, before + 499_000_000n)).toBe(true); // silent at most 499 ms: live
    expect(rows[0]!.overShare(4, after + 501_000_000n)).toBe(false); // silent at least 501 ms
    // Only serving threads count: a seat still starting (a replacement) is not a target yet, and
    // a thread with no other live serving thread never sheds.
    rows[1]!.setState(STATE_STARTING);
    expect(rows[0]!.overShare(4, now())).toBe(false);
    rows[1]!.setState(STATE_SERVING);
    expect(rows[0]!.overShare(4, now())).toBe(true);
    rows[1]!.setState(STATE_DRAINING);
    rows[2]!.setState(STATE_DRAINING);
    expect(rows[0]!.overShare(4, now())).toBe(false);
  });
});
