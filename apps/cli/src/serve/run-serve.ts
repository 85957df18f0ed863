import {
  type AdminServer,
  createSupervisor,
  handleSignals,
  type ReloadRecord,
  startAdminServer,
  type Supervisor,
  type SupervisorLogger,
} from '@genswap/supervisor';
import type { Logger } from 'pino';
import type { HostPort } from '../host-port.js';
import type { CliIo } from '../io.js';
import { createLogger } from '../logger.js';
import { loadAppModule, workerModulePath } from './app-module.js';
import { type FrontEnd, startFrontEnd } from './front-end.js';
import { ensureDirFor, removeFiles, stateFileFor, writePidFile, writeState } from './state-file.js';

export interface ServeOptions {
  readonly config: string;
  readonly handler?: string;
  readonly schema?: string;
  readonly listen: HostPort;
  readonly threads?: number;
  /** Nice steps of the loader thread below the primary (supervisor option loaderNice). */
  readonly loaderNice?: number;
  readonly pidFile?: string;
  readonly admin?: HostPort;
  /** Admin listener on this unix socket (mode 0600) instead of `admin`. */
  readonly adminSocket?: string;
  /** Bearer token the admin listener requires. */
  readonly adminToken?: string;
  readonly watch: boolean;
  readonly drainTimeoutMs: number;
  readonly logLevel: string;
}

interface Running {
  readonly supervisor: Supervisor;
  readonly front: FrontEnd;
  readonly admin: AdminServer | undefined;
  readonly files: string[];
}

const HISTORY_IN_STATE_FILE = 20;

/** A logger usable before the real one exists (signal handlers are installed first). */
function deferredLogger(get: () => SupervisorLogger): SupervisorLogger {
  return {
    debug: (obj, msg) => get().debug(obj, msg),
    info: (obj, msg) => get().info(obj, msg),
    warn: (obj, msg) => get().warn(obj, msg),
    error: (obj, msg) => get().error(obj, msg),
    child: (bindings) => deferredLogger(() => get().child(bindings)),
  };
}

/** Keeps `<pid-file>.state.json` in step with the supervisor (see state-file.ts for the protocol). */
function trackState(supervisor: Supervisor, stateFile: string, front: FrontEnd, admin: AdminServer | undefined, log: Logger): void {
  let reloadsStarted = 0;
  const reloads: ReloadRecord[] = [];
  const save = (): void => {
    try {
      writeState(stateFile, {
        version: 1,
        pid: process.pid,
        listen: front.url,
        admin: admin?.url ?? null,
        writtenAt: new Date().toISOString(),
        generation: supervisor.generation,
        reloadsStarted,
        reloads,
        status: supervisor.status(),
      });
    } catch (err) {
      log.warn({ err, stateFile }, 'state file write failed');
    }
  };
  supervisor.on('reload-start', ({ id }) => {
    reloadsStarted = id;
    save();
  });
  supervisor.on('reload', (record) => {
    reloads.push(record);
    if (reloads.length > HISTORY_IN_STATE_FILE) reloads.shift();
    // After the reload queue has moved on, so the status snapshot does not show it as running.
    setImmediate(save);
  });
  supervisor.on('worker-exit', save);
  save();
}

async function start(options: ServeOptions, log: Logger): Promise<Running> {
  log.info({ config: options.config }, 'serve starting');
  const { app, url: appModule } = await loadAppModule(options.schema);
  const worker = workerModulePath(options.handler);
  const supervisor = await createSupervisor({
    configFile: options.config,
    app,
    appModule,
    worker,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.loaderNice !== undefined ? { loaderNice: options.loaderNice } : {}),
    logger: log,
    drainTimeoutMs: options.drainTimeoutMs,
    watch: options.watch,
  });
  let front: FrontEnd | undefined;
  let admin: AdminServer | undefined;
  try {
    front = await startFrontEnd(supervisor, options.listen.host, options.listen.port, log);
    if (options.admin !== undefined || options.adminSocket !== undefined) {
      admin = await startAdminServer(supervisor, {
        ...options.admin,
        ...(options.adminSocket !== undefined ? { socket: options.adminSocket } : {}),
        ...(options.adminToken !== undefined ? { token: options.adminToken } : {}),
        logger: log,
      });
    }
    const files: string[] = [];
    if (options.pidFile !== undefined) {
      const stateFile = stateFileFor(options.pidFile);
      ensureDirFor(options.pidFile);
      // The state file first: whoever finds the pid file can then find the state file too.
      trackState(supervisor, stateFile, front, admin, log);
      writePidFile(options.pidFile);
      files.push(options.pidFile, stateFile);
    }
    return { supervisor, front, admin, files };
  } catch (err) {
    await front?.drain(0);
    await admin?.close();
    await supervisor.close({ drainTimeoutMs: 0 });
    throw err;
  }
}

async function stop(running: Running, drainTimeoutMs: number, log: Logger): Promise<void> {
  const t0 = performance.now();
  log.info({ inFlight: running.front.inFlight, drainTimeoutMs }, 'serve stopping');
  const drained = await running.front.drain(drainTimeoutMs);
  await running.supervisor.close({ drainTimeoutMs: Math.max(0, Math.round(drainTimeoutMs - (performance.now() - t0))) });
  await running.admin?.close();
  removeFiles(...running.files);
  log.info({ drained, durationMs: Math.round(performance.now() - t0) }, 'serve stopped');
}

/** The outcome is logged by the supervisor and written to the state file; only a refusal (closing) is left. */
function signalReload(supervisor: Supervisor, log: Logger): void {
  supervisor.reload({ trigger: 'signal' }).catch((err: unknown) => log.warn({ err }, 'reload refused'));
}

/**
 * `genswap serve`. Signal handlers go in before anything else, so a SIGHUP or SIGTERM during
 * start-up is handled: SIGHUP then reloads once start-up is done (the file may have changed
 * after it was read), SIGTERM waits for start-up to end and shuts down. Resolves once serving;
 * the process then lives until a shutdown signal (which exits it).
 */
export async function runServe(options: ServeOptions, io: CliIo): Promise<void> {
  let log: Logger | undefined;
  let running: Running | undefined;
  let reloadAfterStart = false;
  let startup: Promise<Running> | undefined;
  const signals = handleSignals({
    logger: deferredLogger(() => log ?? silent),
    onReload: () => {
      if (running === undefined) reloadAfterStart = true;
      else signalReload(running.supervisor, log!);
    },
    onShutdown: async () => {
      const started = await startup?.catch(() => undefined);
      if (started !== undefined) await stop(started, options.drainTimeoutMs, log!);
    },
  });
  try {
    log = await createLogger({ level: options.logLevel });
    startup = start(options, log);
    running = await startup;
  } catch (err) {
    if (!signals.shuttingDown) signals.dispose();
    throw err;
  }
  const { front, admin, supervisor } = running;
  io.out(
    `genswap serve: listening on ${front.url} (pid ${process.pid}, generation ${supervisor.generation}, ${supervisor.status().workers.threads} threads${admin !== undefined ? `, admin ${admin.url}` : ''})\n`,
  );
  if (reloadAfterStart && !signals.shuttingDown) signalReload(supervisor, log);
}

const silent: SupervisorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silent,
};
