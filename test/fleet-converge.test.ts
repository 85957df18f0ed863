import { describe, expect, it } from 'vitest';
import { EtcdClient, fleetKeys } from '@genswap/fleet';
import { allSynced, fleetFixture, fleetStatusCli, get, haveEtcd, publish, startInstance, stateDir, waitForFleet } from './fixtures/fleet/fleet-harness.js';

describe.skipIf(!haveEtcd())('fleet mode: publish, converge, refuse', () => {
  const { etcd, config } = fleetFixture();

  it('five instances converge on a publish; fleet status exits 0; answers name the fleet revision', async () => {
    const prefix = 'converge';
    const first = await publish(etcd.endpoint, prefix, config.write(1));
    expect(first.stdout).toMatch(/^published revision 1 /);
    const ids = ['i1', 'i2', 'i3', 'i4', 'i5'];
    const instances = await Promise.all(ids.map((id) => startInstance(etcd.endpoint, prefix, id, stateDir())));
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 1));

    const second = await publish(etcd.endpoint, prefix, config.write(2), ['-m', 'second']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^published revision 2 /);
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 2));
    const status = await fleetStatusCli(etcd.endpoint, prefix);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/newest revision 2 .* "second"/);
    for (const instance of instances) {
      const answer = await get(instance.serve.url);
      expect(answer.body.label).toBe('v2');
      expect(answer.revision).toBe('2');
    }
    // A dead instance is GONE once its lease (ttl=3 s) expires, and does not count against the fleet.
    instances[4]!.serve.child.kill('SIGKILL');
    await instances[4]!.serve.exited;
    await waitForFleet(etcd.endpoint, prefix, (s) => s.instances.find((i) => i.id === 'i5')?.state === 'GONE', 15_000);
    const after = await fleetStatusCli(etcd.endpoint, prefix, ['--forget-gone']);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/i5\s+GONE\s+r2/);
    // A clean stop leaves the fleet at once; the crashed one was forgotten.
    instances[3]!.serve.child.kill('SIGTERM');
    await instances[3]!.serve.exited;
    const left = await waitForFleet(etcd.endpoint, prefix, (s) => s.instances.length === 3);
    expect(left.instances.map((i) => i.id)).toEqual(['i1', 'i2', 'i3']);
  });

  it('a config that fails validation is reported like genswap validate and publishes nothing', async () => {
    const prefix = 'invalid';
    config.write(1);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(config.file, 'version: "seven"\nlabel: bad\nwords: words.txt\n');
    const out = await publish(etcd.endpoint, prefix, config.file);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/config\.yaml:1:\d+: version: .*\[GENSWAP_/);
    const kvs = await new EtcdClient(etcd.endpoint).range(`${prefix}/`, { prefix: true });
    expect(kvs.kvs).toEqual([]);
  });

  it('an instance started with a lower --max-list-bytes is REFUSED with its problems and keeps serving its old revision', async () => {
    const prefix = 'refuse';
    await publish(etcd.endpoint, prefix, config.write(1, 2));
    const [ok, strict] = await Promise.all([
      startInstance(etcd.endpoint, prefix, 'ok', stateDir()),
      startInstance(etcd.endpoint, prefix, 'strict', stateDir(), ['--max-list-bytes', '1000']),
    ]);
    await waitForFleet(etcd.endpoint, prefix, allSynced(['ok', 'strict'], 1));
    await publish(etcd.endpoint, prefix, config.write(2, 500)); // about 4 kB of words
    const status = await waitForFleet(etcd.endpoint, prefix, (s) => s.instances.some((i) => i.id === 'strict' && i.state === 'REFUSED') && allSynced(['ok'], 2)(s));
    const refused = status.instances.find((i) => i.id === 'strict')!;
    expect(refused.serving).toBe(1);
    expect(refused.problems!.map((p) => p.code)).toContain('GENSWAP_CONFIG_TOO_LARGE');
    const cli = await fleetStatusCli(etcd.endpoint, prefix);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/strict\s+REFUSED\s+r1/);
    expect(cli.stdout).toMatch(/words\.txt.*GENSWAP_CONFIG_TOO_LARGE/);
    const answer = await get(strict.serve.url);
    expect(answer.body.label).toBe('v1');
    expect(answer.revision).toBe('1');
    expect((await get(ok.serve.url)).revision).toBe('2');
  });

  it('two publishers racing: one wins, the other gets GENSWAP_FLEET_CONFLICT (exit 3) and changes nothing', async () => {
    const prefix = 'conflict';
    await publish(etcd.endpoint, prefix, config.write(1));
    const results = await Promise.all([publish(etcd.endpoint, prefix, config.file, ['-m', 'a']), publish(etcd.endpoint, prefix, config.file, ['-m', 'b'])]);
    const codes = results.map((r) => r.code).sort();
    // Both can also succeed one after the other (2 then 3): the race is real, not staged.
    const live = await new EtcdClient(etcd.endpoint).get(fleetKeys(prefix).manifest);
    const revision = JSON.parse(live!.value.toString()).revision as number;
    if (codes[1] === 3) {
      expect(codes).toEqual([0, 3]);
      expect(results.find((r) => r.code === 3)!.stderr).toMatch(/GENSWAP_FLEET_CONFLICT/);
      expect(revision).toBe(2);
    } else {
      expect(codes).toEqual([0, 0]);
      expect(revision).toBe(3);
    }
  });
});
