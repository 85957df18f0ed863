/**
 * The part of autocannon 8's programmatic API the bench uses (the package ships no types).
 * Checked against its README and lib/run.js, lib/httpClient.js, lib/requestIterator.js:
 * `onResponse` runs for every completed response (status, body, context, headers) just before
 * the instance emits `response` (client, statusCode, resBytes, responseTime in float ms).
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface AutocannonRequest {
    readonly method?: string;
    readonly path?: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Readonly<Record<string, string>>) => void;
  }

  interface AutocannonOptions {
    readonly url: string;
    readonly connections?: number;
    readonly pipelining?: number;
    /** Seconds. */
    readonly duration?: number;
    readonly amount?: number;
    /** Seconds before a request times out and its connection is reset. */
    readonly timeout?: number;
    /** Milliseconds between samples; the stop flag is checked on each. Default 1000. */
    readonly sampleInt?: number;
    readonly requests?: readonly AutocannonRequest[];
    readonly skipAggregateResult?: boolean;
  }

  interface AutocannonResult {
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly resets: number;
    readonly mismatches: number;
    readonly duration: number;
    readonly '2xx': number;
  }

  interface Instance extends EventEmitter {
    stop(): void;
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    on(event: 'reqError', listener: (error: Error) => void): this;
    on(event: 'done', listener: (result: AutocannonResult) => void): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  function autocannon(options: AutocannonOptions, callback: (err: Error | null, result: AutocannonResult) => void): Instance;
  export default autocannon;
  export type { AutocannonOptions, AutocannonRequest, AutocannonResult, Instance };
}
