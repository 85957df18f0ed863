/** Milliseconds with microsecond precision, for logs (durationMs) and reload records. */
export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
