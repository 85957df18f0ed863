import type { LoadOptions } from '@genswap/config';
import type { LoadOutcome } from './load-generation.js';

/** What the loader thread is started with (workerData). */
export interface LoaderData {
  /** URL of the module the AppModule is imported from. */
  readonly moduleUrl: string;
  readonly load: LoadOptions | undefined;
  /** Nice steps below the thread that starts it (Linux only). */
  readonly nice: number;
}

export interface LoadRequest {
  readonly id: number;
  readonly configFile: string;
}

export type LoadReply = LoadOutcome & { readonly id: number };
