import type { Codec } from '@genswap/core';
import type { ConfigDefinition } from '@genswap/config';

/**
 * The app contract: what `--schema`, `appModule` and the `app` option name (resolved by
 * app-module.ts), and the config and state types worker code derives from it.
 */

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

/** Read-only all the way down: a generation's config is frozen (the JSON codec deep-freezes it). */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends ReadonlyMap<infer K, infer V>
    ? ReadonlyMap<K, DeepReadonly<V>>
    : T extends ReadonlySet<infer V>
      ? ReadonlySet<DeepReadonly<V>>
      : T extends ArrayBufferView | ArrayBuffer | SharedArrayBuffer
        ? T
        : T extends object
          ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
          : T;

/** The config type an AppModule compiles to: `defineWorker((task, config: ConfigOf<typeof app>) => ...)`. */
export type ConfigOf<A> = A extends AppModule<infer C, any> ? DeepReadonly<C> : never;

/** The shared-state type an AppModule creates. */
export type StateOf<A> = A extends AppModule<any, infer S> ? S : never;
