import { describe, expect, it } from 'vitest';
import { EtcdClient, fleetKeys, listManifests } from '@genswap/fleet';
import { runCli } from './fixtures/serve/serve-process.js';
import { allSynced, fleetFixture, get, haveEtcd, publish, startInstance, stateDir, waitForFleet } from './fixtures/fleet/fleet-harness.js';

const prune = (endpoint: string, prefix: string, extra: string[]) => runCli(['fleet', 'prune', '--etcd', endpoint, '--prefix', prefix, ...extra]);

describe.skipIf(!haveEtcd())('genswap fleet prune with instances following the fleet', () => {
  const { etcd, config } = fleetFixture();

  it('removes what no instance needs, keeps what a refusing instance serves, and reloads no one', async () => {
    const prefix = 'prune';
    await publish(etcd.endpoint, prefix, config.write(1, 2));
    const [ok, strict] = await Promise.all([
      startInstance(etcd.endpoint, prefix, 'ok', stateDir()),
      startInstance(etcd.endpoint, prefix, 'strict', stateDir(), ['--max-list-bytes', '1000']),
    ]);
    await waitForFleet(etcd.endpoint, prefix, allSynced(['ok', 'strict'], 1));
    // strict refuses the big lists of revisions 2 and 3 and keeps serving revision 1.
    for (const n of [2, 3]) {
      await publish(etcd.endpoint, prefix, config.write(n, 500));
      await waitForFleet(etcd.endpoint, prefix, (s) => allSynced(['ok'], n)(s) && s.instances.some((i) => i.id === 'strict' && i.report.refused?.revision === n));
    }
    const client = new EtcdClient(etcd.endpoint);
    const chunks = async () => (await client.range(fleetKeys(prefix).chunks, { prefix: true, keysOnly: true })).kvs.length;
    const before = await chunks();

    const dry = await prune(etcd.endpoint, prefix, ['--keep', '1', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toBe(`would remove 1 revision (2) and 2 chunks; keeps revisions 1, 3 (live: 3; 1 only because instances still use it) and ${before - 2} chunks\n`);
    expect(await chunks()).toBe(before);

    const generation = (await get(ok.serve.url)).generation;
    const done = await prune(etcd.endpoint, prefix, ['--keep', '1', '--json']);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toEqual({ live: 3, kept: [1, 3], keptForInstances: [1], removedRevisions: [2], removedChunks: 2, keptChunks: before - 2, dryRun: false });
    expect(await chunks()).toBe(before - 2);
    expect((await listManifests(client, prefix)).map((m) => m.revision)).toEqual([1, 3]);

    // The put-back of revision 3 reloaded nothing: the next publish is the very next generation.
    await publish(etcd.endpoint, prefix, config.write(4, 2));
    await waitForFleet(etcd.endpoint, prefix, allSynced(['ok', 'strict'], 4));
    const answer = await get(ok.serve.url);
    expect(answer.revision).toBe('4');
    expect(Number(answer.generation)).toBe(Number(generation) + 1);
    expect((await get(strict.serve.url)).body.label).toBe('v4');

    const bad = await prune(etcd.endpoint, prefix, ['--keep', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--keep must be an integer from 1/);
    const none = await prune(etcd.endpoint, 'nothing-published', []);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/GENSWAP_FLEET_NO_MANIFEST/);
  });
});
