import type { SupervisorLogger } from './types.js';

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
