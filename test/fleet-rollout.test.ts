import { describe, expect, it } from 'vitest';
import { pickCanaries } from '@genswap/fleet';
import { allSynced, fleetFixture, fleetStatusCli, get, haveEtcd, publish, runRollback, startInstance, stateDir, waitForFleet } from './fixtures/fleet/fleet-harness.js';

describe.skipIf(!haveEtcd())('fleet mode: staged rollout and rollback', () => {
  const { etcd, config } = fleetFixture();

  it('a canary that refuses halts the rollout: the rest keep their revision, fleet status says HALTED', async () => {
    const prefix = 'canary-halt';
    await publish(etcd.endpoint, prefix, config.write(1));
    const ids = ['c-a', 'c-b', 'c-c'];
    const [canary] = pickCanaries(ids, 1);
    const instances = await Promise.all(ids.map((id) => startInstance(etcd.endpoint, prefix, id, stateDir(), id === canary ? ['--max-list-bytes', '1000'] : [])));
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 1));
    const out = await publish(etcd.endpoint, prefix, config.write(2, 500), ['--canary', '1', '--timeout', '15000']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`canary ${canary} refused revision 2.*GENSWAP_FLEET_CANARY_HALTED`));
    const status = await fleetStatusCli(etcd.endpoint, prefix);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`staged rollout: canaries ${canary}; HALTED`));
    expect(status.stdout).toMatch(new RegExp(`${canary}\\s+REFUSED\\s+r1`));
    for (const instance of instances) {
      expect((await get(instance.serve.url)).body.label).toBe('v1');
      if (instance.id !== canary) expect(status.stdout).toMatch(new RegExp(`${instance.id}\\s+HELD\\s+r1`));
    }
  });

  it('a canary rollout that the canaries accept is released to the rest; rollback goes back by publishing again', async () => {
    const prefix = 'canary-ok';
    await publish(etcd.endpoint, prefix, config.write(1));
    const ids = ['k-a', 'k-b', 'k-c'];
    await Promise.all(ids.map((id) => startInstance(etcd.endpoint, prefix, id, stateDir())));
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 1));
    const out = await publish(etcd.endpoint, prefix, config.write(2), ['--canary', '2', '--timeout', '15000']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toMatch(/released to the rest/);
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 2));

    const back = await runRollback(etcd.endpoint, prefix, 1);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/^published revision 3: the files of revision 1 again/);
    const status = await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 3));
    expect(status.newest!.rollbackOf).toBe(1);
    const missing = await runRollback(etcd.endpoint, prefix, 99);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/GENSWAP_FLEET_NO_REVISION/);
  });
});
