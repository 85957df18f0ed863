import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalState } from './local-state.js';
import { contentSha, type Manifest, sha256 } from './manifest.js';

function revision(n: number): { manifest: Manifest; files: Map<string, Uint8Array> } {
  const bytes = new Map<string, Uint8Array>([['c.yaml', Buffer.from(`v: ${n}\n`)], ['lists/w.txt', Buffer.from(`w${n}\n`)]]);
  const files = [...bytes].map(([path, b]) => ({ path, size: b.length, sha256: sha256(b), chunks: [sha256(b)] }));
  return { manifest: { format: 1, revision: n, sha256: contentSha(files), publishedAt: '', message: '', config: 'c.yaml', files }, files: bytes };
}

describe('LocalState', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const state = () => {
    const dir = mkdtempSync(join(tmpdir(), 'genswap-local-'));
    dirs.push(dir);
    return new LocalState(dir);
  };

  it('current is only what was marked, never a revision merely written', () => {
    const local = state();
    expect(local.current()).toBeUndefined();
    const one = revision(1);
    const written = local.materialize(one.manifest, one.files);
    expect(readFileSync(join(written.dir, 'lists/w.txt'), 'utf8')).toBe('w1\n');
    expect(local.current()).toBeUndefined();
    local.markCurrent(1);
    const two = revision(2);
    local.materialize(two.manifest, two.files);
    expect(local.current()!.manifest.revision).toBe(1);
    local.markCurrent(2);
    expect(local.current()).toMatchObject({ manifest: { revision: 2 }, configFile: join(local.dir, 'revisions', '2', 'c.yaml') });
  });

  it('prune keeps the named revisions and drops leftovers of interrupted writes', () => {
    const local = state();
    for (const n of [1, 2, 3]) local.materialize(revision(n).manifest, revision(n).files);
    local.prune(new Set([3]));
    expect(readdirSync(join(local.dir, 'revisions'))).toEqual(['3']);
  });
});
