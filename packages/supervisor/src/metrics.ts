import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HttpThreadStatus } from './http/http-threads.js';
import type { ReloadRecord } from './reload-record.js';
import type { SupervisorStatus } from './status.js';

export type TaskOutcomeLabel = 'ok' | 'failed' | 'aborted' | 'lost' | 'rejected';

/** Reload durations kept for the histogram between scrapes before they are folded in anyway. */
const PENDING_MAX = 1024;

/**
 * The supervisor's Prometheus metrics, in a registry of its own (never prom-client's global
 * one, so two supervisors in a process do not collide). Event counts are kept as plain numbers
 * as they happen and, like state (generation, pins, workers, read from status()), reach
 * prom-client at scrape time.
 *
 * Names: genswap_generation, genswap_reload_requests_total, genswap_reloads_total{outcome},
 * genswap_reload_duration_seconds, genswap_tasks_total{outcome}, genswap_tasks_in_flight,
 * genswap_slot_pins{slot}, genswap_slot_generation{slot}, genswap_workers,
 * genswap_worker_exits_total, genswap_dead_worker_pins_released_total; with HTTP threads also
 * genswap_http_requests_total{thread}, genswap_http_requests_in_flight{thread},
 * genswap_http_connections_open{thread}, genswap_http_connections_rebalanced_total{thread},
 * genswap_http_failed_total{thread}, genswap_http_refused_total{thread},
 * genswap_http_thread_replacements_total{thread} and genswap_http_thread_stalls_total, where
 * `thread` is the seat (a replacement thread continues its seat's counters).
 */
export class SupervisorMetrics {
  readonly registry = new Registry();
  /**
   * Event counts since start, as plain numbers: a reload or a task pays an increment here, and
   * prom-client's label hashing and bucket lookup run when a scrape reads them (collect below).
   * On a small reload those were ~6% of its CPU, nearly all of it cold-cache misses.
   */
  private readonly counts = {
    reloadRequests: 0,
    reloads: { ok: 0, failed: 0 },
    tasks: { ok: 0, failed: 0, aborted: 0, lost: 0, rejected: 0 } satisfies Record<TaskOutcomeLabel, number>,
    workerExits: 0,
    deadPins: 0,
  };
  /** Reload durations (seconds) not yet observed into the histogram; folded at a scrape or at PENDING_MAX. */
  private readonly pendingDurations: number[] = [];
  private readonly reloadDuration: Histogram;

