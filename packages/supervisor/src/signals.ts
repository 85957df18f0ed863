import { type SupervisorLogger, silentLogger } from './logger.js';

export interface SignalHandlerOptions {
  /** SIGHUP. Called for every signal until shutdown starts; coalescing is the supervisor's job. */
  readonly onReload: () => void;
  /** First SIGTERM or SIGINT. Resolve when drained; the process then exits 0 (1 if it rejects). */
  readonly onShutdown: (signal: NodeJS.Signals) => Promise<void>;
  readonly logger?: SupervisorLogger;
  /** Default process.exit. */
  readonly exit?: (code: number) => void;
  /** Where signals are listened for. Default process (tests pass an EventEmitter). */
  readonly target?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
}

export interface SignalHandle {
  readonly shuttingDown: boolean;
  /** Removes the listeners (the default actions come back). */
  dispose(): void;
}

/**
 * Installs the supervisor's signal policy: SIGHUP reloads; the first SIGTERM or SIGINT starts a
 * graceful shutdown and exits 0 when it completes; a second one exits 1 at once. SIGHUP during
 * shutdown is logged and ignored. Install it first thing at start-up: until a listener exists,
 * Node's default action for SIGHUP and SIGTERM is to die.
 */
export function handleSignals(options: SignalHandlerOptions): SignalHandle {
  const log = (options.logger ?? silentLogger).child({ component: 'signals' });
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const target = options.target ?? process;
  let shuttingDown = false;

  const onHangup = (): void => {
    if (shuttingDown) {
      log.info({ signal: 'SIGHUP' }, 'reload signal ignored during shutdown');
      return;
    }
    log.info({ signal: 'SIGHUP' }, 'reload signal received');
    options.onReload();
  };

  const onStop = (signal: NodeJS.Signals): void => {
    if (shuttingDown) {
      log.warn({ signal }, 'second shutdown signal, forcing exit');
      exit(1);
      return;
    }
    shuttingDown = true;
    log.info({ signal }, 'shutdown signal received');
    let shutdown: Promise<void>;
    try {
      shutdown = options.onShutdown(signal);
    } catch (err) {
      shutdown = Promise.reject(err);
    }
    shutdown.then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err, signal }, 'shutdown failed');
        exit(1);
      },
    );
  };

  target.on('SIGHUP', onHangup);
  target.on('SIGTERM', onStop);
  target.on('SIGINT', onStop);
  return {
    get shuttingDown() {
      return shuttingDown;
    },
    dispose() {
      target.off('SIGHUP', onHangup);
      target.off('SIGTERM', onStop);
      target.off('SIGINT', onStop);
    },
  };
}
