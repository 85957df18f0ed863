import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HttpThreadStatus } from './http/http-threads.js';
import type { ReloadRecord } from './reload-record.js';
import type { SupervisorStatus } from './status.js';

export type TaskOutcomeLabel = 'ok' | 'failed' | 'aborted' | 'lost' | 'rejected';

/**
 * The supervisor's Prometheus metrics, in a registry of its own (never prom-client's global
 * one, so two supervisors in a process do not collide). Event counts are incremented as they
 * happen; state (generation, pins, workers) is read from status() at scrape time.
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
  private readonly reloadRequests: Counter;
  private readonly reloads: Counter<'outcome'>;
  private readonly reloadDuration: Histogram;
  private readonly tasks: Counter<'outcome'>;
  private readonly workerExits: Counter;
  private readonly deadPins: Counter;

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
    new Counter({
      name: 'genswap_http_thread_stalls_total',
      help: 'HTTP threads terminated by the watchdog for making no progress.',
      registers,
      collect() {
        const http = current().http;
        if (http === undefined) return;
        this.reset();
        this.inc(http.stalls);
      },
    });
    this.reloadRequests = new Counter({ name: 'genswap_reload_requests_total', help: 'Reload requests, including coalesced ones.', registers });
    this.reloads = new Counter({ name: 'genswap_reloads_total', help: 'Reloads run, by outcome.', labelNames: ['outcome'], registers });
    this.reloadDuration = new Histogram({
      name: 'genswap_reload_duration_seconds',
      help: 'Time from reading the config to publishing it (or failing).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.tasks = new Counter({ name: 'genswap_tasks_total', help: 'Tasks settled, by outcome.', labelNames: ['outcome'], registers });
    this.workerExits = new Counter({ name: 'genswap_worker_exits_total', help: 'Worker threads that exited while running (crash, abort, limits).', registers });
    this.deadPins = new Counter({ name: 'genswap_dead_worker_pins_released_total', help: 'Pins released on behalf of exited workers.', registers });
    // Series exist from the start, so rate() works before the first failure.
    this.reloads.inc({ outcome: 'ok' }, 0);
    this.reloads.inc({ outcome: 'failed' }, 0);
    for (const outcome of ['ok', 'failed', 'aborted', 'lost', 'rejected'] as const) this.tasks.inc({ outcome }, 0);
  }

  reloadRequested(): void {
    this.reloadRequests.inc();
  }

  reloadDone(record: ReloadRecord): void {
    this.reloads.inc({ outcome: record.ok ? 'ok' : 'failed' });
    this.reloadDuration.observe(record.durationMs / 1000);
  }

  taskDone(outcome: TaskOutcomeLabel): void {
    this.tasks.inc({ outcome });
  }

  workerExited(pinsReleased: number): void {
    this.workerExits.inc();
    if (pinsReleased > 0) this.deadPins.inc(pinsReleased);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
