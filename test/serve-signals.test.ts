import { readdirSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigDir, ConfigDirs, type EchoBody } from './fixtures/serve/config-dir.js';
import { get, type HttpAnswer, killAll, startServe, until } from './fixtures/serve/serve-process.js';

const dirs = new ConfigDirs();
const agents: Agent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await killAll();
  dirs.cleanup();
});

const configDir = (version = 1): ConfigDir => dirs.make(version);

interface Status {
  generation: number;
  tasks: { inFlight: number };
  reloads: { inProgress: boolean; queued: boolean; history: { ok: boolean; triggers: string[] }[] };
  counters: { reloadRequests: number; reloadsOk: number; reloadsFailed: number; tasksLost: number };
}

/** True once every thread of `pid` is stopped (state T in /proc): a signal sent now stays pending. */
function stopped(pid: number): boolean {
  const states = readdirSync(`/proc/${pid}/task`).map((tid) => {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2];
  });
  return states.length > 0 && states.every((state) => state === 'T');
}

async function status(admin: string): Promise<Status> {
  return JSON.parse((await get(`${admin}/status`)).body) as Status;
}

describe('genswap serve under signals', () => {
  it('a SIGHUP storm (100 signals in a burst) never reloads more often than it was signalled and leaves the process healthy', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    dir.write(2);
    for (let i = 0; i < 100; i++) process.kill(serve.pid, 'SIGHUP');
    const settled = await until(async () => {
      const s = await status(serve.admin!);
      return s.counters.reloadsOk > 0 && !s.reloads.inProgress && !s.reloads.queued ? s : undefined;
    }, 'the reloads of the storm to settle');
    expect(settled.counters.reloadsFailed).toBe(0);
    // How many of the 100 reach the process, and how many of those land during a reload (and
    // join the one queued), depends on how fast this machine reloads; these bounds do not. That
    // a burst collapses is shown exactly below (a stopped process) and in supervisor-reload.
    expect(settled.counters.reloadsOk).toBeGreaterThanOrEqual(1);
    expect(settled.counters.reloadRequests).toBeLessThanOrEqual(100);
    expect(settled.counters.reloadRequests).toBeGreaterThanOrEqual(settled.counters.reloadsOk);
    expect(settled.reloads.history.every((r) => r.ok && r.triggers.includes('signal'))).toBe(true);
    const res = await get(serve.url);
    expect(res.status).toBe(200);
    expect(res.generation).toBe(settled.generation);
    expect((JSON.parse(res.body) as EchoBody).version).toBe(2);
    expect(serve.child.exitCode).toBeNull();
  });

  it('100 SIGHUPs sent while the process is stopped become exactly one reload (the kernel keeps one pending), and it serves the new file', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    const before = await status(serve.admin!);
    dir.write(2);
    process.kill(serve.pid, 'SIGSTOP');
    try {
      await until(() => (stopped(serve.pid) ? true : undefined), 'every thread of the process to stop');
      for (let i = 0; i < 100; i++) process.kill(serve.pid, 'SIGHUP');
    } finally {
      process.kill(serve.pid, 'SIGCONT');
    }
    const settled = await until(async () => {
      const s = await status(serve.admin!);
      return s.counters.reloadsOk > before.counters.reloadsOk && !s.reloads.inProgress && !s.reloads.queued ? s : undefined;
    }, 'the one reload to finish');
    expect(settled.counters.reloadRequests - before.counters.reloadRequests).toBe(1);
    expect(settled.counters.reloadsOk - before.counters.reloadsOk).toBe(1);
    expect(settled.counters.reloadsFailed).toBe(0);
    expect(settled.generation).toBe(before.generation + 1);
    const res = await get(serve.url);
    expect(res.generation).toBe(settled.generation);
    expect((JSON.parse(res.body) as EchoBody).version).toBe(2);
  });

  it('SIGTERM under load drains: every request sent before the signal is answered, then exit 0', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--admin', '127.0.0.1:0']);
    const agent = new Agent({ keepAlive: true, maxSockets: 6 });
    agents.push(agent);
    let stopping = false;
    const answers: HttpAnswer[] = [];
    const failures: unknown[] = [];
    const loop = async (): Promise<void> => {
      while (!stopping) {
        try {
          answers.push(await get(`${serve.url}/?op=sleep&ms=5`, agent));
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const loops = Array.from({ length: 6 }, loop);
    // Four slow requests on their own connections: they are certainly in flight at the signal.
    const slow = Array.from({ length: 4 }, () => get(`${serve.url}/?op=sleep&ms=300`));
    await until(async () => ((await status(serve.admin!)).tasks.inFlight >= 4 && answers.length >= 12 ? true : undefined), 'load to build up');

    stopping = true; // set before the signal: loops send nothing after it
    process.kill(serve.pid, 'SIGTERM');
    const slowAnswers = await Promise.all(slow);
    await Promise.all(loops);
    expect(await serve.exited).toEqual({ code: 0, signal: null });

    expect(failures).toEqual([]);
    for (const a of [...answers, ...slowAnswers]) {
      expect(a.status).toBe(200);
      expect(a.generation).toBe(1);
    }
    expect(slowAnswers.map((a) => (JSON.parse(a.body) as EchoBody).version)).toEqual([1, 1, 1, 1]);
    expect(serve.lines.some((l) => l.includes('"msg":"serve stopped"') && l.includes('"drained":true'))).toBe(true);
  });

  it('a second SIGTERM forces the exit while a drain waits', async () => {
    const dir = configDir(1);
    const serve = await startServe(dir.file, ['--drain-timeout', '60000', '--admin', '127.0.0.1:0']);
    const hung = get(`${serve.url}/?op=hang`).catch((err: unknown) => err);
    await until(async () => ((await status(serve.admin!)).tasks.inFlight === 1 ? true : undefined), 'the hanging request to run');
    process.kill(serve.pid, 'SIGTERM');
    await serve.waitForLine(/"msg":"serve stopping"/);
    process.kill(serve.pid, 'SIGTERM');
    expect(await serve.exited).toEqual({ code: 1, signal: null });
    expect(serve.lines.some((l) => l.includes('second shutdown signal, forcing exit'))).toBe(true);
    await hung;
  });

  it('signals during start-up are handled: SIGHUP reloads once started, SIGTERM exits 0', async () => {
    const dir = configDir(1);
    const starting = /"msg":"serve starting"/;
    const hup = await startServe(dir.file, ['--admin', '127.0.0.1:0'], starting);
    process.kill(hup.pid, 'SIGHUP');
    const line = await hup.waitForLine(/listening on .*admin (http:\/\/[^\s)]+)/);
    const admin = /admin (http:\/\/[^\s)]+)/.exec(line)![1]!;
    const s = await until(async () => {
      const st = await status(admin);
      return st.counters.reloadsOk === 1 ? st : undefined;
    }, 'the reload the early SIGHUP asked for');
    expect(s.reloads.history).toEqual([expect.objectContaining({ ok: true, triggers: ['signal'] })]);

    const term = await startServe(dir.file, [], starting);
    process.kill(term.pid, 'SIGTERM');
    expect(await term.exited).toEqual({ code: 0, signal: null });
  });
});
