import type { ConfigProblem } from '@genswap/config';

/** What an instance says about itself (its own view; `fleet status` classifies it against the newest manifest). */
export type InstancePhase = 'SYNCED' | 'APPLYING' | 'REFUSED' | 'HELD';

export interface RevisionRef {
  readonly revision: number;
  readonly sha256: string;
}

/**
 * The report an instance keeps at P/instances/<id> under its lease (and at P/members/<id>
 * without one). Rewritten whenever it changes, after every lease renewal that found the lease
 * expired, and after etcd comes back.
 */
export interface InstanceReport {
  readonly format: 1;
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** Where it serves, e.g. http://127.0.0.1:8080. */
  readonly listen: string;
  readonly phase: InstancePhase;
  /** What it serves now, and since when. */
  readonly serving: RevisionRef & { readonly since: string };
  /** The revision being fetched, validated or held back (APPLYING, HELD). */
  readonly target?: RevisionRef;
  /** The last revision it refused, with the problems (Envoy's NACK with error_detail). */
  readonly refused?: RevisionRef & { readonly at: string; readonly problems: readonly ConfigProblem[] };
  /** Set while it serves a local copy it could not check against etcd (booted with etcd down). */
  readonly staleSince?: string;
  readonly updatedAt: string;
}

export function parseReport(bytes: Uint8Array): InstanceReport | undefined {
  try {
    const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as InstanceReport;
    return r !== null && typeof r === 'object' && r.format === 1 && typeof r.id === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}
