import { hostname } from 'node:os';
import type { ConfigProblem } from '@genswap/config';
import type { ReloadRecord, ReloadSource, SupervisorLogger } from '@genswap/supervisor';
import { chunkIndex, readFileChunks } from './chunks.js';
import { EtcdClient } from './etcd/etcd-client.js';
import { watchKey } from './etcd/etcd-watch.js';
import { FleetError } from './errors.js';
import type { InstancePhase, InstanceReport, RevisionRef } from './instance-report.js';
import { fleetKeys, type FleetKeys } from './keys.js';
import { LocalState, type LocalRevision } from './local-state.js';
import { type Manifest, parseManifest } from './manifest.js';
import { readManifest } from './publish.js';
import { ReportWriter } from './report-writer.js';
import type { EtcdSourceUrl } from './source-url.js';

/** What the source needs of a supervisor: reloads that name their file and revision. */
export interface ReloadTarget {
  reload(options: { trigger: 'fleet'; from: ReloadSource }): Promise<ReloadRecord>;
}

export interface EtcdSourceOptions extends EtcdSourceUrl {
  /** The directory that keeps revisions and the last good one (local-state.ts). */
  readonly stateDir: string;
  /** Default `<hostname>-<pid>`; give a stable one so canary selection is stable across restarts. */
  readonly instanceId?: string;
  readonly logger: SupervisorLogger;
  /** Deadline of the etcd reads at boot, ms (then the local copy is served). Default 2 000. */
  readonly bootTimeoutMs?: number;
  /** The client to watch and report with (default: one for `endpoint`). */
  readonly etcd?: EtcdClient;
}

/** The config a supervisor starts on. */
export interface BootConfig {
  readonly configFile: string;
  readonly revision: number;
}

const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 2000;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

const refOf = (m: Manifest): RevisionRef => ({ revision: m.revision, sha256: m.sha256 });

/**
 * The etcd config source of `genswap serve --source etcd://...`: the second implementation of
 * the config seam. It only turns a manifest into files on local disk (fetch chunks after a
 * jitter, verify sha256, materialize durably) and asks the supervisor to reload from them;
 * reading, validation, compile, encode, publish, retirement and the reload record are the
 * supervisor's one load path, exactly as for a file. The outcome is acknowledged in etcd.
 *
 * Watch rule (never misses the newest): read the manifest key, take the read's header revision
 * R, watch from R + 1; after a compaction or a broken stream, read again and watch again from
 * the new R. Every manifest seen goes to one applier that coalesces to the newest.
 */
export class EtcdSource {
  readonly id: string;
  readonly keys: FleetKeys;
  private readonly etcd: EtcdClient;
  private readonly opts: EtcdSourceOptions;
  private readonly local: LocalState;
  private readonly log: SupervisorLogger;
  private readonly reports: ReportWriter;
  private readonly stop = new AbortController();
  private target: ReloadTarget | undefined;
  private listen = '';

  private serving: (RevisionRef & { since: string }) | undefined;
  private phase: InstancePhase = 'APPLYING';
  private applyingTo: RevisionRef | undefined;
  private refused: InstanceReport['refused'];
  private staleSince: string | undefined;
  /** The newest manifest seen and not yet handled by the applier. */
  private pending: Manifest | undefined;
  private applying: Promise<void> | undefined;
  private watching: Promise<void> | undefined;

  constructor(opts: EtcdSourceOptions) {
    this.opts = opts;
    this.id = opts.instanceId ?? `${hostname()}-${process.pid}`;
    this.keys = fleetKeys(opts.prefix);
    this.etcd = opts.etcd ?? new EtcdClient(opts.endpoint);
    this.local = new LocalState(opts.stateDir);
    this.log = opts.logger.child({ component: 'fleet-source' });
    this.reports = new ReportWriter(this.etcd, this.keys, this.id, opts.leaseTtlSeconds, () => this.report(), this.log);
  }

