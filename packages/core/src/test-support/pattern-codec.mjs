// A zero-copy codec whose every word derives from the generation number, so a reader can
// check a value completely: word 0 = n, word 1 = length in words, word i = imul(n, 31) + i.
// decode() returns an Int32Array view straight into the slot's shared bytes.
export const patternCodec = {
  name: 'pattern',
  encode(n) {
    const words = wordsFor(n);
    const a = new Int32Array(words);
    a[0] = n;
    a[1] = words;
    const base = Math.imul(n, 31);
    for (let i = 2; i < words; i++) a[i] = (base + i) | 0;
    return new Uint8Array(a.buffer);
  },
  decode(bytes) {
    return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  },
};

/** Mostly small values, now and then a big one so slots grow while in use. */
export function wordsFor(n) {
  return n % 997 === 0 ? 65_536 + (n % 7) : 8 + ((n * 7) % 500);
}

/** Returns a description of the first mismatch, or undefined when the view is intact. */
export function verifyPattern(view, generation) {
  if (view[0] !== generation) return `word 0 is ${view[0]}, lease says generation ${generation}`;
  const words = wordsFor(generation);
  if (view[1] !== words || view.length !== words) return `generation ${generation}: length ${view.length}/${view[1]}, expected ${words}`;
  const base = Math.imul(generation, 31);
  for (let i = 2; i < words; i++) {
    if (view[i] !== ((base + i) | 0)) return `generation ${generation}: word ${i} is ${view[i]}`;
  }
  return undefined;
}
