import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, chunkIndex, readFileChunks, writeFileChunks } from './chunks.js';
import type { EtcdClient } from './etcd/etcd-client.js';
import { fleetKeys } from './keys.js';
import { listManifests, publishFiles, readManifest, rollback } from './publish.js';
import { haveEtcd } from './testing/etcd-server.js';
import { useEtcd } from './test-support/use-etcd.js';

const text = (s: string) => Buffer.from(s);

describe.skipIf(!haveEtcd())('publish against a real etcd', () => {
  let etcd: EtcdClient;
  useEtcd((client) => (etcd = client));

  it('a 1M-entry list travels as chunks below the request limit and comes back byte for byte', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const big = Buffer.from(`${lines.join('\n')}\n`);
    const { manifest, chunks } = await publishFiles(etcd, { prefix: 'big', files: [{ path: 'c.yaml', bytes: text('x: 1\n') }, { path: 'lists/deny.txt', bytes: big }] });
    const list = manifest.files[1]!;
    expect(list.chunks.length).toBe(Math.ceil(big.length / CHUNK_BYTES));
    expect(chunks.written).toBe(list.chunks.length + 1);
    expect(JSON.stringify(manifest).length).toBeLessThan(4096);
    expect((await readFileChunks(etcd, fleetKeys('big'), list)).equals(big)).toBe(true);
    // An instance holding the previous copy fetches only the chunks it lacks: here none.
    const known = chunkIndex([big]);
    await etcd.deleteRange(fleetKeys('big').chunk(list.chunks[0]!));
    expect((await readFileChunks(etcd, fleetKeys('big'), list, known)).equals(big)).toBe(true);
    await writeFileChunks(etcd, fleetKeys('big'), list.path, big, { written: 0, reused: 0, bytesWritten: 0 });
    // Publishing the same content again writes no chunk: the keys are their content's sha256.
    const again = await publishFiles(etcd, { prefix: 'big', files: [{ path: 'c.yaml', bytes: text('x: 2\n') }, { path: 'lists/deny.txt', bytes: big }] });
    expect(again.chunks).toMatchObject({ written: 1, reused: list.chunks.length });
    expect(again.manifest.revision).toBe(2);
  }, 60_000);

  it('regression: a publisher that read the manifest before another swapped it gets GENSWAP_FLEET_CONFLICT', async () => {
    await publishFiles(etcd, { prefix: 'race', files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    const slow = publishFiles(etcd, {
      prefix: 'race',
      files: [{ path: 'c.yaml', bytes: text('v: slow\n') }],
      // The other publisher wins while this one sits between its read and its swap.
      beforeManifest: async () => void (await publishFiles(etcd, { prefix: 'race', files: [{ path: 'c.yaml', bytes: text('v: fast\n') }] })),
    });
    await expect(slow).rejects.toMatchObject({ code: 'GENSWAP_FLEET_CONFLICT' });
    const { manifest } = await readManifest(etcd, 'race');
    expect(manifest!.revision).toBe(2);
    expect((await listManifests(etcd, 'race')).map((m) => m.revision)).toEqual([1, 2]);
  });

  it('rollback publishes a kept revision again as a new one, even after compaction', async () => {
    const one = await publishFiles(etcd, { prefix: 'rb', files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    await publishFiles(etcd, { prefix: 'rb', files: [{ path: 'c.yaml', bytes: text('v: 2\n') }] });
    await etcd.compact(await etcd.put('rb-marker', 'x'));
    const back = await rollback(etcd, 'rb', 1);
    expect(back.manifest).toMatchObject({ revision: 3, sha256: one.manifest.sha256, rollbackOf: 1 });
    await expect(rollback(etcd, 'rb', 7)).rejects.toMatchObject({ code: 'GENSWAP_FLEET_NO_REVISION' });
  });

  it('a missing or altered chunk is GENSWAP_FLEET_CORRUPT, not a config', async () => {
    const { manifest } = await publishFiles(etcd, { prefix: 'bad', files: [{ path: 'c.yaml', bytes: text('v: 1\n') }] });
    const file = manifest.files[0]!;
    await etcd.put(fleetKeys('bad').chunk(file.chunks[0]!), 'v: 666\n');
    await expect(readFileChunks(etcd, fleetKeys('bad'), file)).rejects.toMatchObject({ code: 'GENSWAP_FLEET_CORRUPT' });
    await etcd.deleteRange(fleetKeys('bad').chunk(file.chunks[0]!));
    await expect(readFileChunks(etcd, fleetKeys('bad'), file)).rejects.toMatchObject({ code: 'GENSWAP_FLEET_CORRUPT' });
  });
});
