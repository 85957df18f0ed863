import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type GateConnection, RequestGate } from './request-gate.js';

/** Just what the gate touches on a socket: pause/resume/destroy, its close event and Node's HTTP `_paused` flag. */
class FakeSocket extends EventEmitter {
  /** Set by Node's HTTP server when it paused the socket itself (its own backpressure): the gate must not resume it then. */
  _paused = false;
  reading = true;
  destroyed = false;
  pause(): void {
    this.reading = false;
  }
  resume(): void {
    this.reading = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

function setup(maxPerConnection = 2, maxParked = 3) {
  const counts: number[] = [];
  let cutOffs = 0;
  const gate = new RequestGate(maxPerConnection, maxParked, (n) => counts.push(n), () => cutOffs++);
  return { gate, counts, cutOffs: () => cutOffs };
}

const asSocket = (s: FakeSocket): Socket => s as unknown as Socket;

describe('RequestGate', () => {
  it('runs at most maxPerConnection per connection, parks the rest with reading paused, and starts them in order as answers are written', () => {
    const { gate, counts } = setup(2, 8);
    const socket = new FakeSocket();
    const started: number[] = [];
    const conns: GateConnection[] = [];
    for (let i = 0; i < 5; i++) gate.enter(asSocket(socket), (conn) => (started.push(i), conns.push(conn)));
    expect(started).toEqual([0, 1]);
    expect(gate.inFlight).toBe(2);
    expect(socket.reading).toBe(false);
    gate.leave(conns[0]!);
    expect(started).toEqual([0, 1, 2]);
    expect(gate.inFlight).toBe(2);
    gate.leave(conns[1]!);
    gate.leave(conns[2]!);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(socket.reading).toBe(true); // backlog empty: reading goes on
    gate.leave(conns[3]!);
    gate.leave(conns[4]!);
    expect(gate.inFlight).toBe(0);
    expect(counts.at(-1)).toBe(0);
  });

  it('a request answered at once (inside start) lets the next parked one start, without running more than the limit', () => {
    const { gate } = setup(1, 8);
    const socket = new FakeSocket();
    let running = 0;
    let most = 0;
    let first: GateConnection | undefined;
    gate.enter(asSocket(socket), (conn) => (first = conn, running++));
    const order: number[] = [];
    for (let i = 1; i <= 4; i++) {
      gate.enter(asSocket(socket), (conn) => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        running--;
        gate.leave(conn); // synchronous answer
      });
    }
    running--;
    gate.leave(first!);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(most).toBe(1);
    expect(gate.inFlight).toBe(0);
  });

  it('a connection parking more than maxParked is closed and counted; its requests stop counting', () => {
    const { gate, cutOffs } = setup(1, 2);
    const socket = new FakeSocket();
    const started: number[] = [];
    for (let i = 0; i < 4; i++) gate.enter(asSocket(socket), () => started.push(i));
    expect(socket.destroyed).toBe(true);
    expect(cutOffs()).toBe(1);
    expect(started).toEqual([0]);
    expect(gate.inFlight).toBe(0); // the running one was released by the close
    gate.enter(asSocket(socket), () => started.push(9));
    expect(started).toEqual([0]); // a closed connection starts nothing
  });

  it('a connection that closes releases what it had running; a late answer of one of them changes nothing', () => {
    const { gate, counts } = setup(4, 8);
    const a = new FakeSocket();
    const b = new FakeSocket();
    const conns: GateConnection[] = [];
    gate.enter(asSocket(a), (c) => conns.push(c));
    gate.enter(asSocket(a), (c) => conns.push(c));
    gate.enter(asSocket(b), (c) => conns.push(c));
    expect(gate.inFlight).toBe(3);
    a.emit('close');
    expect(gate.inFlight).toBe(1);
    expect(counts.at(-1)).toBe(1);
    gate.leave(conns[0]!); // an async handler of the closed connection settles late
    expect(gate.inFlight).toBe(1);
    gate.leave(conns[2]!);
    expect(gate.inFlight).toBe(0);
  });

  it('does not resume a socket that Node paused for its own backpressure', () => {
    const { gate } = setup(1, 8);
    const socket = new FakeSocket();
    let first: GateConnection | undefined;
    gate.enter(asSocket(socket), (c) => (first = c));
    gate.enter(asSocket(socket), (c) => gate.leave(c));
    expect(socket.reading).toBe(false);
    socket._paused = true; // Node's server: answers are piling up unread
    gate.leave(first!);
    expect(socket.reading).toBe(false);
  });

  it('connections are bounded separately: one full connection does not hold back another', () => {
    const { gate } = setup(1, 8);
    const a = new FakeSocket();
    const b = new FakeSocket();
    const started: string[] = [];
    gate.enter(asSocket(a), () => started.push('a1'));
    gate.enter(asSocket(a), () => started.push('a2'));
    gate.enter(asSocket(b), () => started.push('b1'));
    expect(started).toEqual(['a1', 'b1']);
    expect(a.reading).toBe(false);
    expect(b.reading).toBe(true);
  });
});
