// What check.mjs runs: the configurations the real model must pass, and the mutants, each of
// which must be caught. A mutant names the configuration that reaches its bug and the kind of
// property that must catch it, so a mutant caught "by accident" (say, a liveness mutant
// tripping a safety assertion) counts as a failure of the check, not a success.

// `reaches` lists steps (substrings of the model's printf narration) that the configuration
// must reach: pan reports unreached statements, and a bound made too small to exercise a path
// fails the check instead of passing vacuously. 3 slots (MIN_SLOTS) are fixed in store.pml.
export const configurations = [
  {
    name: 'publish-paths',
    defines: { READERS: 2, ROWS: 2, PUBLISHES: 4, CYCLES: 1, CLOSE: 1, DEADLINE_ANYTIME: 1 },
    covers:
      'two readers, one lease each (released, or held past the end); generation 1 plus four ' +
      'publishes: fast path, waiting on RETIRE_SIGNAL, supersede, a deadline after any failed ' +
      'scan, close() at any moment',
    reaches: [
      'waits on RETIRE_SIGNAL',
      'wakes up (notified)',
      'wakes up at its deadline',
      'moved since it was seen',
      'its deadline has passed',
      'GENSWAP_PUBLISH_SUPERSEDED',
      'close() rejects the waiting publish',
      'publish rejected, GENSWAP_STORE_CLOSED',
      'undoes its pin',
    ],
  },
  {
    name: 'reader-cache',
    defines: { READERS: 2, ROWS: 2, PUBLISHES: 3, CYCLES: 2, CLOSE: 1, DEADLINE_ANYTIME: 1 },
    covers:
      'as publish-paths with three publishes, but two acquire/release rounds per reader, so a ' +
      'reader meets its cached value again, and meets its old slot reused (ABA)',
    reaches: ['uses its cached value', 'decodes the bytes', 'waits on RETIRE_SIGNAL', 'keeps its lease'],
  },
  {
    name: 'reader-death',
    defines: { READERS: 2, ROWS: 2, PUBLISHES: 3, CYCLES: 2, CLOSE: 0, DEATHS: 1 },
    covers:
      'as reader-cache without close() and early deadlines; thread 0 is terminated after any of ' +
      'its shared writes (claim, pin, unpin, bump, notify) and the primary runs releaseReader',
    reaches: ['is terminated', 'releaseReader', 'zeroes row', 'waits on RETIRE_SIGNAL', 'wakes up at its deadline'],
  },
  {
    name: 'replacement',
    defines: { READERS: 1, ROWS: 2, PUBLISHES: 4, CYCLES: 3, CLOSE: 0, DEATHS: 1, REPLACEMENT: 1 },
    covers:
      'thread 0 dies after any shared write, and a replacement thread attaches: to the spare row ' +
      'while the dead row is still owned, or to the freed row after releaseReader',
    reaches: ['is terminated', 'starts as the replacement', 'frees row', 'waits on RETIRE_SIGNAL'],
  },
];

export const mutants = [
  {
    name: 'no-recheck',
    define: 'MUTANT_NO_RECHECK',
    config: 'publish-paths',
    kind: 'safety',
    what: 'acquire uses the slot it pinned without loading CURRENT_SLOT again (I2)',
  },
  {
    name: 'no-pin-scan',
    define: 'MUTANT_NO_PIN_SCAN',
    config: 'publish-paths',
    kind: 'safety',
    what: 'findFreeSlot takes any non-current slot without summing its pin column (I3)',
  },
  {
    name: 'publish-before-write',
    define: 'MUTANT_PUBLISH_BEFORE_WRITE',
    config: 'publish-paths',
    kind: 'safety',
    what: 'writeAndPublish stores CURRENT_SLOT before it writes the slot (I1)',
  },
  {
    name: 'signal-after-scan',
    define: 'MUTANT_SIGNAL_AFTER_SCAN',
    config: 'reader-death',
    kind: 'liveness',
    what: 'drain loads RETIRE_SIGNAL after its scan instead of before (I6)',
  },
  {
    name: 'row-freed-early',
    define: 'MUTANT_ROW_FREED_EARLY',
    config: 'replacement',
    kind: 'safety',
    what: 'releaseReader frees the row before it zeroes the row\'s pins (I4, I5)',
  },
  {
    name: 'cache-by-slot',
    define: 'MUTANT_CACHE_BY_SLOT',
    config: 'reader-cache',
    kind: 'safety',
    what: 'the reader reuses a cached value by slot, ignoring its generation (I7, ABA)',
  },
  {
    name: 'lost-wakeup',
    define: 'MUTANT_LOST_WAKEUP',
    config: 'reader-death',
    kind: 'liveness',
    what: 'releaseReader wakes a waiting publish only if it released pins (the code before issue 16, I6)',
  },
];
