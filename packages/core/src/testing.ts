export { setReaderHooks, type ReaderHooks } from './test-hooks.js';
