import type { SupervisorLogger } from '@genswap/supervisor';
import type { EtcdClient } from './etcd/etcd-client.js';
import type { InstanceReport } from './instance-report.js';
import type { FleetKeys } from './keys.js';

/**
 * Keeps an instance's report in etcd: at P/instances/<id> under a lease (it vanishes when the
 * instance dies: GONE) and at P/members/<id> without one (so GONE can be shown). Writes are
 * serialized and coalesced: a change while a write runs causes exactly one more write, of the
 * report as it is then. The lease is renewed every third of its TTL; when etcd says it expired
 * (the instance was stopped longer than the TTL, or etcd lost it), a new lease is granted and
 * the report written again. Failures are retried on the next renewal tick: etcd being down
 * never stops serving.
 */
export class ReportWriter {
  private lease: string | undefined;
  private dirty = true;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly etcd: EtcdClient,
    private readonly keys: FleetKeys,
    private readonly id: string,
    private readonly ttlSeconds: number,
    private readonly report: () => InstanceReport,
    private readonly log: SupervisorLogger,
  ) {}

  start(signal: AbortSignal): void {
    this.timer = setInterval(() => void this.renew(), Math.max(500, (this.ttlSeconds * 1000) / 3));
    this.timer.unref();
    signal.addEventListener('abort', () => clearInterval(this.timer), { once: true });
    this.changed();
  }

  /** The report changed: write it (now, or right after the write under way). */
  changed(): void {
    this.dirty = true;
    if (this.closed || this.timer === undefined) return;
    this.writing ??= this.flush().finally(() => (this.writing = undefined));
  }

  /** A clean stop: the instance leaves the fleet (its leased report and its member record go). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.writing;
    if (this.lease !== undefined) await this.etcd.leaseRevoke(this.lease).catch(() => {});
    await this.etcd.txn([], [{ deleteRange: { key: this.keys.instance(this.id) } }, { deleteRange: { key: this.keys.member(this.id) } }]).catch(() => {});
  }

  private async renew(): Promise<void> {
    if (this.lease !== undefined) {
      try {
        if (await this.etcd.leaseKeepAlive(this.lease)) return this.dirty ? this.changed() : undefined;
        this.log.warn({ lease: this.lease }, 'report lease expired, granting a new one');
        this.lease = undefined;
      } catch (err) {
        this.log.debug({ err }, 'lease renewal failed');
        return;
      }
    }
    this.changed();
  }

  private async flush(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      try {
        this.lease ??= (await this.etcd.leaseGrant(this.ttlSeconds)).id;
        const text = JSON.stringify(this.report());
        await this.etcd.txn([], [{ put: { key: this.keys.instance(this.id), value: text, lease: this.lease } }, { put: { key: this.keys.member(this.id), value: text } }]);
      } catch (err) {
        // Written again at the next renewal tick; a lease etcd no longer knows is replaced then.
        this.dirty = true;
        if ((err as { message?: string }).message?.includes('lease not found') === true) this.lease = undefined;
        this.log.debug({ err }, 'report write failed');
        return;
      }
    }
  }
}
