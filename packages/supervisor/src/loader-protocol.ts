import type { ConfigProblem, LoadOptions, LoadTimings } from '@genswap/config';

/** What the loader thread is started with (workerData). */
export interface LoaderData {
  /** URL of the module the AppModule is imported from. */
  readonly moduleUrl: string;
  readonly configFile: string;
  readonly load: LoadOptions | undefined;
  /** Nice steps below the thread that starts it (Linux only). */
  readonly nice: number;
}

export interface LoadRequest {
  readonly id: number;
}

/** One reload's config, parsed, validated, compiled and encoded with the app's codec. */
export interface LoadedBytes {
  readonly id: number;
  readonly ok: true;
  readonly bytes: Uint8Array;
  readonly files: readonly string[];
  readonly timings: LoadTimings & { readonly encodeMs: number };
}

export interface LoadFailed {
  readonly id: number;
  readonly ok: false;
  /** Located problems of a ConfigError; absent for other failures. */
  readonly problems?: readonly ConfigProblem[];
  readonly code: string;
  readonly message: string;
}

export type LoadReply = LoadedBytes | LoadFailed;
