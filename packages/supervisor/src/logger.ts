/** Structural subset of a pino Logger the supervisor uses; pass a pino logger. */
export interface SupervisorLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): SupervisorLogger;
}

/** The logger used when none is given: packages never create a real one (apps do). */
export const silentLogger: SupervisorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
