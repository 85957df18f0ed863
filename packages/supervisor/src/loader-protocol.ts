import type { ListCacheEntries, LoadOptions } from '@genswap/config';
import type { LoadOutcome } from './load-generation.js';

/** What the loader thread is started with (workerData). */
export interface LoaderData {
  /** URL of the module the AppModule is imported from. */
  readonly moduleUrl: string;
  readonly load: LoadOptions | undefined;
  /** Nice steps below the thread that starts it (Linux only). */
  readonly nice: number;
  /** The list cache the thread goes on from: the primary's (which holds what a retired thread sent back). */
  readonly cache?: ListCacheEntries;
}

export interface LoadRequest {
  readonly id: number;
  readonly configFile: string;
  /** The primary's list cache, when loads on the primary changed it since the two were last in step: the thread takes it over first. */
  readonly cache?: ListCacheEntries;
}

/** `cache`: the thread's list cache, sent after a load that changed it (the next thread starts from it). */
export type LoadReply = LoadOutcome & { readonly id: number; readonly cache?: ListCacheEntries };
