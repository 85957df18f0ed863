import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { killAll } from './fixtures/serve/serve-process.js';
import { allSynced, EtcdServer, haveEtcd, publish, startInstance, stateDir, waitForFleet } from './fixtures/fleet/fleet-harness.js';

const ENTRIES = 1_000_000;

/** The gateway's verdict for a client address (forwarded by a trusted proxy, 127.0.0.1). */
function verdict(url: string, client: string): Promise<{ status: number; revision: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { agent: false, headers: { 'x-forwarded-for': client } }, (res) => {
      res.resume().on('end', () => resolve({ status: res.statusCode ?? 0, revision: res.headers['x-genswap-fleet-revision'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(!haveEtcd())('fleet mode with a 1,000,000-entry list', () => {
  const etcd = new EtcdServer();
  const dir = mkdtempSync(join(tmpdir(), 'genswap-fleet-big-'));
  beforeAll(() => etcd.start());
  afterEach(() => killAll());
  afterAll(async () => {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a gateway config with a 1M-entry deny list (14 MB, ten times etcd\'s request limit) reaches every instance', async () => {
    const prefix = 'big';
    const config = join(dir, 'gateway.yaml');
    mkdirSync(join(dir, 'lists'));
    writeFileSync(join(dir, 'lists', 'deny.txt'), '# nothing yet\n');
    writeFileSync(config, 'trustedProxies:\n  - { addresses: [127.0.0.1/32], sets: nginx }\nip:\n  denyFiles: [lists/deny.txt]\n');
    expect((await publish(etcd.endpoint, prefix, config, [], 'gateway')).code).toBe(0);
    const ids = ['g1', 'g2'];
    const instances = await Promise.all(ids.map((id) => startInstance(etcd.endpoint, prefix, id, stateDir(), [], 'gateway')));
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 1));
    expect((await verdict(instances[0]!.serve.url, '16.0.0.4')).status).toBe(200);

    // Every fourth address from 16.0.0.0 on.
    const lines: string[] = [];
    for (let i = 0; i < ENTRIES; i++) {
      const a = 0x1000_0000 + 4 * i;
      lines.push(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
    }
    writeFileSync(join(dir, 'lists', 'deny.txt'), `${lines.join('\n')}\n`);
    const out = await publish(etcd.endpoint, prefix, config, [], 'gateway');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^published revision 2 \(.*, 2 files, 1[0-9] chunks written/);
    await waitForFleet(etcd.endpoint, prefix, allSynced(ids, 2), 40_000);
    for (const instance of instances) {
      expect(await verdict(instance.serve.url, '16.0.0.4')).toEqual({ status: 403, revision: '2' });
      expect(await verdict(instance.serve.url, '16.0.0.5')).toEqual({ status: 200, revision: '2' });
    }
  }, 90_000);
});
