import { describe, expect, it } from 'vitest';
import { CoalescingQueue, type RunInfo } from './coalescing-queue.js';

/** A job whose runs the test finishes by hand, in order. */
function manualJob() {
  const runs: { info: RunInfo<string>; finish: (value: string) => void; fail: (err: Error) => void }[] = [];
  const job = (info: RunInfo<string>) =>
    new Promise<string>((resolve, reject) => {
      runs.push({ info, finish: resolve, fail: reject });
    });
  return { runs, job };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescingQueue', () => {
  it('runs at once when idle, one run at a time, and coalesces later requests into exactly one more', async () => {
    const { runs, job } = manualJob();
    const queue = new CoalescingQueue(job, () => 'fallback');
    const first = queue.request('a');
    expect(runs).toHaveLength(1);
    expect(runs[0]!.info).toEqual({ id: 1, requests: 1, metas: ['a'] });
    const second = [queue.request('b'), queue.request('c'), queue.request('b')];
    expect(runs).toHaveLength(1); // nothing starts while run 1 is going
    expect(queue.isQueued).toBe(true);

    runs[0]!.finish('one');
    expect(await first).toBe('one');
    await flush();
    expect(runs).toHaveLength(2);
    expect(runs[1]!.info).toEqual({ id: 2, requests: 3, metas: ['b', 'c', 'b'] });
    const late = queue.request('d'); // arrives while run 2 goes: a third run
    runs[1]!.finish('two');
    expect(await Promise.all(second)).toEqual(['two', 'two', 'two']);
    await flush();
    expect(runs).toHaveLength(3);
    runs[2]!.finish('three');
    expect(await late).toBe('three');
    await queue.idle();
    expect(queue.isRunning).toBe(false);
  });

  it('turns a job that throws or rejects into a result, and keeps going', async () => {
    let calls = 0;
    const queue = new CoalescingQueue<string, void>(
      () => {
        calls++;
        if (calls === 1) throw new Error('sync');
        return Promise.reject(new Error('async'));
      },
      (err, info) => `failed #${info.id}: ${(err as Error).message}`,
    );
    expect(await queue.request()).toBe('failed #1: sync');
    expect(await queue.request()).toBe('failed #2: async');
  });

  it('idle() waits for the queued run too', async () => {
    const { runs, job } = manualJob();
    const queue = new CoalescingQueue(job, () => 'x');
    void queue.request('a');
    void queue.request('b');
    let idle = false;
    const waiting = queue.idle().then(() => (idle = true));
    runs[0]!.finish('1');
    await flush();
    expect(idle).toBe(false);
    runs[1]!.finish('2');
    await waiting;
    expect(idle).toBe(true);
  });
});
