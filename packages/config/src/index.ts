export type * from './types.js';
export { loadConfig, parseConfigText } from './load-config.js';
export { defineConfig } from './definition.js';
export { CONFIG_ERRORS, ConfigError, ConfigOptionError, DefinitionModuleError, ZodVersionError } from './errors.js';
export type { ConfigErrorCode } from './errors.js';
export { formatPath, formatProblem } from './problems.js';
export { DEFAULT_LIMITS } from './limits.js';
export type { Limits } from './limits.js';
