import { ConfigOptionError } from './errors.js';
import type { LoadOptions } from './types.js';

/** The safety limits a load runs under; README "Safety limits" lists them with their reasons. */
export interface Limits {
  readonly maxBytes: number;
  readonly maxListBytes: number;
  readonly maxListTotalBytes: number;
  readonly maxAliasCount: number;
  readonly maxDepth: number;
  readonly maxProblems: number;
  /** Not a safety limit: LoadOptions.readBudget (Infinity when not given). */
  readonly readBudget: number;
}

export const DEFAULT_LIMITS: Limits = {
  // A hand-written YAML file of 4 MiB is already unreadable; big data belongs in list files.
  maxBytes: 4 * 1024 * 1024,
  // Room for several million CIDRs or user-agent strings per list file.
  maxListBytes: 256 * 1024 * 1024,
  // All list files of one config together (each distinct file counted once): the compiled
  // tables must fit one generation of the store anyway, so more text than this is never useful.
  maxListTotalBytes: 256 * 1024 * 1024,
  // Anchors are for sharing a handful of blocks; 100 expansions stop billion-laughs early.
  maxAliasCount: 100,
  maxDepth: 64,
  maxProblems: 100,
  readBudget: Number.POSITIVE_INFINITY,
};

export function resolveLimits(options: LoadOptions = {}): Limits {
  const pick = (name: keyof Limits): number => {
    const value = options[name];
    if (value === undefined) return DEFAULT_LIMITS[name];
    // maxAliasCount 0 means "no aliases at all", readBudget 0 "read nothing"; every limit needs at least 1.
    const least = name === 'maxAliasCount' || name === 'readBudget' ? 0 : 1;
    if (!Number.isSafeInteger(value) || value < least) throw new ConfigOptionError(name, value, least);
    return value;
  };
  return {
    maxBytes: pick('maxBytes'),
    maxListBytes: pick('maxListBytes'),
    maxListTotalBytes: pick('maxListTotalBytes'),
    maxAliasCount: pick('maxAliasCount'),
    maxDepth: pick('maxDepth'),
    maxProblems: pick('maxProblems'),
    readBudget: pick('readBudget'),
  };
}
