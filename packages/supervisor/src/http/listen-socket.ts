import { type ChildProcess, fork } from 'node:child_process';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { SupervisorError } from '../errors.js';
import { listen } from '../listen.js';

/**
 * How the HTTP threads share one address.
 *
 * - `shared` (default, every Node version): the primary binds one listening socket and each thread
 *   listens on its own duplicate descriptor of it. The kernel keeps one accept queue; whichever
 *   thread's event loop is free accepts next, so a busy thread takes fewer connections. A thread
 *   that dies closes only its duplicate: connections waiting in the queue go to the others.
 * - `reuseport` (Node >= 22.12, Linux): each thread binds its own socket with SO_REUSEPORT and the
 *   kernel spreads connections over them by a hash of the peer address, whatever each thread's
 *   load. Connections waiting in the queue of a thread that dies are reset by the kernel (unless
 *   net.ipv4.tcp_migrate_req is set), which is why it is not the default.
 */
export type ListenMode = 'shared' | 'reuseport';

/** What a thread is told to listen on. */
export type ListenSpec =
  | { readonly kind: 'fd'; readonly fd: number }
  | { readonly kind: 'reuseport'; readonly host: string; readonly port: number };

type RawHandle = { readonly fd: number; close(): void };

/** True where `listen({ reusePort: true })` exists (Node 22.12+, 23.1+). */
export function reusePortSupported(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

function listenFailed(message: string, cause?: unknown): SupervisorError {
  return new SupervisorError('GENSWAP_HTTP_LISTEN_FAILED', message, cause === undefined ? undefined : { cause });
}

function bindFailed(host: string, port: number, err: unknown): SupervisorError {
  const code = (err as { code?: string }).code;
  const why =
    code === 'EADDRINUSE' ? 'the address is in use (is another server running?)' : code === 'EACCES' ? 'permission denied (ports below 1024 need privileges)' : String((err as Error)?.message ?? err);
  return listenFailed(`cannot listen on ${host}:${port}: ${why}`, err);
}

/**
 * A child process that sends back every socket it is sent (fd-relay.ts). Passing a socket over
 * the IPC channel (SCM_RIGHTS) installs a fresh descriptor for it in the receiver, which is how
 * this side gets one duplicate per thread: Node has no dup(2). Round trips run one at a time
 * (replies carry no id). A relay that died is started again on the next round trip.
 */
class FdRelay {
  private child: Promise<ChildProcess> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** Sends `handle` now (synchronously, so the caller may close its copy right after) and resolves with the copy that comes back. */
  roundTripNow(child: ChildProcess, handle: RawHandle): Promise<RawHandle> {
    // While a copy is on its way the channel keeps the process alive (otherwise an otherwise idle
    // primary, starting up, would exit with the round trip unsettled); between trips it must not.
    child.channel?.ref();
    const back = new Promise<RawHandle>((resolve, reject) => {
      const onExit = (): void => reject(listenFailed('the descriptor relay process exited during a round trip'));
      child.once('exit', onExit);
      child.once('message', (_message, returned) => {
        child.channel?.unref();
        child.off('exit', onExit);
        const copy = returned as unknown as RawHandle | undefined;
        if (copy === undefined || typeof copy.fd !== 'number' || copy.fd < 0) reject(listenFailed('the descriptor relay sent no socket back'));
        else resolve(copy);
      });
    });
    child.send('genswap.fd-relay', handle as never);
    return back;
  }

  roundTrip(handle: RawHandle): Promise<RawHandle> {
    const next = this.queue.then(async () => this.roundTripNow(await this.start(), handle));
    this.queue = next.catch(() => undefined);
    return next;
  }

  start(): Promise<ChildProcess> {
    this.child ??= new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(new URL('./fd-relay.js', import.meta.url), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'json' });
      child.once('error', (err) => reject(listenFailed(`cannot start the descriptor relay process: ${err.message}`, err)));
      child.once('exit', () => {
        this.child = undefined;
        reject(listenFailed('the descriptor relay process exited before it was ready'));
      });
      child.once('message', () => {
        // It must not keep the primary alive, nor outlive it.
        child.unref();
        child.channel?.unref();
        resolve(child);
      });
    });
    return this.child;
  }

  close(): void {
    void this.child?.then((c) => c.kill()).catch(() => undefined);
    this.child = undefined;
  }
}

/** The primary's side of the listening address; hands each new thread what to listen on. */
export interface ListenSocket {
  readonly mode: ListenMode;
  readonly address: AddressInfo;
  /** What the next thread listens on. */
  specForThread(): Promise<ListenSpec>;
  /** Nothing to hand out for now (every seat is taken): let go of helpers until the next specForThread. */
  rest(): void;
  /** Stops keeping the address: threads still listening keep their own descriptors. */
  close(): void;
}

class SharedListenSocket implements ListenSocket {
  readonly mode = 'shared';
  constructor(
    readonly address: AddressInfo,
    private readonly reserve: RawHandle,
    private readonly relay: FdRelay,
  ) {}

  async specForThread(): Promise<ListenSpec> {
    // The thread's listening handle owns (and closes) the duplicate; this side only forgets its
    // raw handle, which is never polled here.
    const copy = await this.relay.roundTrip(this.reserve);
    return { kind: 'fd', fd: copy.fd };
  }

  rest(): void {
    // The relay is a whole node process (some 40 MB of RSS): it runs only while threads start.
    this.relay.close();
  }

  close(): void {
    this.relay.close();
    this.reserve.close(); // never handed out: this descriptor is ours alone
  }
}

class ReusePortSocket implements ListenSocket {
  readonly mode = 'reuseport';
  constructor(readonly address: AddressInfo) {}
  async specForThread(): Promise<ListenSpec> {
    return { kind: 'reuseport', host: this.address.address, port: this.address.port };
  }
  rest(): void {}
  close(): void {}
}

function listenOnce(server: Server, options: { host: string; port: number; backlog: number }, onListening: () => void): Promise<AddressInfo> {
  return listen(server, options, onListening).catch((err: unknown) => {
    throw bindFailed(options.host, options.port, err);
  });
}

/**
 * Binds `host:port` (port 0: a free port, read back from `address`).
 *
 * Shared mode: the socket is bound here but never accepted on. The listening handle goes to the
 * relay and is closed in the same tick it started listening, before this event loop can poll it;
 * the copy that comes back is the reserve every thread's duplicate is made from.
 * Reuseport mode: a probe binds the port (to learn a free one and to fail clearly) and lets it go;
 * the threads then bind it, each with SO_REUSEPORT.
 */
export async function bindListenSocket(host: string, port: number, mode: ListenMode, backlog = 511): Promise<ListenSocket> {
  const server = createServer({ pauseOnConnect: true });
  if (mode === 'reuseport') {
    if (!reusePortSupported()) {
      throw new SupervisorError('GENSWAP_SUPERVISOR_INVALID_OPTION', `listen mode reuseport needs Node >= 22.12 (this is ${process.versions.node}); use the shared mode`);
    }
    const address = await listenOnce(server, { host, port, backlog }, () => server.close());
    return new ReusePortSocket(address);
  }
  const relay = new FdRelay();
  const child = await relay.start();
  let back: Promise<RawHandle> | undefined;
  const address = await listenOnce(server, { host, port, backlog }, () => {
    back = relay.roundTripNow(child, (server as unknown as { _handle: RawHandle })._handle);
    server.close();
  });
  return new SharedListenSocket(address, await back!, relay);
}
