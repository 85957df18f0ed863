import { FleetError } from '../errors.js';
import { causeText, type EtcdClient, type KeyValue, kvOf, type WireKv } from './etcd-client.js';

export interface WatchEvent {
  readonly type: 'PUT' | 'DELETE';
  readonly kv: KeyValue;
}

/** Why a watch stream ended. */
export type WatchEnd =
  /** The history from the asked revision was compacted away: re-read, then watch again. */
  | { readonly reason: 'compacted'; readonly compactRevision: number }
  /** The connection broke or etcd went away: reconnect (with backoff), re-read, watch again. */
  | { readonly reason: 'disconnected'; readonly error: FleetError }
  /** The caller aborted. */
  | { readonly reason: 'aborted' };

interface WireWatchMessage {
  result?: {
    created?: boolean;
    canceled?: boolean;
    compact_revision?: string;
    cancel_reason?: string;
    events?: { type?: 'PUT' | 'DELETE'; kv: WireKv }[];
  };
  error?: { message?: string };
}

/**
 * Watches one key from `startRevision` on (inclusive) through the gateway's streaming
 * /v3/watch, calling `onEvents` for each batch in revision order, and resolves with why the
 * stream ended; it never rejects. The stream is newline-delimited JSON. `onCreated` runs once
 * etcd confirmed the watch, so a caller can tell "watching" from "still connecting".
 *
 * The caller owns resumption: after `compacted` or `disconnected` it re-reads the key (the
 * read's header revision R says "nothing newer than R is missed by this read") and watches
 * from R + 1. That is the rule that never misses the newest value (confd#671 re-watched from
 * "now" and lost the changes in between).
 */
export async function watchKey(
  client: EtcdClient,
  key: string,
  startRevision: number,
  handlers: { onEvents: (events: readonly WatchEvent[]) => void; onCreated?: () => void },
  signal: AbortSignal,
): Promise<WatchEnd> {
  const body = JSON.stringify({ create_request: { key: Buffer.from(key).toString('base64'), start_revision: String(startRevision) } });
  let res: Response;
  try {
    res = await fetch(`${client.endpoint}/v3/watch`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal });
  } catch (err) {
    if (signal.aborted) return { reason: 'aborted' };
    return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_UNAVAILABLE', `watch on etcd at ${client.endpoint} failed: ${causeText(err)}`, { cause: err }) };
  }
  if (!res.ok || res.body === null) {
    return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_REQUEST', `etcd refused the watch (HTTP ${res.status})`) };
  }
  const decoder = new TextDecoder();
  let partial = '';
  try {
    for await (const chunk of res.body) {
      partial += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, newline).trim();
        partial = partial.slice(newline + 1);
        if (line === '') continue;
        const message = JSON.parse(line) as WireWatchMessage;
        if (message.error !== undefined) {
          return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_REQUEST', `etcd ended the watch: ${message.error.message ?? line}`) };
        }
        const result = message.result ?? {};
        if (result.canceled === true) {
          const compactRevision = Number(result.compact_revision ?? 0);
          if (compactRevision > 0) return { reason: 'compacted', compactRevision };
          return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_REQUEST', `etcd canceled the watch: ${result.cancel_reason ?? 'no reason given'}`) };
        }
        if (result.created === true) handlers.onCreated?.();
        if (result.events !== undefined && result.events.length > 0) {
          handlers.onEvents(result.events.map((e) => ({ type: e.type ?? 'PUT', kv: kvOf(e.kv) })));
        }
      }
    }
  } catch (err) {
    if (signal.aborted) return { reason: 'aborted' };
    return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_UNAVAILABLE', `watch stream from ${client.endpoint} broke: ${causeText(err)}`, { cause: err }) };
  }
  if (signal.aborted) return { reason: 'aborted' };
  return { reason: 'disconnected', error: new FleetError('GENSWAP_FLEET_ETCD_UNAVAILABLE', `etcd at ${client.endpoint} closed the watch stream`) };
}
