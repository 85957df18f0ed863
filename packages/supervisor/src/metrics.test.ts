import { describe, expect, it } from 'vitest';
import { SupervisorMetrics } from './metrics.js';
import type { ReloadRecord } from './reload-record.js';
import type { SupervisorStatus } from './status.js';

// Only what the gauges read at a scrape.
const status = { generation: 3, tasks: { inFlight: 0 }, workers: { alive: 2 }, store: { slots: [] }, http: undefined } as unknown as SupervisorStatus;
const reload = (ok: boolean, durationMs: number): ReloadRecord => ({ ok, durationMs }) as unknown as ReloadRecord;

function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe('SupervisorMetrics', () => {
  it('reports every event counted between scrapes, and again unchanged at a scrape with none in between', async () => {
    const m = new SupervisorMetrics(() => status);
    let text = await m.metrics();
    expect(value(text, 'genswap_reloads_total{outcome="ok"}')).toBe(0);
    expect(value(text, 'genswap_tasks_total{outcome="rejected"}')).toBe(0);
    expect(value(text, 'genswap_reload_duration_seconds_count')).toBe(0);

    m.reloadRequested();
    m.reloadRequested();
    m.reloadRequested();
    m.reloadDone(reload(true, 3)); // 0.003 s: in the 0.005 bucket, not the 0.0025 one
    m.reloadDone(reload(false, 40));
    m.taskDone('ok');
    m.taskDone('ok');
    m.taskDone('lost');
    m.workerExited(2);
    m.workerExited(0);
    for (let scrape = 0; scrape < 2; scrape++) {
      text = await m.metrics();
      expect(value(text, 'genswap_reload_requests_total')).toBe(3);
      expect(value(text, 'genswap_reloads_total{outcome="ok"}')).toBe(1);
      expect(value(text, 'genswap_reloads_total{outcome="failed"}')).toBe(1);
      expect(value(text, 'genswap_reload_duration_seconds_count')).toBe(2);
      expect(value(text, 'genswap_reload_duration_seconds_sum')).toBeCloseTo(0.043, 9);
      expect(value(text, 'genswap_reload_duration_seconds_bucket{le="0.0025"}')).toBe(0);
      expect(value(text, 'genswap_reload_duration_seconds_bucket{le="0.005"}')).toBe(1);
      expect(value(text, 'genswap_reload_duration_seconds_bucket{le="0.05"}')).toBe(2);
      expect(value(text, 'genswap_tasks_total{outcome="ok"}')).toBe(2);
      expect(value(text, 'genswap_tasks_total{outcome="lost"}')).toBe(1);
      expect(value(text, 'genswap_tasks_total{outcome="failed"}')).toBe(0);
      expect(value(text, 'genswap_worker_exits_total')).toBe(2);
      expect(value(text, 'genswap_dead_worker_pins_released_total')).toBe(2);
    }
    m.reloadDone(reload(true, 1));
    text = await m.metrics();
    expect(value(text, 'genswap_reloads_total{outcome="ok"}')).toBe(2);
    expect(value(text, 'genswap_reload_duration_seconds_count')).toBe(3);
  });

  it('loses no reload duration when nobody scrapes for thousands of reloads', async () => {
    const m = new SupervisorMetrics(() => status);
    for (let i = 0; i < 5000; i++) m.reloadDone(reload(true, 2));
    const text = await m.metrics();
    expect(value(text, 'genswap_reload_duration_seconds_count')).toBe(5000);
    expect(value(text, 'genswap_reload_duration_seconds_bucket{le="0.001"}')).toBe(0);
    expect(value(text, 'genswap_reload_duration_seconds_bucket{le="0.0025"}')).toBe(5000);
    expect(value(text, 'genswap_reload_duration_seconds_sum')).toBeCloseTo(10, 6);
  });
});
