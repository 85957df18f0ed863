// One way to construct each class: createStore() and attachReader(); the classes are types here.
export { createStore } from './store.js';
export type { GenerationStore } from './store.js';
export type { StoreOptions, StoreHandle, StoreStats, SlotStats, SlotState, ReaderStats } from './store.js';
export { attachReader } from './reader.js';
export type { GenerationReader, Lease } from './reader.js';
export type { ReaderOptions } from './reader.js';
export { type Codec, type Encoded, type EncodedPart, type EncodedParts, checkEncoded, deepFreeze, joinParts, json, jsonCodec } from './codec.js';
export { checksum } from './checksum.js';
export { CORE_ERRORS, CoreError, GenswapError, NoFreeSlotError, ValueTooLargeError, isGenswapError } from './errors.js';
export type { CoreErrorCode, PinnedGeneration } from './errors.js';
