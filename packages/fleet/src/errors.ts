import { GenswapError } from '@genswap/core';

/**
 * The error registry of @genswap/fleet. Every error has a stable code, a message saying what
 * happened and a fix saying what to do. Codes are never reused.
 */
export const FLEET_ERRORS = {
  GENSWAP_FLEET_ETCD_UNAVAILABLE: 'Check that etcd runs and that the address is right (--etcd, or the host:port of --source etcd://); instances keep serving their last good config meanwhile.',
  GENSWAP_FLEET_ETCD_REQUEST: 'etcd refused the request; see the message (a request over etcd\'s size limit, a wrong prefix) and the etcd logs.',
  GENSWAP_FLEET_CONFLICT: 'Another publisher changed the manifest first: run `genswap fleet status` to see what is live now, then publish again.',
  GENSWAP_FLEET_NO_MANIFEST: 'Nothing was published under this prefix yet: run `genswap fleet publish --etcd URL --prefix P <file>` first (or check --prefix).',
  GENSWAP_FLEET_NO_REVISION: 'Pick a revision that `genswap fleet status` lists as kept.',
  GENSWAP_FLEET_CORRUPT: 'A chunk or manifest in etcd does not match its sha256: publish the config again; if it recurs, check what else writes under the prefix.',
  GENSWAP_FLEET_LAYOUT: 'Keep the config\'s list files in its directory or below it, named by relative paths, so the fleet can rebuild the same layout on every instance.',
  GENSWAP_FLEET_BAD_SOURCE: 'Write the source as etcd://HOST:PORT/PREFIX, for example etcd://127.0.0.1:2379/genswap.',
  GENSWAP_FLEET_NO_LOCAL_CONFIG: 'etcd is unreachable and this state directory holds no last good config yet: start etcd (or fix --source), then start serve again.',
  GENSWAP_FLEET_CANARY_HALTED: 'A canary instance refused the revision: `genswap fleet status` shows its problems. Fix the config and publish again, or `genswap fleet rollback`.',
  GENSWAP_FLEET_TIMEOUT: 'The fleet did not answer in time: check `genswap fleet status`, or raise --timeout.',
} as const;

export type FleetErrorCode = keyof typeof FLEET_ERRORS;

export class FleetError extends GenswapError {
  constructor(code: FleetErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, FLEET_ERRORS[code], options);
  }
}
