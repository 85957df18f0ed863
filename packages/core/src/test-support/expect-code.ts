import type { CoreError } from '../errors.js';

/** The code of the error `fn` throws, or undefined when it does not throw. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as CoreError).code;
  }
  return undefined;
}

/** The error a promise rejects with; fails the test when it resolves. */
export async function rejection(p: Promise<unknown>): Promise<CoreError> {
  try {
    await p;
  } catch (err) {
    return err as CoreError;
  }
  throw new Error('expected a rejection');
}
