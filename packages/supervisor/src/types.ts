import type { Codec, StoreOptions } from '@genswap/core';
import type { ConfigDefinition } from '@genswap/config';

/**
 * The contract of @genswap/supervisor shared with handler authors (the gateway, users).
 * Keep these stable: apps code against them.
 */

/** What a worker's handler learns about the task it runs. */
export interface TaskContext<State = unknown> {
  /** The generation pinned for this task: the config the handler got belongs to it. */
  readonly generation: number;
  /** The worker thread's id. */
  readonly threadId: number;
  /** The app's shared state (see AppModule.createState), identical object for every task of this worker. */
  readonly state: State;
}

/** A handler: gets the task and the config of the generation pinned when the task started. */
export type Handler<Task, Config, Result, State = unknown> = (task: Task, config: Config, ctx: TaskContext<State>) => Result | Promise<Result>;

/** The task `genswap serve` builds from an HTTP request. */
export interface HttpTask {
  readonly method: string;
  /** Request target as received, e.g. `/login?next=%2F`. */
  readonly url: string;
  /** Lower-cased header names; repeated headers joined as Node does (`headersDistinct` is not sent). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The TCP peer (proxy or client), as reported by the socket, e.g. `127.0.0.1` or `::1`. */
  readonly remoteAddress: string;
}

/** What a handler returns for an HttpTask; `genswap serve` writes it back. */
export interface HttpResult {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * What `genswap serve --schema <module>` loads (and what `@genswap/gateway/definition` is):
 * the config definition, optionally a codec (default JSON) and primary-side shared state.
 */
export interface AppModule<C = unknown, State = unknown> {
  readonly definition: ConfigDefinition<any, C>;
  readonly codec?: Codec<C>;
  /** Called once in the primary; the result (structured-cloneable, may hold SharedArrayBuffers) reaches every worker as ctx.state. */
  readonly createState?: () => State;
}

export type { Codec, StoreOptions };
