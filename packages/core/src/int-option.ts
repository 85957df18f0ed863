/**
 * Checks an optional integer option: `fallback` when absent, else an integer in [min, max], or
 * the error `invalid` makes from a message naming `label` and the accepted range. Shared by the
 * store and the packages built on it, so every genswap option is checked and worded alike.
 */
export function intOption(label: string, value: number | undefined, fallback: number, min: number, max: number, invalid: (message: string) => Error): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) throw invalid(`${label} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return value;
}
