/**
 * `genswap serve` with threads that accept connections themselves (real threads, real sockets on
 * 127.0.0.1): spread of connections, replacement of a thread that dies or stalls (its pins
 * released), the limits that bound what a client can make the service hold, and start-up failure.
 */
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpThreadStatus, SupervisorStatus } from '@genswap/supervisor';
import { ConfigDir } from './fixtures/serve/config-dir.js';
import { APP, WORKER, get, type HttpAnswer, killAll, runCli, startServe, until } from './fixtures/serve/serve-process.js';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const reusePortSupported = major > 22 || (major === 22 && minor >= 12);

const dirs: ConfigDir[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await killAll();
  for (const d of dirs.splice(0)) d.cleanup();
});

function configDir(version: number): ConfigDir {
  const dir = new ConfigDir();
  dirs.push(dir);
  dir.write(version);
  return dir;
}

async function status(admin: string): Promise<SupervisorStatus> {
  return (await fetch(`${admin}/status`)).json() as Promise<SupervisorStatus>;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

/** Sends `raw` on a new connection and resolves with everything the server wrote until it closed. */
function rawExchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    sockets.push(socket);
    let got = '';
    socket.setEncoding('latin1').on('data', (c: string) => (got += c));
    socket.on('error', () => resolve(got));
    socket.on('close', () => resolve(got));
    socket.on('connect', () => socket.write(raw));
    setTimeout(() => reject(new Error(`no close within 10 s; got ${JSON.stringify(got.slice(0, 200))}`)), 10_000).unref();
  });
}

