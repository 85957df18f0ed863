import type { Socket } from 'node:net';
import { socketFd } from './serve-request.js';

/** One connection's place in the gate: handed to the request that starts, and back to leave() when it is answered. */
export interface GateConnection {
  /** Requests started and not yet answered. */
  active: number;
  /** Requests parsed but not started: the connection already has `max` running. */
  readonly backlog: ((conn: GateConnection) => void)[];
  pausedByGate: boolean;
  /** Closed (by the peer, or cut off here): nothing of it counts any more. */
  closed: boolean;
  readonly socket: Socket;
  /** The socket's descriptor, read once (-1 when it has none): where the watchdog's 503 goes (H2). */
  readonly fd: number;
}

/**
 * Bounds what one connection can make a thread do at once. Node's parser hands over every
 * pipelined request of a read (up to 64 KiB, some 2,000 small requests) in one go; running them
 * all at once would hold the event loop for that connection while every other client waits. The
 * gate starts at most `maxPerConnection` requests per connection and parks the rest (reading from
 * that connection pauses meanwhile); each answered request starts the next one. A connection that
 * parks more than `maxParked` is a client sending far ahead of what it reads: it is closed, which
 * is what bounds the memory one connection can hold (its parsed requests). A connection that
 * closes releases what it still had running and drops what it had parked.
 *
 * A request counts from its start until its answer is handed to Node (leave()), not until the
 * answer has left: answers that a client does not read pile up in its socket's buffer, and Node
 * stops reading from a connection whose buffered answers pass the socket's high-water mark, so
 * those are bounded there. The gate's own bound is on handlers still working (async ones).
 * Per request it costs two counter steps: no listener, no closure, no set.
 */
export class RequestGate {
  private readonly connections = new WeakMap<Socket, GateConnection>();
  private running = 0;

  constructor(
    private readonly maxPerConnection: number,
    private readonly maxParked: number,
    private readonly onCount: (inFlight: number) => void,
    private readonly onCutOff: () => void,
  ) {}

  get inFlight(): number {
    return this.running;
  }

  /**
   * Starts the request now (calls `start` before returning) or parks it until one of its
   * connection's running requests is answered; a connection already closed starts nothing.
   * Every started request must be answered with exactly one leave(conn).
   */
  enter(socket: Socket, start: (conn: GateConnection) => void): void {
    let conn = this.connections.get(socket);
    if (conn === undefined) {
      const created: GateConnection = { active: 0, backlog: [], pausedByGate: false, closed: false, socket, fd: socketFd(socket) };
      conn = created;
      this.connections.set(socket, created);
      socket.once('close', () => this.closed(created));
    }
    if (conn.closed) return;
    if (conn.active < this.maxPerConnection) {
      this.begin(conn, start);
      return;
    }
    if (conn.backlog.length >= this.maxParked) {
      this.closed(conn);
      this.onCutOff();
      socket.destroy();
      return;
    }
    conn.backlog.push(start);
    if (!conn.pausedByGate) {
      conn.pausedByGate = true;
      socket.pause();
    }
  }

  /** The request started on `conn` is answered. After the connection closed, a no-op: closing released it. */
  leave(conn: GateConnection): void {
    if (conn.closed) return;
    conn.active--;
    this.onCount(--this.running);
    while (!conn.closed && conn.active < this.maxPerConnection && conn.backlog.length > 0) this.begin(conn, conn.backlog.shift()!);
    if (conn.pausedByGate && conn.backlog.length === 0 && !conn.closed) {
      conn.pausedByGate = false;
      if ((conn.socket as unknown as { _paused?: boolean })._paused !== true) conn.socket.resume();
    }
  }

  private begin(conn: GateConnection, start: (conn: GateConnection) => void): void {
    conn.active++;
    this.onCount(++this.running);
    start(conn);
  }

  private closed(conn: GateConnection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.backlog.length = 0; // their connection is gone: nobody is left to answer
    if (conn.active > 0) {
      this.running -= conn.active;
      conn.active = 0;
      this.onCount(this.running);
    }
  }
}
