import {
  type AdminServer,
  createSupervisor,
  type HttpLimits,
  type ListenMode,
  handleSignals,
  importAppModule,
  startAdminServer,
  type Supervisor,
  type SupervisorLogger,
} from '@genswap/supervisor';
import type { LoadOptions } from '@genswap/config';
import { EtcdSource, parseSourceUrl } from '@genswap/fleet';
import type { Logger } from 'pino';
import { setFlagsFromString } from 'node:v8';
import type { HostPort } from '../host-port.js';
import type { CliIo } from '../io.js';
import { createLogger } from '../logger.js';
import { gatewayModule } from '../gateway-modules.js';
import { ensureDirFor, removeFiles, stateFileFor, writePidFile, writeState } from './state-file.js';

export interface ServeOptions {
  /** The config file; ignored with `source` (the source names the file of each revision). */
  readonly config: string;
  /** Fleet mode: the etcd source to follow instead of `config`. */
  readonly source?: { readonly url: string; readonly stateDir: string; readonly instanceId?: string };
  /** Config loading limits (supervisor option load). */
  readonly load?: LoadOptions;
  readonly handler?: string;
  readonly schema?: string;
  readonly listen: HostPort;
  readonly threads?: number;
  /** How the HTTP threads share the address (default shared). */
  readonly listenMode?: ListenMode;
  /** A thread making no progress this long is replaced (ms). */
  readonly stallTimeoutMs?: number;
  readonly limits?: HttpLimits;
  /** Nice steps of the loader thread below the primary (supervisor option loaderNice). */
  readonly loaderNice?: number;
  /** The loader thread stops after this long without a reload, ms (supervisor option loaderIdleMs). */
  readonly loaderIdleMs?: number;
  /** Most bytes a reload may read on the primary before it moves to the loader thread (supervisor option primaryLoadBytes). */
  readonly primaryLoadBytes?: number;
  /** Dry loads of the reload warm-up (supervisor option warmUpLoads). */
  readonly warmUpLoads?: number;
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

/** Where the HTTP threads listen. */
interface FrontEnd {
  readonly url: string;
}

interface Running {
  readonly supervisor: Supervisor;
  readonly source: EtcdSource | undefined;
  readonly front: FrontEnd;
  readonly admin: AdminServer | undefined;
  readonly files: string[];
}

const HISTORY_IN_STATE_FILE = 20;

/** A logger usable before the real one exists (signal handlers are installed first); until then it drops. */
function deferredLogger(get: () => SupervisorLogger | undefined): SupervisorLogger {
  return {
    debug: (obj, msg) => get()?.debug(obj, msg),
    info: (obj, msg) => get()?.info(obj, msg),
    warn: (obj, msg) => get()?.warn(obj, msg),
    error: (obj, msg) => get()?.error(obj, msg),
    child: (bindings) => {
      // Made once, when the real logger exists: a pino child serializes its bindings when created.
      let child: SupervisorLogger | undefined;
      return deferredLogger(() => (child ??= get()?.child(bindings)));
    },
  };
}

/** Keeps `<pid-file>.state.json` in step with the supervisor (see state-file.ts for the protocol). */
function trackState(supervisor: Supervisor, stateFile: string, front: FrontEnd, admin: AdminServer | undefined, log: Logger): void {
  let reloadsStarted = 0;
  const save = (): void => {
    try {
      const status = supervisor.status();
      writeState(stateFile, {
        version: 1,
        pid: process.pid,
        listen: front.url,
        admin: admin?.url ?? null,
        writtenAt: new Date().toISOString(),
        generation: supervisor.generation,
        reloadsStarted,
        // The supervisor's own history (a ring of historySize records) is the one kept.
        reloads: status.reloads.history.slice(-HISTORY_IN_STATE_FILE),
        status,
      });
    } catch (err) {
      log.warn({ err, stateFile }, 'state file write failed');
    }
  };
  supervisor.on('reload-start', ({ id }) => {
    reloadsStarted = id;
    save();
  });
  // After the reload queue has moved on, so the status snapshot does not show it as running.
  supervisor.on('reload', () => setImmediate(save));
  supervisor.on('worker-exit', save);
  save();
}

async function start(options: ServeOptions, log: Logger): Promise<Running> {
  log.info({ config: options.config, source: options.source?.url }, 'serve starting');
  const { app, url: appModule } = await importAppModule(options.schema ?? gatewayModule('definition'), '--schema module');
  const worker = options.handler ?? gatewayModule('worker');
  const source = options.source === undefined ? undefined : new EtcdSource({ ...parseSourceUrl(options.source.url), ...options.source, logger: log });
  const create = (configFile: string, configRevision: number): Promise<Supervisor> => createSupervisor({
    configFile,
    configRevision,
    ...(options.load !== undefined ? { load: options.load } : {}),
    app,
    appModule,
    worker,
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.loaderNice !== undefined ? { loaderNice: options.loaderNice } : {}),
    ...(options.loaderIdleMs !== undefined ? { loaderIdleMs: options.loaderIdleMs } : {}),
    ...(options.primaryLoadBytes !== undefined ? { primaryLoadBytes: options.primaryLoadBytes } : {}),
    ...(options.warmUpLoads !== undefined ? { warmUpLoads: options.warmUpLoads } : {}),
    logger: log,
    drainTimeoutMs: options.drainTimeoutMs,
    watch: options.watch,
    http: {
      host: options.listen.host,
      port: options.listen.port,
      ...(options.listenMode !== undefined ? { listenMode: options.listenMode } : {}),
      ...(options.stallTimeoutMs !== undefined ? { stallTimeoutMs: options.stallTimeoutMs } : {}),
      ...(options.limits !== undefined ? { limits: options.limits } : {}),
    },
  });
  const supervisor = source === undefined ? await create(options.config, 0) : await source.boot((boot) => create(boot.configFile, boot.revision));
  const front: FrontEnd = { url: supervisor.http!.url };
  let admin: AdminServer | undefined;
  try {
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
    source?.run(front.url);
    return { supervisor, source, front, admin, files };
  } catch (err) {
    await admin?.close();
    await supervisor.close({ drainTimeoutMs: 0 });
    throw err;
  }
}

