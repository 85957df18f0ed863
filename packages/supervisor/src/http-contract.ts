/** The HTTP contract between `genswap serve` and a handler. */

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
