/**
 * A keyed hash of rate-limit keys: HalfSipHash-2-4's rounds (Aumasson & Bernstein's SipHash
 * on 32-bit words, the variant the Linux kernel uses for hash tables), keyed with a 64-bit
 * secret chosen when the rate-limit state is created and kept in its shared buffer, so every
 * worker thread hashes alike and nobody outside the process knows the key.
 *
 * Why keyed: with a fixed hash, addresses that share a victim's table entries can be found
 * offline in well under a second; a few dozen requests from them then evict or crowd the
 * victim's counter. Without the key, where a key lands is unpredictable.
 *
 * The message is a sequence of 32-bit words: hashWord absorbs one, hashString absorbs two
 * UTF-16 units per word and then the length (so ("ab", "c") and ("a", "bc") differ). The
 * 64-bit output is split into h1, the fingerprint stored in the table (never 0: 0 marks an
 * unused entry), and h2, which picks the home entry. This is a streaming use of the rounds
 * over whole words, not byte-for-byte the reference function (its test vectors do not apply).
 */

/** Longest header value hashed; longer values are keyed by their first MAX_KEY_CHARS chars. */
export const MAX_KEY_CHARS = 1024;

export interface KeyHash {
  h1: number;
  h2: number;
  /** Internal state while absorbing. */
  v0: number;
  v1: number;
  v2: number;
  v3: number;
  words: number;
}

export function newKeyHash(): KeyHash {
  return { h1: 0, h2: 0, v0: 0, v1: 0, v2: 0, v3: 0, words: 0 };
}

function rounds(h: KeyHash, n: number): void {
  let { v0, v1, v2, v3 } = h;
  for (let i = 0; i < n; i++) {
    v0 = (v0 + v1) | 0;
    v1 = (v1 << 5) | (v1 >>> 27);
    v1 ^= v0;
    v0 = (v0 << 16) | (v0 >>> 16);
    v2 = (v2 + v3) | 0;
    v3 = (v3 << 8) | (v3 >>> 24);
    v3 ^= v2;
    v0 = (v0 + v3) | 0;
    v3 = (v3 << 7) | (v3 >>> 25);
    v3 ^= v0;
    v2 = (v2 + v1) | 0;
    v1 = (v1 << 13) | (v1 >>> 19);
    v1 ^= v2;
    v2 = (v2 << 16) | (v2 >>> 16);
  }
  h.v0 = v0;
  h.v1 = v1;
  h.v2 = v2;
  h.v3 = v3;
}

/** Starts a hash under the 64-bit `seed` (seed[0], seed[1]: RateTable.seed). */
export function startHash(out: KeyHash, seed: Uint32Array): KeyHash {
  const k0 = seed[0]! | 0;
  const k1 = seed[1]! | 0;
  out.v0 = k0;
  out.v1 = k1 ^ 0xee; // 64-bit output variant
  out.v2 = 0x6c796765 ^ k0;
  out.v3 = 0x74656462 ^ k1;
  out.words = 0;
  return out;
}

export function hashWord(out: KeyHash, word: number): KeyHash {
  out.v3 ^= word;
  rounds(out, 2);
  out.v0 ^= word;
  out.words++;
  return out;
}

export function hashString(out: KeyHash, text: string): KeyHash {
  const n = Math.min(text.length, MAX_KEY_CHARS);
  let i = 0;
  for (; i + 1 < n; i += 2) hashWord(out, text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16));
  if (i < n) hashWord(out, text.charCodeAt(i)); // the length word below tells "a" from "a\0"
  return hashWord(out, n ^ 0x5a5a_0000);
}

/** Finishes the hash into h1 (never 0) and h2. */
export function finishHash(out: KeyHash): KeyHash {
  const b = (out.words & 0xff) << 24;
  out.v3 ^= b;
  rounds(out, 2);
  out.v0 ^= b;
  out.v2 ^= 0xee;
  rounds(out, 4);
  const h1 = (out.v1 ^ out.v3) >>> 0;
  out.v1 ^= 0xdd;
  rounds(out, 4);
  out.h1 = h1 === 0 ? 1 : h1;
  out.h2 = (out.v1 ^ out.v3) >>> 0;
  return out;
}