async function stop(running: Running, drainTimeoutMs: number, log: Logger): Promise<void> {
  const t0 = performance.now();
  const inFlight = running.supervisor.status().http?.threads.reduce((n, t) => n + t.inFlight, 0) ?? 0;
  log.info({ inFlight, drainTimeoutMs }, 'serve stopping');
  await running.source?.close(); // no fleet reload starts while draining; the instance leaves fleet status
  // The supervisor drains the HTTP threads: they stop accepting, answer what is in flight, close.
  const drained = await running.supervisor.close({ drainTimeoutMs });
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
  // V8 drops the bytecode, and with it the optimized code, of a function that has not run
  // during several full collections, and an idle server collects now and then. The code a reload
  // runs (warmed up once, supervisor option warmUpLoads) would then be thrown away between two
  // reloads a few minutes apart and each reload would compile it again: measured after a load
  // storm, 0.3-0.7 ms of compiler threads per small reload. Serve keeps it; the bytecode of the
  // functions a server ever ran is a few MB at most. Set before any of that code exists.
  setFlagsFromString('--no-flush-bytecode');
  let log: Logger | undefined;
  let running: Running | undefined;
  let reloadAfterStart = false;
  let startup: Promise<Running> | undefined;
  const signals = handleSignals({
    logger: deferredLogger(() => log),
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
  const threads = supervisor.status().workers.threads;
  const fleet = running.source !== undefined ? `, fleet revision ${supervisor.revision}` : '';
  io.out(
    `genswap serve: listening on ${front.url} (pid ${process.pid}, generation ${supervisor.generation}, ${threads} ${threads === 1 ? 'thread' : 'threads'}${fleet}${admin !== undefined ? `, admin ${admin.url}` : ''})\n`,
  );
  if (reloadAfterStart && !signals.shuttingDown) signalReload(supervisor, log);
}
