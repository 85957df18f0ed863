import { describe, expect, it } from 'vitest';
import { readFileChunks, writeFileChunks } from './chunks.js';
import type { EtcdClient } from './etcd/etcd-client.js';
import { fleetKeys } from './keys.js';
import type { Manifest } from './manifest.js';
import { pruneFleet } from './prune.js';
import { listManifests, publishFiles, readManifest, rollback, updateRollout } from './publish.js';
import { haveEtcd } from './testing/etcd-server.js';
import { useEtcd } from './test-support/use-etcd.js';

const text = (s: string) => Buffer.from(s);

/** A list of `lines` distinct lines, different for each `seed`: its own chunks. */
function list(seed: number, lines = 200): Buffer {
  return Buffer.from(Array.from({ length: lines }, (_, i) => `10.${seed}.${i >> 8}.${i & 255}`).join('\n') + '\n');
}

describe.skipIf(!haveEtcd())('fleet prune against a real etcd', () => {
  let etcd: EtcdClient;
  useEtcd((client) => (etcd = client));

  const chunkKeys = async (prefix: string): Promise<string[]> => (await etcd.range(fleetKeys(prefix).chunks, { prefix: true, keysOnly: true })).kvs.map((kv) => kv.key).sort();
  const chunksOf = (prefix: string, ...manifests: Manifest[]): string[] => [...new Set(manifests.flatMap((m) => m.files.flatMap((f) => f.chunks.map((c) => fleetKeys(prefix).chunk(c)))))].sort();
  const readBack = async (prefix: string, m: Manifest): Promise<Buffer[]> => Promise.all(m.files.map((f) => readFileChunks(etcd, fleetKeys(prefix), f)));

  it('keeps the newest revisions and exactly the chunks they use; the rest, orphans included, is deleted', async () => {
    const prefix = 'keep';
    const shared = list(99);
    const published: Manifest[] = [];
    for (let r = 1; r <= 5; r++) {
      const files = [{ path: 'c.yaml', bytes: text(`v: ${r}\n`) }, { path: 'lists/own.txt', bytes: list(r) }, { path: 'lists/shared.txt', bytes: shared }];
      published.push((await publishFiles(etcd, { prefix, files })).manifest);
    }
    // A publisher that died after writing its chunks, before its swap.
    await writeFileChunks(etcd, fleetKeys(prefix), 'lists/orphan.txt', list(77), { written: 0, reused: 0, bytesWritten: 0 });
    const before = await chunkKeys(prefix);

    const dry = await pruneFleet(etcd, prefix, { keep: 2, dryRun: true });
    expect(dry).toMatchObject({ live: 5, kept: [4, 5], keptForInstances: [], removedRevisions: [1, 2, 3], dryRun: true });
    expect(await chunkKeys(prefix)).toEqual(before); // a dry run deletes nothing
    expect((await listManifests(etcd, prefix)).map((m) => m.revision)).toEqual([1, 2, 3, 4, 5]);

    const done = await pruneFleet(etcd, prefix, { keep: 2 });
    expect(done).toMatchObject({ live: 5, kept: [4, 5], removedRevisions: [1, 2, 3], removedChunks: dry.removedChunks, dryRun: false });
    const kept = chunksOf(prefix, published[3]!, published[4]!);
    expect(await chunkKeys(prefix)).toEqual(kept);
    expect(done.keptChunks).toBe(kept.length);
    // Three revisions' own config and list chunks, and the orphan: everything else was shared or kept.
    expect(done.removedChunks).toBe(before.length - kept.length);
    expect(done.removedChunks).toBe(3 * 2 + 1);
    expect((await listManifests(etcd, prefix)).map((m) => m.revision)).toEqual([4, 5]);
    for (const m of [published[3]!, published[4]!]) {
      const files = await readBack(prefix, m);
      expect(files[1]!.equals(list(m.revision))).toBe(true);
      expect(files[2]!.equals(shared)).toBe(true);
    }
    // The live manifest was put back unchanged.
    expect((await readManifest(etcd, prefix)).manifest).toEqual(published[4]);
    // Rollback reaches the kept revisions only.
    await expect(rollback(etcd, prefix, 2)).rejects.toMatchObject({ code: 'GENSWAP_FLEET_NO_REVISION' });
    expect((await rollback(etcd, prefix, 4)).manifest).toMatchObject({ revision: 6, rollbackOf: 4, sha256: published[3]!.sha256 });
    // Pruning again finds nothing more to remove: the rollback's files are revision 4's.
    expect(await pruneFleet(etcd, prefix, { keep: 3 })).toMatchObject({ kept: [4, 5, 6], removedRevisions: [], removedChunks: 0 });
  });

  it('keeps every revision an instance reports serving or fetching, whatever --keep says', async () => {
    const prefix = 'reported';
    const published: Manifest[] = [];
    for (let r = 1; r <= 4; r++) published.push((await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text(`v: ${r}\n`) }, { path: 'l.txt', bytes: list(r) }] })).manifest);
    const keys = fleetKeys(prefix);
    const report = (id: string, serving: number, target?: number) =>
      JSON.stringify({ format: 1, id, host: 'h', pid: 1, listen: 'http://127.0.0.1:1', phase: target === undefined ? 'REFUSED' : 'APPLYING', serving: { revision: serving, sha256: published[serving - 1]!.sha256, since: '' }, ...(target !== undefined ? { target: { revision: target, sha256: published[target - 1]!.sha256 } } : {}), updatedAt: '' });
    await etcd.put(keys.member('old'), report('old', 1)); // a member record: a stopped instance restarts on it
    await etcd.put(keys.instance('slow'), report('slow', 1, 2));
    const done = await pruneFleet(etcd, prefix, { keep: 1 });
    expect(done).toMatchObject({ live: 4, kept: [1, 2, 4], keptForInstances: [1, 2], removedRevisions: [3] });
    expect(await chunkKeys(prefix)).toEqual(chunksOf(prefix, published[0]!, published[1]!, published[3]!));
    for (const m of [published[0]!, published[1]!]) expect((await readBack(prefix, m))[1]!.equals(list(m.revision))).toBe(true);
  });

  it('a publish that lands between the plan and the deletes: the prune plans again and keeps the chunk the new revision reuses', async () => {
    const prefix = 'race-publish';
    const reused = list(5);
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 1\n') }, { path: 'l.txt', bytes: reused }] });
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 2\n') }, { path: 'l.txt', bytes: list(6) }] });
    let third: Manifest | undefined;
    // Planned with revision 2 live, keep 1: revision 1's list is to go. Revision 3 then brings it back
    // by reuse (its chunk exists, so the publisher does not write it).
    const done = await pruneFleet(etcd, prefix, {
      keep: 1,
      beforeDelete: async () => {
        const out = await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 3\n') }, { path: 'l.txt', bytes: reused }] });
        expect(out.chunks.reused).toBeGreaterThan(0);
        third = out.manifest;
      },
    });
    expect(done).toMatchObject({ live: 3, kept: [3], removedRevisions: [1, 2] });
    expect((await readBack(prefix, third!))[1]!.equals(reused)).toBe(true);
    expect(await chunkKeys(prefix)).toEqual(chunksOf(prefix, third!));
  });

  it('a prune between a publisher\'s chunk writes and its swap: the publisher writes them again and its revision is whole', async () => {
    const prefix = 'race-prune';
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    const big = list(8, 5000);
    let pruned = 0;
    const out = await publishFiles(etcd, {
      prefix,
      files: [{ path: 'c.yaml', bytes: text('v: 2\n') }, { path: 'l.txt', bytes: big }],
      // The new chunks are stored but no manifest names them yet: to the prune they are orphans.
      beforeManifest: async () => void (pruned = (await pruneFleet(etcd, prefix, { keep: 1 })).removedChunks),
    });
    expect(pruned).toBe(2);
    expect(out.manifest.revision).toBe(2);
    expect(out.chunks.written).toBe(4); // both chunks twice: the prune had removed them
    const files = await readBack(prefix, out.manifest);
    expect(files[1]!.equals(big)).toBe(true);
  });

  it('a rollout update between a prune\'s put-backs goes through, and so does one racing it', async () => {
    const prefix = 'race-rollout';
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 2\n') }], canaries: ['a'] });
    await pruneFleet(etcd, prefix, { keep: 1 });
    const released = await updateRollout(etcd, prefix, 2, { canaries: ['a'], released: true });
    expect((await readManifest(etcd, prefix)).manifest).toEqual(released);
    // Planned before the release, applied after: the guard fails, the prune plans again and puts back the released manifest.
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 3\n') }], canaries: ['a'] });
    let release: Manifest | undefined;
    await pruneFleet(etcd, prefix, { keep: 1, beforeDelete: async () => void (release = await updateRollout(etcd, prefix, 3, { canaries: ['a'], released: true })) });
    expect((await readManifest(etcd, prefix)).manifest).toEqual(release);
    expect(release!.rollout!.released).toBe(true);
  });

  it('deletes in transactions of at most 101 operations (etcd refuses more than 128)', async () => {
    const prefix = 'many';
    const files = (r: number) => [{ path: 'c.yaml', bytes: text(`v: ${r}\n`) }, ...Array.from({ length: 150 }, (_, i) => ({ path: `l/${i}.txt`, bytes: text(`${r}.${i}\n`) }))];
    await publishFiles(etcd, { prefix, files: files(1) });
    const live = (await publishFiles(etcd, { prefix, files: files(2) })).manifest;
    const done = await pruneFleet(etcd, prefix, { keep: 1 });
    expect(done.removedChunks).toBe(151);
    expect(await chunkKeys(prefix)).toEqual(chunksOf(prefix, live));
  });

  it('refuses what it cannot do safely, with the code that says why', async () => {
    await expect(pruneFleet(etcd, 'nothing-here', { keep: 1 })).rejects.toMatchObject({ code: 'GENSWAP_FLEET_NO_MANIFEST' });
    await expect(pruneFleet(etcd, 'nothing-here', { keep: 0 })).rejects.toThrow(/at least 1/);
    const prefix = 'corrupt';
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    await publishFiles(etcd, { prefix, files: [{ path: 'c.yaml', bytes: text('v: 2\n') }] });
    await etcd.put(fleetKeys(prefix).manifestAt(1), 'not json');
    const before = await chunkKeys(prefix);
    await expect(pruneFleet(etcd, prefix, { keep: 1 })).rejects.toMatchObject({ code: 'GENSWAP_FLEET_CORRUPT' });
    expect(await chunkKeys(prefix)).toEqual(before);
  });
});
