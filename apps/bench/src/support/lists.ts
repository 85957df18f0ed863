import { writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Deterministic deny lists for the list-size scenarios (config-load, big-config, big-list), so
 * every scenario and every run compares like with like.
 */

export function dotted(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** N distinct /32 and /24 entries in 11.0.0.0/8 and up, deterministic. */
export function listEntries(n: number): string[] {
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = i % 4 === 0 ? `${dotted(0x0b000000 + i * 256)}/24` : dotted(0x0b000000 + i * 256 + (i % 251));
  return out;
}

/** Writes `<dir>/<name>` as a list file (one entry per line, a comment first); returns its path. */
export function writeListFile(dir: string, name: string, entries: readonly string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `# ${entries.length} entries\n${entries.join('\n')}\n`);
  return file;
}

/** Deterministic pseudo-random uint32s (xorshift32). */
export function randomWords(count: number, seed: number): Uint32Array {
  const out = new Uint32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x >>> 0;
  }
  return out;
}

/** `10k`, `100k`, `1M`: list sizes as the tables name them. */
export function sizeLabel(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n);
}
