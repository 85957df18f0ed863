import { createHash } from 'node:crypto';

/** A stable number for an instance id: the same id lands in the same place on every run. */
export function stableHash(id: string): number {
  return Number.parseInt(createHash('sha256').update(id).digest('hex').slice(0, 12), 16);
}

/** The `k` ids with the lowest stable hash: the canaries of a staged rollout. */
export function pickCanaries(ids: readonly string[], k: number): string[] {
  return [...ids].sort((a, b) => stableHash(a) - stableHash(b) || (a < b ? -1 : 1)).slice(0, k);
}
