/**
 * Which config revision each generation was loaded from (a fleet revision; 0 for none), shared
 * with the HTTP threads so every answer can name it (x-genswap-fleet-revision) without a message
 * per request. The primary writes; threads read.
 *
 * Layout: an Int32Array of ENTRIES pairs; generation g uses pair g % ENTRIES:
 *
 *   [2i]     TAG       g | 0 of the generation the pair describes; -1 while being rewritten
 *   [2i + 1] REVISION  its revision (0: none)
 *
 * L1  The primary labels generation g before it publishes g (reloads are serialized, so the
 *     next publish is generation store.generation + 1), hence a thread that pins g finds its
 *     pair written: the publish is a release the thread's acquire synchronizes with.
 * L2  A pair is rewritten as TAG = -1, REVISION, TAG = g. A reader loads TAG, REVISION, TAG and
 *     believes REVISION only when both TAG loads equal its generation: a rewrite that overlaps
 *     the read changes TAG in between (Atomics are sequentially consistent).
 * L3  A generation older than ENTRIES publishes (a request pinned that long) may have lost its
 *     pair to a newer one: its answer then carries no revision rather than a wrong one. TAG
 *     keeps the low 32 bits of g, so the pair of g is mistaken for g' only if g' - g is a
 *     multiple of 2^32.
 */
const ENTRIES = 64;
const TAG = 0;
const REVISION = 1;
const REWRITING = -1;

export class GenerationLabels {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(ENTRIES * 2 * 4)) {
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
  }

  /** Primary: labels `generation` with `revision` (call before publishing it, L1). */
  set(generation: number, revision: number): void {
    const at = (generation % ENTRIES) * 2;
    Atomics.store(this.cells, at + TAG, REWRITING); // L2: readers of the old owner stop believing the pair
    Atomics.store(this.cells, at + REVISION, revision | 0);
    Atomics.store(this.cells, at + TAG, generation | 0); // L2: the pair belongs to `generation` from here
  }

  /** Thread: the revision of `generation`, or 0 when unlabeled or no longer known (L3). */
  revisionOf(generation: number): number {
    const at = (generation % ENTRIES) * 2;
    const tag = generation | 0;
    if (Atomics.load(this.cells, at + TAG) !== tag) return 0; // L2
    const revision = Atomics.load(this.cells, at + REVISION);
    return Atomics.load(this.cells, at + TAG) === tag ? revision : 0; // L2: no rewrite overlapped
  }
}