  /**
   * Chooses the config to start on and starts the supervisor with it through `create`: the
   * newest revision in etcd; if etcd is down, the last good local copy (reported stale); if
   * the newest is refused at start-up, the last good local copy with the refusal reported.
   */
  async boot<S extends ReloadTarget>(create: (config: BootConfig) => Promise<S>): Promise<S> {
    const timeoutMs = this.opts.bootTimeoutMs ?? 2000;
    const last = this.local.current();
    let newest: LocalRevision | undefined;
    try {
      const { manifest } = await readManifest(new EtcdClient(this.opts.endpoint, { timeoutMs }), this.opts.prefix);
      if (manifest === undefined && last === undefined) {
        throw new FleetError('GENSWAP_FLEET_NO_MANIFEST', `no manifest at ${this.keys.manifest} on ${this.opts.endpoint}, and no local copy in ${this.opts.stateDir}`);
      }
      if (manifest !== undefined) {
        if (last?.manifest.revision === manifest.revision && last.manifest.sha256 === manifest.sha256) newest = last;
        // Held back by a staged rollout: stay on the local copy; with none, a new instance takes the newest.
        else if (!this.heldBack(manifest) || last === undefined) {
          // A fleet restarted at once must not fetch at once either (consul-template#347).
          await sleep(Math.random() * this.opts.jitterMs);
          newest = await this.fetch(manifest, timeoutMs);
        }
      }
    } catch (err) {
      if (!(err instanceof FleetError) || (err.code !== 'GENSWAP_FLEET_ETCD_UNAVAILABLE' && err.code !== 'GENSWAP_FLEET_CORRUPT')) throw err;
      if (last === undefined) {
        throw new FleetError('GENSWAP_FLEET_NO_LOCAL_CONFIG', `cannot read the config from etcd (${err.message}) and ${this.opts.stateDir} holds no last good copy`, { cause: err });
      }
      this.staleSince = new Date().toISOString();
      this.log.warn({ err, revision: last.manifest.revision, staleSince: this.staleSince }, 'etcd unreachable, serving the last good local config');
    }
    let started: S;
    let from = newest ?? last!;
    try {
      started = await create({ configFile: from.configFile, revision: from.manifest.revision });
    } catch (err) {
      const problems = (err as { problems?: readonly ConfigProblem[] }).problems;
      if (!Array.isArray(problems) || newest === undefined || last === undefined || last === newest) throw err;
      this.refuse(newest.manifest, problems);
      from = last;
      started = await create({ configFile: from.configFile, revision: from.manifest.revision });
    }
    this.accept(from.manifest);
    this.target = started;
    return started;
  }

  /** Starts watching etcd and reporting; `listen` is where this instance serves. */
  run(listen: string): void {
    this.listen = listen;
    this.reports.start(this.stop.signal);
    this.watching = this.watchLoop();
  }

  /** Stops watching, revokes the lease (the instance is gone from `fleet status` at once). */
  async close(): Promise<void> {
    this.stop.abort();
    await this.watching;
    await this.applying;
    await this.reports.close();
  }

  /** This instance's report (what is written to etcd). */
  report(): InstanceReport {
    return {
      format: 1,
      id: this.id,
      host: hostname(),
      pid: process.pid,
      listen: this.listen,
      phase: this.phase,
      serving: this.serving ?? { revision: 0, sha256: '', since: '' },
      ...(this.applyingTo !== undefined ? { target: this.applyingTo } : {}),
      ...(this.refused !== undefined ? { refused: this.refused } : {}),
      ...(this.staleSince !== undefined ? { staleSince: this.staleSince } : {}),
      updatedAt: new Date().toISOString(),
    };
  }

  private async watchLoop(): Promise<void> {
    const signal = this.stop.signal;
    let backoff = BACKOFF_MIN_MS;
    while (!signal.aborted) {
      let fromRevision: number;
      try {
        const read = await readManifest(this.etcd, this.opts.prefix);
        if (this.staleSince !== undefined) {
          this.staleSince = undefined;
          this.reports.changed();
        }
        if (read.manifest !== undefined) this.offer(read.manifest);
        fromRevision = read.etcdRevision + 1;
      } catch (err) {
        this.log.debug({ err, backoffMs: backoff }, 'manifest read failed');
        await sleep(backoff * (0.5 + Math.random() / 2), signal);
        backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
        continue;
      }
      const end = await watchKey(this.etcd, this.keys.manifest, fromRevision, {
        onCreated: () => (backoff = BACKOFF_MIN_MS),
        onEvents: (events) => {
          const last = events.findLast((e) => e.type === 'PUT');
          if (last === undefined) return;
          try {
            this.offer(parseManifest(last.kv.value, `etcd key ${this.keys.manifest}`));
          } catch (err) {
            this.log.warn({ err }, 'manifest ignored');
          }
        },
      }, signal);
      if (end.reason === 'aborted') return;
      if (end.reason === 'compacted') {
        this.log.info({ compactRevision: end.compactRevision, fromRevision }, 'watch compacted, reading again');
        continue;
      }
      this.log.warn({ err: end.error, backoffMs: backoff }, 'watch lost, reconnecting');
      await sleep(backoff * (0.5 + Math.random() / 2), signal);
      backoff = Math.min(BACKOFF_MAX_MS, backoff * 2);
    }
  }

