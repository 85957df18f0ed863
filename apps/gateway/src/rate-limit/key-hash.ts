/**
 * Two independent 32-bit hashes of a rate-limit key: h1 is the fingerprint stored in KEY,
 * h2 picks the home entry. A key is (limit name, client address) or (limit name, header
 * value); hashing the parts in sequence avoids building a key string per request.
 * Not cryptographic: a client who could choose colliding keys only shares a counter with
 * another key, which makes limits stricter for both, never looser.
 */

/** Longest header value hashed; longer values are keyed by their first MAX_KEY_CHARS chars. */
export const MAX_KEY_CHARS = 1024;

export interface KeyHash {
  h1: number;
  h2: number;
}

const SEED1 = 0x811c9dc5;
const SEED2 = 0x9e3779b9;

/** Murmur3's finalizer: spreads every input bit over the word. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function startHash(out: KeyHash): KeyHash {
  out.h1 = SEED1;
  out.h2 = SEED2;
  return out;
}

export function hashString(out: KeyHash, text: string): KeyHash {
  let h1 = out.h1;
  let h2 = out.h2;
  const n = Math.min(text.length, MAX_KEY_CHARS);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  // The length separates ("ab", "c") from ("a", "bc").
  h1 = Math.imul(h1 ^ n ^ 0xff, 0x01000193);
  h2 = Math.imul(h2 ^ n ^ 0xff, 0x5bd1e995);
  out.h1 = h1;
  out.h2 = h2;
  return out;
}

export function hashWord(out: KeyHash, word: number): KeyHash {
  out.h1 = Math.imul(out.h1 ^ word, 0x01000193);
  out.h2 = Math.imul(out.h2 ^ word, 0x5bd1e995);
  out.h2 ^= out.h2 >>> 15;
  return out;
}

/** Finishes both hashes; h1 is never 0 (0 marks an unused entry). */
export function finishHash(out: KeyHash): KeyHash {
  const h1 = fmix(out.h1);
  out.h1 = h1 === 0 ? 1 : h1;
  out.h2 = fmix(out.h2 ^ 0x2545f491);
  return out;
}
