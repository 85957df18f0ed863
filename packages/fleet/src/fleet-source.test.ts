import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReloadRecord } from '@genswap/supervisor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdClient, type RangeResult } from './etcd/etcd-client.js';
import { EtcdSource } from './fleet-source.js';
import { publishFiles } from './publish.js';
import { EtcdServer, haveEtcd } from './testing/etcd-server.js';

const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

/** A supervisor stand-in: accepts every reload and remembers what it read. */
function target() {
  const read: string[] = [];
  let id = 0;
  return {
    read,
    reload: async ({ from }: { from: { configFile: string; revision?: number } }): Promise<ReloadRecord> => {
      read.push(readFileSync(from.configFile, 'utf8'));
      return { ok: true, id: ++id, generation: id + 1, durationMs: 0, files: [from.configFile], startedAt: '', requests: 1, triggers: ['fleet'], ...(from.revision ? { revision: from.revision } : {}) };
    },
  };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!haveEtcd())('EtcdSource', () => {
  const server = new EtcdServer();
  const dirs: string[] = [];
  beforeAll(() => server.start());
  afterAll(async () => {
    await server.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const stateDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'genswap-source-'));
    dirs.push(d);
    return d;
  };
  const file = (text: string) => [{ path: 'c.yaml', bytes: Buffer.from(text) }];

  it('regression: history compacted between its read and its watch: it reads again and applies the newest', async () => {
    const etcd = new EtcdClient(server.endpoint);
    await publishFiles(etcd, { prefix: 'cmp', files: file('v: 1\n') });
    let sabotage = false;
    // After the watch loop's read returns, and before its watch starts: a publish, then compaction past it.
    class Sabotaging extends EtcdClient {
      override async range(key: string, options?: Parameters<EtcdClient['range']>[1]): Promise<RangeResult> {
        const result = await super.range(key, options);
        if (sabotage && key === 'cmp/manifest') {
          sabotage = false;
          await publishFiles(etcd, { prefix: 'cmp', files: file('v: 2\n') });
          await etcd.compact(await etcd.put('cmp-marker', 'x'));
        }
        return result;
      }
    }
    const messages: string[] = [];
    const recording = { ...silent, info: (_: unknown, msg: string) => void messages.push(msg), child: () => recording };
    const source = new EtcdSource({ endpoint: server.endpoint, prefix: 'cmp', jitterMs: 0, leaseTtlSeconds: 5, stateDir: stateDir(), instanceId: 'x', logger: recording, etcd: new Sabotaging(server.endpoint) });
    const t = target();
    await source.boot(async () => t);
    sabotage = true;
    source.run('http://test');
    try {
      await until(() => t.read.includes('v: 2\n'), 'revision 2');
      expect(source.report()).toMatchObject({ phase: 'SYNCED', serving: { revision: 2 } });
      expect(messages).toContain('watch compacted, reading again');
    } finally {
      await source.close();
    }
  });

  it('a refused revision is reported with its problems; current still names the last accepted one', async () => {
    const etcd = new EtcdClient(server.endpoint);
    await publishFiles(etcd, { prefix: 'nack', files: file('v: 1\n') });
    const dir = stateDir();
    const source = new EtcdSource({ endpoint: server.endpoint, prefix: 'nack', jitterMs: 0, leaseTtlSeconds: 5, stateDir: dir, instanceId: 'y', logger: silent });
    const problem = { file: 'c.yaml', line: 1, column: 4, path: 'v', message: 'bad', code: 'GENSWAP_TEST' };
    const refusing = {
      reload: async (): Promise<ReloadRecord> => ({ ok: false, id: 1, generation: 1, durationMs: 0, problems: [problem], startedAt: '', requests: 1, triggers: ['fleet'] }),
    };
    await source.boot(async () => refusing);
    source.run('http://test');
    try {
      await publishFiles(etcd, { prefix: 'nack', files: file('v: 2\n') });
      await until(() => source.report().phase === 'REFUSED', 'the refusal');
      expect(source.report()).toMatchObject({ serving: { revision: 1 }, refused: { revision: 2, problems: [problem] } });
      expect(readFileSync(join(dir, 'current', 'c.yaml'), 'utf8')).toBe('v: 1\n');
    } finally {
      await source.close();
    }
  });
});
