/**
 * Pause points inside the reader's acquire path, for deterministic race tests only: a test
 * worker installs hooks that block on an Atomics handshake so the primary can publish at an
 * exact point of the protocol. Exported as `@genswap/core/testing`; never set in production,
 * where the check costs one load of a module variable.
 */
export interface ReaderHooks {
  /** After the first load of CURRENT_SLOT, before the pin. */
  afterLoad?(slot: number): void;
  /** After the pin, before the re-check. */
  afterPin?(slot: number): void;
}

export let readerHooks: ReaderHooks | undefined;

export function setReaderHooks(hooks: ReaderHooks | undefined): void {
  readerHooks = hooks;
}
