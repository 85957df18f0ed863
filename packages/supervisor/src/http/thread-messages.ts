/** Messages between the primary and an HTTP thread (none per request). */
export type ThreadMessage =
  | { readonly type: 'serving' }
  | { readonly type: 'fatal'; readonly code: string; readonly message: string }
  | { readonly type: 'log'; readonly level: 'warn' | 'error'; readonly obj: Record<string, unknown>; readonly msg: string }
  | { readonly type: 'drained'; readonly answeredAll: boolean; readonly durationMs: number };

export type PrimaryMessage = { readonly type: 'drain'; readonly timeoutMs: number };
