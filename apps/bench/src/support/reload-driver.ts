import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * The reload storm's driver runs in a process of its own: its timer wake-ups, file writes and
 * admin requests then never hold up the event loop of the load generator, whose latencies are
 * what the scenario measures (in-process, they showed up there: a fetch() of /status every
 * 10 ms alone cost 26% of the measured req/s). On a 2-core machine it still shares the cores;
 * the 'driver alone' action measures what that costs without a reload.
 */
export type DriverAction =
  /** Write version N, POST /reload, note generation -> N from the answer. */
  | 'reload'
  /** Write version N (the server is not told), GET /status: the same wake-ups, no reload. */
  | 'driver alone';

export interface DriveRequest {
  readonly admin: string;
  readonly file: string;
  /** The version the file holds now; the first one written is firstVersion + 1. */
  readonly firstVersion: number;
  /** The load's start on the monotonic clock both processes share (see toMonotonicMs): the grid's origin. */
  readonly startMonoMs: number;
  readonly durationMs: number;
  readonly intervalMs: number;
  readonly action: DriverAction;
  /** The configs to write: version N is texts[N % texts.length]. Default: stormConfig(N). */
  readonly texts?: readonly string[];
}

export interface DriveLog {
  /** The last version written. */
  readonly lastVersion: number;
  /** When each step started, ms since the load started. */
  readonly instants: number[];
  /** [generation, version] for each successful reload. */
  readonly versionOf: [number, number][];
  /** The server's own figure for each successful reload. */
  readonly durationsMs: number[];
  /** Steps whose request failed or whose answer was not a success. */
  readonly failures: number;
}

export type DriverMessage = { readonly kind: 'ready' } | { readonly kind: 'done'; readonly log: DriveLog } | { readonly kind: 'failed'; readonly message: string };

/**
 * performance.now() of this process as CLOCK_MONOTONIC ms (process.hrtime), a clock every process
 * on the machine shares; performance.timeOrigin differed between two processes here by ~1.1 ms.
 */
export function toMonotonicMs(performanceNow: number): number {
  return Number(process.hrtime.bigint()) / 1e6 - (performance.now() - performanceNow);
}

/** The inverse of toMonotonicMs, in the calling process. */
export function fromMonotonicMs(monotonicMs: number): number {
  return performance.now() - (Number(process.hrtime.bigint()) / 1e6 - monotonicMs);
}

const CHILD = fileURLToPath(new URL('./reload-driver-child.js', import.meta.url));

/** One driver process, reused for the runs of one server; `close()` ends it. */
export class ReloadDriver {
  private constructor(private readonly child: ChildProcess) {}

  get pid(): number {
    return this.child.pid!;
  }

  static async start(): Promise<ReloadDriver> {
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', (m: DriverMessage) => (m.kind === 'ready' ? resolve() : reject(new Error(`reload driver: unexpected ${m.kind}`))));
      child.once('exit', (code) => reject(new Error(`reload driver exited (${code}) before it was ready`)));
    });
    return new ReloadDriver(child);
  }

  /** Runs one storm on the grid of `request` and resolves with its log. */
  drive(request: DriveRequest): Promise<DriveLog> {
    return new Promise<DriveLog>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`reload driver exited (${code}) during a run`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: DriverMessage) => {
        this.child.off('exit', onExit);
        if (m.kind === 'done') resolve(m.log);
        else reject(new Error(`reload driver: ${m.kind === 'failed' ? m.message : 'unexpected message'}`));
      });
      this.child.send(request);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await exited;
  }
}
