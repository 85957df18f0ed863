import { afterEach, expect, it } from 'vitest';
import { type AdminServer, createSupervisor, startAdminServer, type Supervisor } from '@genswap/supervisor';
import { definition } from './fixtures/serve/app.mjs';
import { ConfigDir } from './fixtures/serve/config-dir.js';
import { get, post, WORKER } from './fixtures/serve/serve-process.js';

let dir: ConfigDir | undefined;
let supervisor: Supervisor | undefined;
let admin: AdminServer | undefined;

afterEach(async () => {
  await admin?.close();
  await supervisor?.close({ drainTimeoutMs: 0 });
  dir?.cleanup();
});

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no series ${series} in:\n${text}`);
  return Number(line.slice(series.length + 1));
}

it('serves status, metrics and reloads over loopback HTTP', async () => {
  dir = new ConfigDir();
  dir.write(1);
  supervisor = (await createSupervisor({ configFile: dir.file, app: { definition, createState: () => ({ hits: new Int32Array(new SharedArrayBuffer(4)) }) }, worker: WORKER, threads: 1 })) as Supervisor;
  admin = await startAdminServer(supervisor, { host: '127.0.0.1', port: 0 });
  expect(admin.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  await supervisor.run({ method: 'GET', url: '/', headers: {}, remoteAddress: '' });

  const status = await get(`${admin.url}/status`);
  expect(status.status).toBe(200);
  expect(JSON.parse(status.body)).toMatchObject({ pid: process.pid, state: 'running', generation: 1, workers: { threads: 1 } });

  dir.write(2);
  const good = await post(`${admin.url}/reload`);
  expect(good).toMatchObject({ status: 200, json: { ok: true, generation: 2, triggers: ['admin'] } });
  dir.writeBad();
  const bad = await post(`${admin.url}/reload`);
  expect(bad.status).toBe(422);
  expect(bad.json).toMatchObject({ ok: false, generation: 2, problems: expect.arrayContaining([expect.objectContaining({ line: 1, column: 10 })]) });

  const metrics = await get(`${admin.url}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers['content-type']).toContain('text/plain');
  expect(metric(metrics.body, 'genswap_generation')).toBe(2);
  expect(metric(metrics.body, 'genswap_reloads_total{outcome="ok"}')).toBe(1);
  expect(metric(metrics.body, 'genswap_reloads_total{outcome="failed"}')).toBe(1);
  expect(metric(metrics.body, 'genswap_reload_requests_total')).toBe(2);
  expect(metric(metrics.body, 'genswap_reload_duration_seconds_count')).toBe(2);
  expect(metric(metrics.body, 'genswap_tasks_total{outcome="ok"}')).toBe(1);
  expect(metric(metrics.body, 'genswap_tasks_in_flight')).toBe(0);
  expect(metric(metrics.body, 'genswap_workers')).toBe(1);
  expect(metric(metrics.body, 'genswap_worker_exits_total')).toBe(0);
  expect(metric(metrics.body, 'genswap_dead_worker_pins_released_total')).toBe(0);
  const slots = supervisor.status().store.slots;
  for (const s of slots) {
    expect(metric(metrics.body, `genswap_slot_pins{slot="${s.slot}"}`)).toBe(0);
    expect(metric(metrics.body, `genswap_slot_generation{slot="${s.slot}"}`)).toBe(s.generation);
  }

  expect((await get(`${admin.url}/nope`)).status).toBe(404);
  expect((await get(`${admin.url}/reload`)).status).toBe(405);
  expect((await post(`${admin.url}/status`)).status).toBe(405);
  expect(JSON.parse((await get(`${admin.url}/healthz`)).body)).toEqual({ ok: true, generation: 2 });
});

it('refuses to bind anything but loopback', async () => {
  dir = new ConfigDir();
  dir.write(1);
  supervisor = (await createSupervisor({ configFile: dir.file, app: { definition }, worker: WORKER, threads: 1 })) as Supervisor;
  await expect(startAdminServer(supervisor, { host: '0.0.0.0', port: 0 })).rejects.toMatchObject({ code: 'GENSWAP_ADMIN_NOT_LOOPBACK' });
});
