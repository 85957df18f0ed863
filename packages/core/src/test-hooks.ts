/**
 * Pause points inside the reader's acquire and release paths, for deterministic race tests
 * only: a test worker installs hooks that block on an Atomics handshake so the primary can
 * publish (or the test can terminate the worker) at an exact point of the protocol. Never set
 * in production, where the check costs one load of a property. The setter lives in
 * `testing.ts`, which is neither exported nor packed: the project's race tests import it from
 * `dist/testing.js` by path.
 */
export interface ReaderHooks {
  /** After the first load of CURRENT_SLOT, before the pin. */
  afterLoad?(slot: number): void;
  /** After the pin, before the re-check. */
  afterPin?(slot: number): void;
  /** In unpin, after the Atomics.sub and before the RETIRE_SIGNAL bump and notify. */
  afterUnpin?(slot: number): void;
}

/** A holder rather than a `let`: an importing module cannot assign an imported binding. */
export const readerHooks: { current: ReaderHooks | undefined } = { current: undefined };