  constructor(status: () => SupervisorStatus) {
    const registers = [this.registry];
    // status() is cheap (a scan of the pin rows); each gauge reads its own fresh copy.
    const current = status;
    new Gauge({
      name: 'genswap_generation',
      help: 'The generation new tasks get.',
      registers,
      collect() {
        this.set(current().generation);
      },
    });
    new Gauge({
      name: 'genswap_tasks_in_flight',
      help: 'Tasks handed to the pool and not yet settled.',
      registers,
      collect() {
        this.set(current().tasks.inFlight);
      },
    });
    new Gauge({
      name: 'genswap_workers',
      help: 'Worker threads alive.',
      registers,
      collect() {
        this.set(current().workers.alive);
      },
    });
    new Gauge({
      name: 'genswap_slot_pins',
      help: 'Pins held on each generation slot (tasks running on it).',
      labelNames: ['slot'],
      registers,
      collect() {
        for (const slot of current().store.slots) this.set({ slot: String(slot.slot) }, slot.pins);
      },
    });
    new Gauge({
      name: 'genswap_slot_generation',
      help: 'Generation held by each slot (0 when never written).',
      labelNames: ['slot'],
      registers,
      collect() {
        for (const slot of current().store.slots) this.set({ slot: String(slot.slot) }, slot.generation);
      },
    });
    // Per-seat counters live in the thread board (shared memory); a scrape copies them out.
    const seatCounter = (name: string, help: string, pick: (t: HttpThreadStatus) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['thread'],
        registers,
        collect() {
          const http = current().http;
          if (http === undefined) return;
          this.reset();
          for (const t of http.threads) this.inc({ thread: String(t.seat) }, pick(t));
        },
      });
    };
    seatCounter('genswap_http_requests_total', 'HTTP requests received, by thread seat.', (t) => t.requests);
    seatCounter('genswap_http_failed_total', 'HTTP requests whose handler failed (answered 500), by thread seat.', (t) => t.failed);
    seatCounter('genswap_http_refused_total', 'HTTP requests refused by a limit (431, 413, 503, 408, 400), by thread seat.', (t) => t.refused);
    seatCounter('genswap_http_connections_rebalanced_total', 'Keep-alive connections a thread closed (Connection: close) because it held more than its share, by thread seat.', (t) => t.rebalanced);
    seatCounter('genswap_http_thread_replacements_total', 'HTTP threads started in a seat after its first (crash, stall).', (t) => t.replacements);
    const seatGauge = (name: string, help: string, pick: (t: HttpThreadStatus) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['thread'],
        registers,
        collect() {
          const http = current().http;
          if (http === undefined) return;
          for (const t of http.threads) this.set({ thread: String(t.seat) }, pick(t));
        },
      });
    };
    seatGauge('genswap_http_requests_in_flight', 'HTTP requests being handled, by thread seat.', (t) => t.inFlight);
    seatGauge('genswap_http_connections_open', 'Client connections open, by thread seat.', (t) => t.connections);

    const counts = this.counts;
    // A counter set afresh at each scrape from a count kept elsewhere (none: no series).
    const countCounter = (name: string, help: string, read: () => number | undefined): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          const n = read();
          if (n === undefined) return;
          this.reset();
          this.inc(n);
        },
      });
    };
    countCounter('genswap_http_thread_stalls_total', 'HTTP threads terminated by the watchdog for making no progress.', () => current().http?.stalls);
    // By outcome, every series present from the start, so rate() works before the first failure.
    const outcomeCounter = (name: string, help: string, byOutcome: Record<string, number>): void => {
      new Counter({
        name,
        help,
        labelNames: ['outcome'],
        registers,
        collect() {
          this.reset();
          for (const [outcome, n] of Object.entries(byOutcome)) this.inc({ outcome }, n);
        },
      });
    };
    countCounter('genswap_reload_requests_total', 'Reload requests, including coalesced ones.', () => counts.reloadRequests);
    outcomeCounter('genswap_reloads_total', 'Reloads run, by outcome.', counts.reloads);
    outcomeCounter('genswap_tasks_total', 'Tasks settled, by outcome.', counts.tasks);
    countCounter('genswap_worker_exits_total', 'Worker threads that exited while running (crash, abort, limits).', () => counts.workerExits);
    countCounter('genswap_dead_worker_pins_released_total', 'Pins released on behalf of exited workers.', () => counts.deadPins);
    const flushDurations = (): void => this.flushDurations();
    this.reloadDuration = new Histogram({
      name: 'genswap_reload_duration_seconds',
      help: 'Time from reading the config to publishing it (or failing).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
      collect: flushDurations,
    });
  }

  reloadRequested(): void {
    this.counts.reloadRequests++;
  }

  reloadDone(record: ReloadRecord): void {
    if (record.ok) this.counts.reloads.ok++;
    else this.counts.reloads.failed++;
    // Bounded without a scrape: past PENDING_MAX the durations are folded in now.
    if (this.pendingDurations.push(record.durationMs / 1000) >= PENDING_MAX) this.flushDurations();
  }

  taskDone(outcome: TaskOutcomeLabel): void {
    this.counts.tasks[outcome]++;
  }

  workerExited(pinsReleased: number): void {
    this.counts.workerExits++;
    this.counts.deadPins += pinsReleased;
  }

  private flushDurations(): void {
    for (const seconds of this.pendingDurations) this.reloadDuration.observe(seconds);
    this.pendingDurations.length = 0;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
