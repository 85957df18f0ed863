import { describe, expect, it } from 'vitest';
import { classify } from './fleet-status.js';
import type { InstanceReport } from './instance-report.js';
import type { Manifest } from './manifest.js';
import { pickCanaries } from './rollout.js';
import { parseSourceUrl } from './source-url.js';

const newest = (over: Partial<Manifest> = {}): Manifest => ({ format: 1, revision: 5, sha256: 's5', publishedAt: new Date(1000).toISOString(), message: '', config: 'c', files: [], ...over });
const report = (serving: number, over: Partial<InstanceReport> = {}): InstanceReport => ({
  format: 1, id: 'i', host: 'h', pid: 1, listen: '', phase: 'SYNCED', serving: { revision: serving, sha256: `s${serving}`, since: '' }, updatedAt: '', ...over,
});

describe('classify', () => {
  it('names each state', () => {
    expect(classify(report(5), true, newest(), 2000, 30_000)).toBe('SYNCED');
    expect(classify(report(4), true, newest(), 2000, 30_000)).toBe('APPLYING');
    expect(classify(report(4), true, newest(), 40_000, 30_000)).toBe('STALE');
    expect(classify(report(4, { refused: { revision: 5, sha256: 's5', at: '', problems: [] } }), true, newest(), 2000, 30_000)).toBe('REFUSED');
    expect(classify(report(4), true, newest({ rollout: { canaries: ['other'], released: false } }), 2000, 30_000)).toBe('HELD');
    expect(classify(report(4), true, newest({ rollout: { canaries: ['i'], released: false } }), 2000, 30_000)).toBe('APPLYING');
    expect(classify(report(5), false, newest(), 2000, 30_000)).toBe('GONE');
  });

  it('a refusal of an older revision does not make an instance REFUSED of the newest (NACK is per revision)', () => {
    expect(classify(report(4, { refused: { revision: 3, sha256: 's3', at: '', problems: [] } }), true, newest(), 2000, 30_000)).toBe('APPLYING');
  });
});

describe('canaries and source URLs', () => {
  it('picks the same canaries whatever the order of ids', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    expect(pickCanaries(ids, 2)).toEqual(pickCanaries([...ids].reverse(), 2));
    expect(pickCanaries(ids, 2)).toHaveLength(2);
  });

  it('parses etcd://HOST:PORT/PREFIX with its options', () => {
    expect(parseSourceUrl('etcd://127.0.0.1:2379/genswap/edge?jitter=10&ttl=5')).toEqual({ endpoint: 'http://127.0.0.1:2379', prefix: 'genswap/edge', jitterMs: 10, leaseTtlSeconds: 5 });
    expect(() => parseSourceUrl('http://127.0.0.1:2379/x')).toThrow(/only etcd/);
    expect(() => parseSourceUrl('etcd://127.0.0.1:2379/')).toThrow(/PREFIX/);
    expect(() => parseSourceUrl('etcd://127.0.0.1/x')).toThrow(/HOST:PORT/);
  });
});
