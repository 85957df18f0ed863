import { type ReaderHooks, readerHooks } from './test-hooks.js';

export type { ReaderHooks };

/** Installs (or, with undefined, removes) this thread's reader hooks. Race tests only; not packed. */
export function setReaderHooks(hooks: ReaderHooks | undefined): void {
  readerHooks.current = hooks;
}
