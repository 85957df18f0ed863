/**
 * Messages between the node:cluster alternative's primary (cluster-server.ts) and its
 * processes (cluster-worker.ts), over the IPC channel with `serialization: 'advanced'` (the V8
 * serializer, so the encoded config travels as bytes, not as JSON text).
 */
export type ToPrimary =
  /** The process listens for messages: the primary may send it a config. */
  | { readonly kind: 'ready' }
  /** The process now answers with `generation`. */
  | { readonly kind: 'applied'; readonly generation: number };

/** A config, encoded with the gateway codec (the same bytes genswap writes into a slot). */
export interface ConfigMessage {
  readonly kind: 'config';
  readonly generation: number;
  readonly bytes: Uint8Array;
}