  /** Hands the newest manifest to the applier (one at a time; a newer one replaces a waiting one). */
  private offer(manifest: Manifest): void {
    this.pending = manifest;
    this.applying ??= this.applyLoop().finally(() => (this.applying = undefined));
  }

  private heldBack(m: Manifest): boolean {
    return m.rollout !== undefined && !m.rollout.released && !m.rollout.canaries.includes(this.id);
  }

  private async applyLoop(): Promise<void> {
    let failures = 0;
    while (this.pending !== undefined && !this.stop.signal.aborted) {
      const m = this.pending;
      this.pending = undefined;
      const same = (ref: RevisionRef | undefined): boolean => ref?.revision === m.revision && ref.sha256 === m.sha256;
      if (same(this.serving)) {
        if (this.phase !== 'SYNCED') this.setPhase('SYNCED', undefined);
        continue;
      }
      if (same(this.refused)) continue;
      if (this.heldBack(m)) {
        this.setPhase('HELD', refOf(m));
        continue;
      }
      this.setPhase('APPLYING', refOf(m));
      // Spread a fleet's fetches over the jitter window instead of all at once (consul-template#347).
      await sleep(Math.random() * this.opts.jitterMs, this.stop.signal);
      if (this.pending !== undefined) continue; // a newer one arrived meanwhile: apply that instead
      let local: LocalRevision;
      try {
        local = await this.fetch(m, 10_000);
      } catch (err) {
        failures++;
        this.log.warn({ err, revision: m.revision }, 'revision fetch failed');
        // Tried again after a backoff unless a newer manifest came (the watch re-reads after reconnecting).
        await sleep(Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** failures), this.stop.signal);
        this.pending ??= m;
        continue;
      }
      failures = 0;
      const outcome = await this.target!.reload({ trigger: 'fleet', from: { configFile: local.configFile, revision: m.revision } }).catch((err: unknown) => {
        this.log.warn({ err }, 'reload refused'); // closing
        return undefined;
      });
      if (outcome === undefined) return;
      if (outcome.ok) this.accept(m);
      else this.refuse(m, outcome.problems);
    }
  }

  private async fetch(m: Manifest, timeoutMs: number): Promise<LocalRevision> {
    const etcd = new EtcdClient(this.opts.endpoint, { timeoutMs });
    const files = new Map<string, Uint8Array>();
    // Chunks of the last good revision are not fetched again (a list that grew at its end costs its last chunk).
    const current = this.local.current();
    const known = current === undefined ? undefined : chunkIndex(this.local.filesOf(current));
    for (const file of m.files) files.set(file.path, await readFileChunks(etcd, this.keys, file, known));
    return this.local.materialize(m, files);
  }

  private accept(m: Manifest): void {
    this.local.markCurrent(m.revision);
    this.serving = { ...refOf(m), since: new Date().toISOString() };
    this.local.prune(new Set([m.revision]));
    this.log.info({ revision: m.revision, sha256: m.sha256 }, 'fleet revision applied');
    this.setPhase('SYNCED', undefined);
  }

  private refuse(m: Manifest, problems: readonly ConfigProblem[]): void {
    this.refused = { ...refOf(m), at: new Date().toISOString(), problems };
    // The refused files stay on disk beside the served ones, for a look at what was refused.
    this.local.prune(new Set([m.revision, ...(this.serving !== undefined ? [this.serving.revision] : [])]));
    this.log.warn({ revision: m.revision, problems }, 'fleet revision refused');
    this.setPhase('REFUSED', undefined);
  }

  private setPhase(phase: InstancePhase, target: RevisionRef | undefined): void {
    this.phase = phase;
    this.applyingTo = target;
    this.reports.changed();
  }
}
