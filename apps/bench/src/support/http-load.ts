import autocannon from 'autocannon';

/**
 * HTTP load from autocannon (keep-alive connections, bounded duration, 127.0.0.1 only), with
 * every response recorded: its completion time, latency (autocannon's float-ms response time,
 * not its 1 ms-resolution histogram), status and the two headers that tie it to a config
 * generation. Runs in the bench process, so on a 2-core machine the load generator takes CPU
 * from the server under test.
 */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
}

export interface ResponseLog {
  /** Completion, ms since the load started (performance.now() clock). */
  readonly at: Float64Array;
  readonly latencyMs: Float64Array;
  readonly status: Int32Array;
  /** x-genswap-generation, -1 when missing. */
  readonly generation: Float64Array;
  /** x-genswap-rule of each response. */
  readonly rule: string[];
  readonly count: number;
}

export interface LoadResult {
  /** performance.now() when the load started: `at` is relative to it. */
  readonly startedAt: number;
  /** The measured window: responses completed in [0, durationMs) are logged, later ones are not. */
  readonly elapsedMs: number;
  readonly responses: ResponseLog;
  /** Connection errors and timeouts (autocannon's `errors`, which include `timeouts`). */
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}

class Growable {
  data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

/** Starts the load; `onStart` runs right after (e.g. the reload driver), sharing the clock. */
export function runLoad(options: LoadOptions, onStart?: (startedAt: number) => void): Promise<LoadResult> {
  const at = new Growable(1 << 16);
  const latency = new Growable(1 << 16);
  const status = new Growable(1 << 16);
  const generation = new Growable(1 << 16);
  const rule: string[] = [];
  let pendingGeneration = -1;
  let pendingRule = '';
  let startedAt = 0;
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationMs / 1000,
        // autocannon checks its stop flag on each sample tick (default every 1000 ms): tick often
        // so a run ends close to its duration.
        sampleInt: 50,
        timeout: 10,
        requests: [
          {
            method: 'GET',
            path: '/',
            // Runs for each response just before the instance's 'response' event (httpClient.js).
            onResponse: (_status, _body, _context, headers) => {
              const g = headers['x-genswap-generation'];
              pendingGeneration = g === undefined ? -1 : Number(g);
              pendingRule = headers['x-genswap-rule'] ?? '';
            },
          },
        ],
      },
      (err, result) => {
        if (err !== null) {
          reject(err);
          return;
        }
        const count = at.length;
        resolve({
          startedAt,
          elapsedMs: options.durationMs,
          responses: {
            at: at.view(),
            latencyMs: latency.view(),
            status: Int32Array.from(status.view()),
            generation: generation.view(),
            rule,
            count,
          },
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
        });
      },
    );
    startedAt = performance.now();
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const now = performance.now() - startedAt;
      if (now >= options.durationMs) return;
      at.push(now);
      latency.push(responseTime);
      status.push(statusCode);
      generation.push(pendingGeneration);
      rule.push(pendingRule);
      pendingGeneration = -1;
      pendingRule = '';
    });
    onStart?.(startedAt);
  });
}
