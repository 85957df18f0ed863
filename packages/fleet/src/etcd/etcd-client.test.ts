import { describe, expect, it } from 'vitest';
import { haveEtcd } from '../testing/etcd-server.js';
import { useEtcd } from '../test-support/use-etcd.js';
import { EtcdClient, prefixEnd } from './etcd-client.js';
import { type WatchEvent, watchKey } from './etcd-watch.js';

describe('prefixEnd', () => {
  it('is the prefix with its last byte raised', () => {
    expect(prefixEnd('a/b/').toString()).toBe('a/b0');
    expect(prefixEnd('genswap/').toString()).toBe('genswap0');
  });
});

describe.skipIf(!haveEtcd())('EtcdClient against a real etcd', () => {
  let etcd: EtcdClient;
  useEtcd((client) => (etcd = client));

  it('puts, ranges by prefix and deletes bytes', async () => {
    const bytes = Buffer.from([0, 1, 2, 255]);
    await etcd.put('t/a', bytes);
    await etcd.put('t/b', 'two');
    await etcd.put('u/c', 'other');
    const got = await etcd.range('t/', { prefix: true });
    expect(got.kvs.map((kv) => kv.key)).toEqual(['t/a', 't/b']);
    expect(got.kvs[0]!.value).toEqual(bytes);
    expect(await etcd.deleteRange('t/', { prefix: true })).toBe(2);
    expect(await etcd.get('t/a')).toBeUndefined();
  });

  it('runs a compare-and-swap transaction once', async () => {
    const created = await etcd.txn([{ key: 'cas', target: 'MOD', modRevision: 0 }], [{ put: { key: 'cas', value: '1' } }]);
    expect(created.succeeded).toBe(true);
    const again = await etcd.txn([{ key: 'cas', target: 'MOD', modRevision: 0 }], [{ put: { key: 'cas', value: '2' } }]);
    expect(again.succeeded).toBe(false);
    const kv = (await etcd.get('cas'))!;
    expect(kv.value.toString()).toBe('1');
    const swapped = await etcd.txn([{ key: 'cas', target: 'MOD', modRevision: kv.modRevision }], [{ put: { key: 'cas', value: '3' } }]);
    expect(swapped.succeeded).toBe(true);
  });

  it('watches from a revision, and reports compaction', async () => {
    const first = await etcd.put('w', 'a');
    await etcd.put('w', 'b');
    const seen: WatchEvent[] = [];
    const controller = new AbortController();
    const ended = watchKey(etcd, 'w', first, {
      onEvents: (events) => {
        seen.push(...events);
        if (seen.length === 3) controller.abort();
      },
      onCreated: () => void etcd.put('w', 'c'),
    }, controller.signal);
    expect(await ended).toEqual({ reason: 'aborted' });
    expect(seen.map((e) => e.kv.value.toString())).toEqual(['a', 'b', 'c']);

    const last = await etcd.put('w', 'd');
    await etcd.compact(last);
    const compacted = await watchKey(etcd, 'w', first, { onEvents: () => {} }, new AbortController().signal);
    expect(compacted).toEqual({ reason: 'compacted', compactRevision: last });
  });

  it('keys under a lease vanish when it is revoked; keepalive says when it expired', async () => {
    const lease = await etcd.leaseGrant(30);
    await etcd.put('leased', 'x', { lease: lease.id });
    expect(await etcd.leaseKeepAlive(lease.id)).toBe(true);
    await etcd.leaseRevoke(lease.id);
    expect(await etcd.get('leased')).toBeUndefined();
    expect(await etcd.leaseKeepAlive(lease.id)).toBe(false);
  });

  it('names the code of an unreachable etcd', async () => {
    const dead = new EtcdClient('http://127.0.0.1:1', { timeoutMs: 500 });
    await expect(dead.get('x')).rejects.toMatchObject({ code: 'GENSWAP_FLEET_ETCD_UNAVAILABLE' });
  });
});
