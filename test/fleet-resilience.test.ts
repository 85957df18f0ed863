import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { EtcdClient, fleetKeys } from '@genswap/fleet';
import { APP, CLI, REPO } from './fixtures/serve/serve-process.js';
import { allSynced, fleetFixture, get, haveEtcd, publish, startInstance, stateDir, waitForFleet } from './fixtures/fleet/fleet-harness.js';

const revisionOf = async (etcd: EtcdClient, prefix: string): Promise<number> => {
  const kv = await etcd.get(fleetKeys(prefix).manifest);
  return kv === undefined ? 0 : (JSON.parse(kv.value.toString()) as { revision: number }).revision;
};

describe.skipIf(!haveEtcd())('fleet mode: etcd restarts, compaction, dead publishers, booting with etcd down', () => {
  const { etcd, config } = fleetFixture();

  it('etcd SIGKILLed mid-rollout and restarted: instances converge without restarting', async () => {
    const prefix = 'restart';
    await publish(etcd.endpoint, prefix, config.write(1));
    const ids = ['r1', 'r2', 'r3'];
    const instances = await Promise.all(ids.map((id) => startInstance(etcd.endpoint, prefix, id, stateDir())));
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 1));
    expect((await publish(etcd.endpoint, prefix, config.write(2, 5000))).code).toBe(0);
    // The instances are inside their jitter window or fetching chunks now.
    await etcd.kill('SIGKILL');
    await etcd.start();
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 2));
    for (const instance of instances) {
      expect(instance.serve.child.exitCode).toBeNull();
      expect((await get(instance.serve.url)).body.label).toBe('v2');
    }
  });

  it('compaction past a SIGSTOPped instance: after SIGCONT it converges on the newest revision', async () => {
    const prefix = 'compact';
    await publish(etcd.endpoint, prefix, config.write(1));
    const [sleeper, awake] = await Promise.all([startInstance(etcd.endpoint, prefix, 'sleeper', stateDir()), startInstance(etcd.endpoint, prefix, 'awake', stateDir())]);
    await waitForFleet(etcd.endpoint, prefix, allSynced(['sleeper', 'awake'], 1));
    process.kill(sleeper.serve.pid, 'SIGSTOP');
    try {
      await publish(etcd.endpoint, prefix, config.write(2));
      await publish(etcd.endpoint, prefix, config.write(3));
      await waitForFleet(etcd.endpoint, prefix, allSynced(['awake'], 3));
      const client = new EtcdClient(etcd.endpoint);
      // Past every revision the sleeper saw: its watch cannot resume from history.
      await client.compact(await client.put(`${prefix}/compaction-marker`, 'x'));
    } finally {
      process.kill(sleeper.serve.pid, 'SIGCONT');
    }
    await waitForFleet(etcd.endpoint, prefix, allSynced(['sleeper', 'awake'], 3));
    expect((await get(sleeper.serve.url)).body.label).toBe('v3');
    expect((await get(awake.serve.url)).revision).toBe('3');
  });

  it('a publisher killed between writing chunks and the manifest changes no instance', async () => {
    const prefix = 'dead-publisher';
    await publish(etcd.endpoint, prefix, config.write(1));
    const instance = await startInstance(etcd.endpoint, prefix, 'p1', stateDir());
    await waitForFleet(etcd.endpoint, prefix, allSynced(['p1'], 1));
    config.write(2, 1000);
    const child = spawn(process.execPath, [CLI, 'fleet', 'publish', '--etcd', etcd.endpoint, '--prefix', prefix, '--schema', APP, config.file], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GENSWAP_FLEET_TEST_PAUSE_BEFORE_MANIFEST: '1' },
    });
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => reject(new Error(`publisher never reached the manifest: ${stderr}`)), 15_000);
      child.stderr.setEncoding('utf8').on('data', (s: string) => {
        stderr += s;
        if (stderr.includes('chunks written')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const client = new EtcdClient(etcd.endpoint);
    expect(await revisionOf(client, prefix)).toBe(1);
    expect((await client.range(fleetKeys(prefix).chunk(''), { prefix: true, keysOnly: true })).kvs.length).toBeGreaterThan(2);
    // The instance saw no manifest change; a publish after it is revision 2 as if nothing happened.
    expect((await get(instance.serve.url)).body.label).toBe('v1');
    expect((await publish(etcd.endpoint, prefix, config.write(3))).stdout).toMatch(/^published revision 2 /);
    await waitForFleet(etcd.endpoint, prefix, allSynced(['p1'], 2));
    expect((await get(instance.serve.url)).body.label).toBe('v3');
  });

  it('boots from the local last good config while etcd is down, reports stale since, and syncs when etcd is back', async () => {
    const prefix = 'offline-boot';
    await publish(etcd.endpoint, prefix, config.write(1));
    const dir = stateDir();
    const first = await startInstance(etcd.endpoint, prefix, 'o1', dir);
    await waitForFleet(etcd.endpoint, prefix, allSynced(['o1'], 1));
    first.serve.child.kill('SIGTERM');
    await first.serve.exited;
    await etcd.kill('SIGKILL');
    try {
      const offline = await startInstance(etcd.endpoint, prefix, 'o1', dir);
      const warning = JSON.parse(await offline.serve.waitForLine(/serving the last good local config/)) as { staleSince: string; revision: number };
      expect(warning.revision).toBe(1);
      expect(Number.isNaN(Date.parse(warning.staleSince))).toBe(false);
      const answer = await get(offline.serve.url);
      expect(answer.body.label).toBe('v1');
      expect(answer.revision).toBe('1');
    } finally {
      await etcd.start();
    }
    // Published while the instance was offline is applied once etcd is back.
    await publish(etcd.endpoint, prefix, config.write(2));
    const status = await waitForFleet(etcd.endpoint, prefix, (s) => allSynced(['o1'], 2)(s) && s.instances.find((i) => i.id === 'o1')!.report.staleSince === undefined);
    expect(status.instances.find((i) => i.id === 'o1')!.report.pid).not.toBe(first.serve.pid);
  });

  it('with etcd down and no local copy, serve refuses to start with GENSWAP_FLEET_NO_LOCAL_CONFIG', async () => {
    const down = `http://127.0.0.1:1`;
    await expect(startInstance(down, 'none', 'n1', stateDir())).rejects.toThrow(/GENSWAP_FLEET_NO_LOCAL_CONFIG/);
  });
});
