import type { Socket } from 'node:net';

interface Connection {
  /** Requests started and not yet answered. */
  active: number;
  /** Requests parsed but not started: the connection already has `max` running. */
  readonly backlog: ((release: () => void) => void)[];
  readonly releases: Set<() => void>;
  pausedByGate: boolean;
  closed: boolean;
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
 */
export class RequestGate {
  private readonly connections = new WeakMap<Socket, Connection>();
  private running = 0;

  constructor(
    private readonly maxPerConnection: number,
    private readonly maxParked: number,
    private readonly onCount: (inFlight: number) => void,
    private readonly onCutOff: () => void,
  ) {}

  /** Requests started on this thread and not yet answered. */
  get inFlight(): number {
    return this.running;
  }

  /** Runs `start(release)` now, or once the connection has room; `release` must be called when the answer is done. */
  enter(socket: Socket, start: (release: () => void) => void): void {
    let conn = this.connections.get(socket);
    if (conn === undefined) {
      const created: Connection = { active: 0, backlog: [], releases: new Set(), pausedByGate: false, closed: false };
      conn = created;
      this.connections.set(socket, created);
      socket.once('close', () => this.closed(created));
    }
    if (conn.closed) return;
    if (conn.active < this.maxPerConnection) {
      this.begin(socket, conn, start);
      return;
    }
    if (conn.backlog.length >= this.maxParked) {
      conn.closed = true;
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

  private begin(socket: Socket, conn: Connection, start: (release: () => void) => void): void {
    conn.active++;
    this.onCount(++this.running);
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      conn.releases.delete(release);
      conn.active--;
      this.onCount(--this.running);
      this.next(socket, conn);
    };
    conn.releases.add(release);
    start(release);
  }

  private next(socket: Socket, conn: Connection): void {
    while (!conn.closed && conn.active < this.maxPerConnection && conn.backlog.length > 0) this.begin(socket, conn, conn.backlog.shift()!);
    if (conn.pausedByGate && conn.backlog.length === 0 && !conn.closed) {
      conn.pausedByGate = false;
      // Node pauses a socket itself while its answers back up (and resumes it on drain); leave
      // that pause to Node.
      if ((socket as unknown as { _paused?: boolean })._paused !== true) socket.resume();
    }
  }

  private closed(conn: Connection): void {
    conn.closed = true;
    conn.backlog.length = 0; // their connection is gone: nobody is left to answer
    for (const release of [...conn.releases]) release();
  }
}
