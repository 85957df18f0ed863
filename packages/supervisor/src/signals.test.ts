import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { handleSignals } from './signals.js';

// The signal policy driven through an EventEmitter standing in for `process`; the real
// signals are exercised end to end in test/serve-signals.test.ts.
function harness(shutdown: () => Promise<void> = () => Promise.resolve()) {
  const target = new EventEmitter();
  const exits: number[] = [];
  let reloads = 0;
  let shutdowns = 0;
  const handle = handleSignals({
    target,
    exit: (code) => exits.push(code),
    onReload: () => reloads++,
    onShutdown: () => {
      shutdowns++;
      return shutdown();
    },
  });
  return { target, exits, handle, reloads: () => reloads, shutdowns: () => shutdowns };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('handleSignals', () => {
  it('SIGHUP reloads, every time', () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.target.emit('SIGHUP', 'SIGHUP');
    expect(h.reloads()).toBe(3);
    expect(h.exits).toEqual([]);
  });

  it('SIGTERM shuts down once and exits 0 when the shutdown completes; SIGHUP is then ignored', async () => {
    let finish!: () => void;
    const h = harness(() => new Promise((resolve) => (finish = resolve)));
    h.target.emit('SIGTERM', 'SIGTERM');
    expect(h.handle.shuttingDown).toBe(true);
    h.target.emit('SIGHUP', 'SIGHUP');
    expect(h.reloads()).toBe(0);
    await flush();
    expect(h.exits).toEqual([]);
    finish();
    await flush();
    expect(h.exits).toEqual([0]);
    expect(h.shutdowns()).toBe(1);
  });

  it('a second SIGTERM or SIGINT forces exit 1', () => {
    const h = harness(() => new Promise(() => {}));
    h.target.emit('SIGINT', 'SIGINT');
    h.target.emit('SIGTERM', 'SIGTERM');
    expect(h.exits).toEqual([1]);
    expect(h.shutdowns()).toBe(1);
  });

  it('a failed shutdown exits 1', async () => {
    const h = harness(() => Promise.reject(new Error('stuck')));
    h.target.emit('SIGTERM', 'SIGTERM');
    await flush();
    expect(h.exits).toEqual([1]);
  });

  it('dispose removes the listeners', () => {
    const h = harness();
    h.handle.dispose();
    expect(h.target.listenerCount('SIGHUP') + h.target.listenerCount('SIGTERM') + h.target.listenerCount('SIGINT')).toBe(0);
  });
});
