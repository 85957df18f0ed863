/**
 * What npm would publish: every package packed with `pnpm pack`, its contents and metadata
 * checked. No tests, fixtures, test hooks or source maps; README, LICENSE and metadata present.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { PUBLISHED, packAll, tarballFiles, tarballManifest } from './fixtures/pack/packed.js';

const packed = packAll();
afterAll(() => rmSync(packed.dir, { recursive: true, force: true }));

describe.each(PUBLISHED)('the packed %s', (pkg) => {
  const tarball = packed.tarballs.get(pkg)!;
  const files = tarballFiles(tarball);
  const manifest = tarballManifest(tarball);

  it('holds package.json, README.md, LICENSE and built JavaScript', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'dist/index.js'.replace('index', pkg === 'apps/cli' ? 'main' : 'index')]));
  });

  it('holds no tests, fixtures, test hooks, TypeScript sources or source maps', () => {
    const unwanted = files.filter((f) => /\.test\.|test-support|fixtures|(^|\/)testing\.|\.map$|^src\/|\.ts$/.test(f) && !f.endsWith('.d.ts'));
    expect(unwanted).toEqual([]);
  });

  it('is publishable: not private, with repository, homepage, bugs and no workspace: ranges', () => {
    expect(manifest.private).toBeUndefined();
    expect(manifest).toMatchObject({ license: 'MIT', repository: { type: 'git', directory: pkg }, homepage: expect.any(String), bugs: { url: expect.any(String) } });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });
});

describe('the published surface', () => {
  it('ships no @genswap/core/testing export (race-test hooks stay in the repository)', () => {
    const exports = tarballManifest(packed.tarballs.get('packages/core')!).exports as Record<string, unknown>;
    expect(Object.keys(exports)).toEqual(['.']);
  });

  it('makes zod a peer dependency (zod 4) of the libraries', () => {
    for (const pkg of ['packages/config', 'packages/supervisor', 'apps/gateway']) {
      const manifest = tarballManifest(packed.tarballs.get(pkg)!) as { peerDependencies?: Record<string, string>; dependencies?: Record<string, string> };
      expect(manifest.peerDependencies).toEqual({ zod: '^4.0.0' });
      expect(manifest.dependencies?.zod).toBeUndefined();
    }
  });

  it('puts the genswap bin in @genswap/cli, which npx can run', () => {
    const manifest = tarballManifest(packed.tarballs.get('apps/cli')!);
    expect(manifest).toMatchObject({ name: '@genswap/cli', bin: { genswap: './bin/genswap.js' } });
    expect(tarballFiles(packed.tarballs.get('apps/cli')!)).toContain('bin/genswap.js');
  });
});