describe('genswap serve: HTTP threads', () => {
  it('answers on every thread, and status and /metrics count requests per thread', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    const seen = new Set<string>();
    // Fresh connections until both threads answered: the shared accept queue gives each
    // connection to whichever thread is free, so a bounded number of tries is plenty.
    await until(async () => {
      const batch = await Promise.all(Array.from({ length: 8 }, () => get(`${serve.url}/?op=sleep&ms=20`)));
      for (const a of batch) seen.add(String(a.headers['x-genswap-thread']));
      return seen.size >= 2 ? true : undefined;
    }, 'answers from both threads');
    const st = await status(serve.admin!);
    expect(st.http!.threads.map((t) => String(t.threadId)).sort()).toEqual([...seen].sort());
    const counted = await until(async () => {
      const s = await status(serve.admin!);
      return s.http!.threads.every((t) => t.requests > 0) ? s : undefined;
    }, 'per-thread counters to be published');
    expect(counted.http!.threads.every((t) => t.state === 'serving')).toBe(true);
    const metrics = await (await fetch(`${serve.admin}/metrics`)).text();
    expect(metrics).toMatch(/genswap_http_requests_total\{thread="0"\} [1-9]/);
    expect(metrics).toMatch(/genswap_http_requests_total\{thread="1"\} [1-9]/);
    expect(metrics).toMatch(/genswap_http_requests_in_flight\{thread="0"\} 0/);
    const cli = await runCli(['status', '--admin', serve.admin!]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/thread 0: serving/);
    expect(cli.stdout).toMatch(/thread 1: serving/);
  });

  it('a thread that dies mid-request (holding a pin) is replaced, its pins are released, and serving goes on', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    const before = await status(serve.admin!);
    // op=crash: the handler's promise never settles (its pin stays held) and an uncaught
    // exception then kills the thread.
    const crashed = await get(`${serve.url}/?op=crash`).then(
      (a) => a,
      (err: unknown) => err,
    );
    expect(crashed).toBeInstanceOf(Error); // the connection went down with its thread
    const after = await until(async () => {
      const s = await status(serve.admin!);
      return s.counters.workerExits === 1 && s.workers.alive === 2 && s.http!.threads.every((t) => t.state === 'serving') ? s : undefined;
    }, 'the dead thread to be replaced');
    expect(after.counters.deadWorkerPinsReleased).toBe(1);
    expect(after.store.slots.every((slot) => slot.pins === 0)).toBe(true);
    expect(after.http!.threads.reduce((n, t) => n + t.replacements, 0)).toBe(1);
    const ids = new Set(after.workers.threadIds);
    expect(before.workers.threadIds.filter((id) => !ids.has(id))).toHaveLength(1);
    const answers = await Promise.all(Array.from({ length: 10 }, () => get(`${serve.url}/`)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  });

  it('a handler stuck in a synchronous loop: its request gets 503, its thread is replaced within the deadline, others are answered meanwhile', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--stall-timeout', '1000']);
    const t0 = performance.now();
    const stuck = get(`${serve.url}/?op=spin`);
    // While one thread spins, new connections are taken by the other (its event loop is free).
    await until(async () => ((await status(serve.admin!)).tasks.inFlight === 1 ? true : undefined), 'the spinning request to start');
    const meanwhile: HttpAnswer[] = [];
    while (meanwhile.length < 20) meanwhile.push(await get(`${serve.url}/`));
    expect(meanwhile.every((a) => a.status === 200)).toBe(true);
    const answer = await stuck;
    const waitedMs = performance.now() - t0;
    expect(answer.status).toBe(503);
    expect(answer.body).toBe('the serving thread was stalled\n');
    expect(waitedMs).toBeGreaterThanOrEqual(1000); // not before the deadline
    const after = await until(async () => {
      const s = await status(serve.admin!);
      return s.http!.stalls === 1 && s.workers.alive === 2 && s.http!.threads.every((t) => t.state === 'serving') ? s : undefined;
    }, 'the stalled thread to be replaced');
    expect(after.store.slots.every((slot) => slot.pins === 0)).toBe(true);
    expect(after.counters.deadWorkerPinsReleased).toBe(1);
    const metrics = await (await fetch(`${serve.admin}/metrics`)).text();
    expect(metrics).toMatch(/genswap_http_thread_stalls_total 1/);
    expect(serve.lines.some((l) => l.includes('http thread stalled; replacing it') && l.includes('"answered503":true'))).toBe(true);
  });

  it('keep-alive connections that all settled on one thread while the other was replaced spread onto the replacement, and no request is lost', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--stall-timeout', '1000']);
    const stuck = get(`${serve.url}/?op=spin`);
    await until(async () => ((await status(serve.admin!)).tasks.inFlight === 1 ? true : undefined), 'the spinning request to start');
    const agent = new Agent({ keepAlive: true, maxSockets: 12 });
    try {
      // While one thread spins, the other accepts all 12 connections (overlapping requests).
      const first = await Promise.all(Array.from({ length: 12 }, () => get(`${serve.url}/?op=sleep&ms=30`, agent)));
      const survivor = Number(first[0]!.headers['x-genswap-thread']);
      expect(first.every((a) => a.status === 200 && Number(a.headers['x-genswap-thread']) === survivor)).toBe(true);
      expect((await stuck).status).toBe(503);
      const replaced = await until(async () => {
        const s = await status(serve.admin!);
        return s.http!.stalls === 1 && s.http!.threads.every((t) => t.state === 'serving') ? s : undefined;
      }, 'the stalled thread to be replaced');
      const seatOf = (s: SupervisorStatus): { held: HttpThreadStatus; fresh: HttpThreadStatus } => {
        const held = s.http!.threads.find((t) => t.threadId === survivor)!;
        return { held, fresh: s.http!.threads.find((t) => t !== held)! };
      };
      expect(seatOf(replaced).held.connections).toBeGreaterThan(0);
      expect(seatOf(replaced).fresh.connections).toBe(0);
      // Keep all 12 connections busy: the survivor closes some after an answer (H5), the agent
      // reconnects, and the kernel gives some of those connections to the replacement.
      const answers: HttpAnswer[] = [];
      const spread = await until(
        async () => {
          answers.push(...(await Promise.all(Array.from({ length: 12 }, () => get(`${serve.url}/`, agent)))));
          const s = await status(serve.admin!);
          return Math.min(...s.http!.threads.map((t) => t.connections)) >= 4 ? s : undefined; // 8/4 at most: 9 > 2 * 3 + 2 sheds
        },
        'the replacement to hold its share of the connections',
        20_000,
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(answers.some((a) => Number(a.headers['x-genswap-thread']) !== survivor)).toBe(true);
      const { held, fresh } = seatOf(spread);
      expect(held.connections + fresh.connections).toBeLessThanOrEqual(12); // the agent's sockets (one closed by the last batch is opened by the next)
      // Every connection the replacement holds is one the survivor closed (the agent opens a new
      // one only for a closed one, and busy sockets never reach the keep-alive timeout); the
      // counters are published on the next beat.
      const counted = await until(async () => {
        const s = await status(serve.admin!);
        return seatOf(s).held.rebalanced >= fresh.connections ? seatOf(s) : undefined;
      }, 'the survivor to publish its rebalanced count');
      expect(counted.fresh.rebalanced).toBe(0);
      const metrics = await (await fetch(`${serve.admin}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`genswap_http_connections_open\\{thread="${fresh.seat}"\\} [1-9]`));
      expect(metrics).toMatch(new RegExp(`genswap_http_connections_rebalanced_total\\{thread="${held.seat}"\\} [1-9]`));
    } finally {
      agent.destroy();
    }
  });

  it('an idle thread beats at the idle period; the first request after idling puts it back on the busy one, and a stall on it is caught after the deadline, not before', async () => {
    const dir = configDir(1);
    // Deadline 2 s: busy period 250 ms, idle period 500 ms (a quarter of the deadline, H1).
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--stall-timeout', '2000']);
    await until(async () => ((await status(serve.admin!)).http!.threads.every((t) => t.state === 'serving' && t.heartbeatMs === 500) ? true : undefined), 'both threads to go idle');
    const t0 = performance.now();
    const stuck = get(`${serve.url}/?op=spin`);
    const spinning = await until(async () => {
      const s = await status(serve.admin!);
      return s.tasks.inFlight === 1 ? s.http!.threads.find((t) => t.inFlight === 1) : undefined;
    }, 'the spinning request to start');
    expect(spinning?.heartbeatMs).toBe(250); // it beat on the request, before the handler ran
    const answer = await stuck;
    expect(answer.status).toBe(503);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(2000); // never before the deadline
    const after = await until(async () => {
      const s = await status(serve.admin!);
      return s.http!.stalls === 1 && s.workers.alive === 2 && s.http!.threads.every((t) => t.state === 'serving') ? s : undefined;
    }, 'the stalled thread to be replaced');
    expect(after.store.slots.every((slot) => slot.pins === 0)).toBe(true);
    const line = serve.lines.find((l) => l.includes('http thread stalled; replacing it'));
    expect(Number(/"stalledMs":(\d+)/.exec(line ?? '')?.[1])).toBeGreaterThanOrEqual(2250); // silent for the deadline + the busy period
  });

  it('refuses a request over the header count with 431 (never truncates), and over the body limit with 413', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--max-headers', '20', '--max-body', '100']);
    const junk = Array.from({ length: 20 }, (_, i) => `x-junk-${i}: ${i}\r\n`).join('');
    const over = await rawExchange(serve.url, `GET / HTTP/1.1\r\nhost: x\r\n${junk}connection: close\r\n\r\n`);
    expect(over).toMatch(/^HTTP\/1\.1 431 /);
    const atLimit = await rawExchange(serve.url, `GET / HTTP/1.1\r\nhost: x\r\n${junk.split('\r\n').slice(0, 18).join('\r\n')}\r\nconnection: close\r\n\r\n`);
    expect(atLimit).toMatch(/^HTTP\/1\.1 200 /);
    const huge = await rawExchange(serve.url, `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    const body = await rawExchange(serve.url, `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 101\r\n\r\n${'b'.repeat(101)}`);
    expect(body).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('a pipelining flood that never reads keeps memory bounded, and a healthy client is answered meanwhile', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    const { hostname, port } = new URL(serve.url);
    const rssBefore = rssKiB(serve.pid);
    const burst = Buffer.from('GET / HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(2000));
    let cutOff = 0;
    const flooder = (): Socket => {
      const s = connect(Number(port), hostname);
      sockets.push(s);
      s.pause(); // never read an answer
      s.on('error', () => {});
      s.on('close', () => cutOff++);
      return s;
    };
    // Eight flooders at all times: one the server cut off is replaced, so the flood lasts.
    const flooders = Array.from({ length: 8 }, flooder);
    const deadline = Date.now() + 3000; // bounded: the flood stops by itself
    let sent = 0;
    let healthyWorst = 0;
    const samples: { at: number; kib: number }[] = [];
    const t0 = Date.now();
    while (Date.now() < deadline) {
      for (let i = 0; i < flooders.length; i++) {
        if (flooders[i]!.destroyed) flooders[i] = flooder();
        const s = flooders[i]!;
        if (s.writableNeedDrain || s.connecting) continue; // the server stopped reading: the bound at work
        s.write(burst);
        sent += 2000;
      }
      const t = performance.now();
      const a = await get(`${serve.url}/`);
      healthyWorst = Math.max(healthyWorst, performance.now() - t);
      expect(a.status).toBe(200);
      samples.push({ at: Date.now() - t0, kib: rssKiB(serve.pid) });
    }
    const peak = (from: number, to: number): number => Math.max(0, ...samples.filter((x) => x.at >= from && x.at < to).map((x) => x.kib));
    const grownMiB = (peak(0, 3000) - rssBefore) / 1024;
    // 2,000 requests ahead is far past 8 x --max-pipelined (16): flooders are cut off, again and again.
    expect(cutOff).toBeGreaterThan(8);
    // The bound: a connection holds at most what one read of it parses (64 KiB, some 2,400
    // requests) until it is cut off. Eight at a time plateau at some 70 MiB (Node 20) to 100 MiB
    // (Node 24) over the idle server on a quiet machine, flat over 10 s of flood; a busy machine
    // collects later (up to some 250 MiB seen under a full test run). The unbounded funnel this
    // replaced grew 3.5 GB in 12 s (some 900 MB in 3 s).
    expect(grownMiB).toBeLessThan(384);
    expect(healthyWorst).toBeLessThan(10_000); // the healthy client's own timeout
    expect(sent).toBeGreaterThan(0);
  });

  it.skipIf(!reusePortSupported)('--listen-mode reuseport: every thread binds the address itself and answers', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0', '--listen-mode', 'reuseport']);
    const seen = new Set<string>();
    await until(async () => {
      const batch = await Promise.all(Array.from({ length: 8 }, () => get(`${serve.url}/`)));
      for (const a of batch) seen.add(String(a.headers['x-genswap-thread']));
      return seen.size >= 2 ? true : undefined;
    }, 'answers from both threads');
    expect((await status(serve.admin!)).http!.listenMode).toBe('reuseport');
  });

  it.skipIf(reusePortSupported)('--listen-mode reuseport on a Node without it fails at start and says which Node has it', async () => {
    const dir = configDir(1);
    const run = await runCli(['serve', '--config', dir.file, '--handler', WORKER, '--schema', APP, '--listen', '127.0.0.1:0', '--listen-mode', 'reuseport']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/reuseport needs Node >= 22\.12/);
  });

  it('a handler module that is not a defineWorker module fails serve at start with its code, not a hang', async () => {
    const dir = configDir(1);
    const run = await runCli(['serve', '--config', dir.file, '--handler', new URL('./fixtures/serve/not-wrapped-worker.mjs', import.meta.url).pathname, '--schema', APP, '--listen', '127.0.0.1:0', '--threads', '2']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/GENSWAP_WORKER_NOT_WRAPPED/);
  });
});
