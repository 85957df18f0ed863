import { describe, expect, it } from 'vitest';
import { contentSha, isSafeRelativePath, type Manifest, parseManifest } from './manifest.js';

const file = { path: 'c.yaml', size: 1, sha256: 'a'.repeat(64), chunks: ['a'.repeat(64)] };
const manifest = (over: Partial<Manifest> = {}): Buffer => {
  const files = over.files ?? [file];
  return Buffer.from(JSON.stringify({ format: 1, revision: 1, sha256: contentSha(files), publishedAt: '', message: '', config: 'c.yaml', files, ...over }));
};

describe('manifests', () => {
  it('parses a well-formed manifest', () => {
    expect(parseManifest(manifest(), 'k').revision).toBe(1);
  });

  it('refuses paths that leave the state directory', () => {
    for (const path of ['../x', '/etc/passwd', 'a/../../x', 'a/./b', '.', '']) expect(isSafeRelativePath(path), path).toBe(false);
    for (const path of ['lists/deny.txt', 'c.yaml', 'a/b..c/d']) expect(isSafeRelativePath(path), path).toBe(true);
    const evil = [{ ...file, path: '../../etc/cron.d/x' }];
    expect(() => parseManifest(manifest({ files: evil, config: '../../etc/cron.d/x' }), 'k')).toThrow(/leaves its directory/);
  });

  it('refuses a manifest whose sha256 does not name its files', () => {
    expect(() => parseManifest(manifest({ sha256: 'b'.repeat(64) }), 'k')).toThrow(/GENSWAP|sha256/);
  });
});
