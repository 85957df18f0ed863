import { FleetError } from '../errors.js';

/**
 * A small etcd v3 client over the JSON gateway etcd serves on its client port (`/v3/...`):
 * no gRPC, no dependency. Keys and values are bytes (base64 on the wire); etcd's int64 fields
 * arrive as decimal strings: revisions are returned as numbers (they stay far below 2^53),
 * lease ids as the strings they are (random 63-bit numbers).
 * Every call has a deadline; a network failure is GENSWAP_FLEET_ETCD_UNAVAILABLE, an error
 * answer from etcd GENSWAP_FLEET_ETCD_REQUEST.
 */

export interface KeyValue {
  readonly key: string;
  readonly value: Buffer;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  /** Lease id (int64, kept as its decimal string: ids exceed 2^53); '' for none. */
  readonly lease: string;
}

export interface RangeResult {
  /** etcd's revision when it answered. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
}

/** One comparison of a transaction. `modRevision 0` / `createRevision 0` means "the key does not exist". */
export type Compare =
  | { readonly key: string; readonly target: 'MOD'; readonly modRevision: number }
  | { readonly key: string; readonly target: 'CREATE'; readonly createRevision: number };

export type TxnOp =
  | { readonly put: { readonly key: string; readonly value: Buffer | string; readonly lease?: string } }
  | { readonly deleteRange: { readonly key: string; readonly prefix?: boolean } };

export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: number;
}

/** Wire shape of a key-value from the gateway (int64 as strings, bytes as base64, zero fields left out). */
export interface WireKv {
  key?: string;
  value?: string;
  create_revision?: string;
  mod_revision?: string;
  version?: string;
  lease?: string;
}

const b64 = (s: Buffer | string): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');
const num = (s: string | undefined): number => (s === undefined ? 0 : Number(s));

export function kvOf(wire: WireKv): KeyValue {
  return {
    key: Buffer.from(wire.key ?? '', 'base64').toString('utf8'),
    value: Buffer.from(wire.value ?? '', 'base64'),
    createRevision: num(wire.create_revision),
    modRevision: num(wire.mod_revision),
    version: num(wire.version),
    lease: wire.lease ?? '',
  };
}

/** The key just past every key starting with `prefix`: etcd's range_end for a prefix query. */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]! += 1;
      return end;
    }
  }
  return Buffer.from([0]); // every key
}

function rangeEnd(key: string, prefix: boolean | undefined): Record<string, string> {
  return prefix === true ? { range_end: prefixEnd(key).toString('base64') } : {};
}

export interface EtcdClientOptions {
  /** Deadline of one unary request, ms. Default 5 000. */
  readonly timeoutMs?: number;
}

export class EtcdClient {
  /** e.g. http://127.0.0.1:2379 */
  readonly endpoint: string;
  private readonly timeoutMs: number;

  constructor(endpoint: string, options: EtcdClientOptions = {}) {
    this.endpoint = endpoint.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /** POSTs one JSON request to the gateway; `signal` (default: the deadline) aborts it. */
  async call<T>(path: string, body: unknown, signal: AbortSignal = AbortSignal.timeout(this.timeoutMs)): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.endpoint}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' }, signal });
    } catch (err) {
      throw new FleetError('GENSWAP_FLEET_ETCD_UNAVAILABLE', `etcd at ${this.endpoint} did not answer ${path}: ${causeText(err)}`, { cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new FleetError('GENSWAP_FLEET_ETCD_UNAVAILABLE', `etcd at ${this.endpoint} broke off its answer to ${path}: ${causeText(err)}`, { cause: err });
    }
    if (!res.ok) {
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new FleetError('GENSWAP_FLEET_ETCD_REQUEST', `etcd refused ${path} (HTTP ${res.status}): ${message.trim()}`);
    }
    return JSON.parse(text) as T;
  }

  async range(key: string, options: { prefix?: boolean; keysOnly?: boolean; signal?: AbortSignal } = {}): Promise<RangeResult> {
    const body = { key: b64(key), ...rangeEnd(key, options.prefix), ...(options.keysOnly === true ? { keys_only: true } : {}) };
    const res = await this.call<{ header: { revision: string }; kvs?: WireKv[] }>('/v3/kv/range', body, options.signal);
    return { revision: num(res.header.revision), kvs: (res.kvs ?? []).map(kvOf) };
  }

  /** The value of one key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(key)).kvs[0];
  }

  async put(key: string, value: Buffer | string, options: { lease?: string } = {}): Promise<number> {
    const res = await this.call<{ header: { revision: string } }>('/v3/kv/put', { key: b64(key), value: b64(value), ...(options.lease ? { lease: options.lease } : {}) });
    return num(res.header.revision);
  }

  async deleteRange(key: string, options: { prefix?: boolean } = {}): Promise<number> {
    const res = await this.call<{ deleted?: string }>('/v3/kv/deleterange', { key: b64(key), ...rangeEnd(key, options.prefix) });
    return num(res.deleted);
  }

  /** All of `success` if every comparison holds, else nothing: etcd's compare-and-swap. */
  async txn(compare: readonly Compare[], success: readonly TxnOp[]): Promise<TxnResult> {
    const body = {
      compare: compare.map((c) =>
        c.target === 'MOD'
          ? { key: b64(c.key), target: 'MOD', result: 'EQUAL', mod_revision: String(c.modRevision) }
          : { key: b64(c.key), target: 'CREATE', result: 'EQUAL', create_revision: String(c.createRevision) },
      ),
      success: success.map((op) =>
        'put' in op
          ? { request_put: { key: b64(op.put.key), value: b64(op.put.value), ...(op.put.lease ? { lease: op.put.lease } : {}) } }
          : { request_delete_range: { key: b64(op.deleteRange.key), ...rangeEnd(op.deleteRange.key, op.deleteRange.prefix) } },
      ),
    };
    const res = await this.call<{ header: { revision: string }; succeeded?: boolean }>('/v3/kv/txn', body);
    return { succeeded: res.succeeded === true, revision: num(res.header.revision) };
  }

  /** Discards history before `revision` (physical: waits until the compaction is applied). */
  async compact(revision: number): Promise<void> {
    await this.call('/v3/kv/compaction', { revision: String(revision), physical: true });
  }

  /** A lease of `ttlSeconds`; keys put under it vanish when it expires. */
  async leaseGrant(ttlSeconds: number): Promise<{ id: string; ttl: number }> {
    const res = await this.call<{ ID: string; TTL: string; error?: string }>('/v3/lease/grant', { TTL: String(ttlSeconds) });
    if (res.error) throw new FleetError('GENSWAP_FLEET_ETCD_REQUEST', `etcd refused a lease: ${res.error}`);
    return { id: res.ID, ttl: num(res.TTL) };
  }

  /** Renews a lease; false when it has expired already (etcd answers TTL 0). */
  async leaseKeepAlive(id: string): Promise<boolean> {
    const res = await this.call<{ result?: { TTL?: string } }>('/v3/lease/keepalive', { ID: id });
    return num(res.result?.TTL) > 0;
  }

  async leaseRevoke(id: string): Promise<void> {
    await this.call('/v3/lease/revoke', { ID: id });
  }

  /** Bytes etcd's database file takes on disk (for the benchmark). */
  async dbSize(): Promise<number> {
    const res = await this.call<{ dbSize?: string }>('/v3/maintenance/status', {});
    return num(res.dbSize);
  }
}

export function causeText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}
