import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { type DriveLog, type DriveRequest, type DriverMessage, fromMonotonicMs } from './reload-driver.js';
import { stormConfig } from './storm-config.js';

/**
 * The reload driver process (see reload-driver.ts). Each request it gets over IPC is one run:
 * every intervalMs on a fixed grid (start to start; a step still running when the next is due
 * delays it) until durationMs, write the next version of the config file, then POST /reload
 * (or GET /status for 'driver alone') over one keep-alive connection.
 */
interface Answer {
  readonly ok?: boolean;
  readonly generation?: number;
  readonly durationMs?: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function ask(url: string, method: 'GET' | 'POST'): Promise<{ status: number; body: Answer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer });
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

async function drive(r: DriveRequest): Promise<DriveLog> {
  const startedAt = fromMonotonicMs(r.startMonoMs);
  const log = { lastVersion: r.firstVersion, instants: [] as number[], versionOf: [] as [number, number][], durationsMs: [] as number[], failures: 0 };
  for (let k = 1; ; k++) {
    // A timer can fire up to the event loop's clock lag early: wait again until the step is due.
    const due = startedAt + k * r.intervalMs;
    while (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const now = performance.now();
    if (now - startedAt > r.durationMs - r.intervalMs) return log;
    const version = ++log.lastVersion;
    writeFileSync(r.file, r.texts === undefined ? stormConfig(version) : r.texts[version % r.texts.length]!);
    log.instants.push(now - startedAt);
    try {
      if (r.action === 'reload') {
        const { status, body } = await ask(`${r.admin}/reload`, 'POST');
        if (status === 200 && body.ok === true && typeof body.generation === 'number') {
          log.versionOf.push([body.generation, version]);
          if (typeof body.durationMs === 'number') log.durationsMs.push(body.durationMs);
        } else log.failures++;
      } else if ((await ask(`${r.admin}/status`, 'GET')).status !== 200) log.failures++;
    } catch {
      log.failures++;
    }
  }
}

const send = (m: DriverMessage): void => void process.send!(m);
process.on('message', (r: DriveRequest) => {
  drive(r).then(
    (log) => send({ kind: 'done', log }),
    (err: unknown) => send({ kind: 'failed', message: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => {
  agent.destroy();
  process.exit(0);
});
send({ kind: 'ready' });
