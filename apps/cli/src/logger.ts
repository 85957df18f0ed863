import { pino, type Logger } from 'pino';

export interface LoggerOptions {
  readonly level: string;
  /** Human-readable lines (pino-pretty); default: when stdout is a terminal. */
  readonly pretty?: boolean;
}

/**
 * The root logger of a long-running command: pino JSON on stdout, or pino-pretty when a
 * human is watching. Both write synchronously, so the last lines before an exit are not lost
 * and log lines never interleave with the lines the command prints itself.
 */
export async function createLogger(options: LoggerOptions): Promise<Logger> {
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const base = { level: options.level, base: { pid: process.pid } };
  if (pretty) {
    const { default: prettyStream } = await import('pino-pretty');
    return pino(base, prettyStream({ sync: true, destination: 1 }));
  }
  return pino(base, pino.destination({ dest: 1, sync: true }));
}
