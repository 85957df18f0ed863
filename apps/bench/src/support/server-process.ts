import { type ChildProcess, spawn } from 'node:child_process';
import { onCpus, SERVER_CPUS_ENV } from './cpus.js';

/**
 * HTTP servers under test run as child processes (`genswap serve`, the pool-restart server), so
 * the load generator in the bench process and the server compete for the machine's cores the
 * way they would on a real host, and a crash of one cannot take the other down. Every child
 * started here is killed when the bench process exits, whatever the path out.
 */
export interface ServerProcess {
  readonly pid: number;
  /** Front end, e.g. http://127.0.0.1:41233 */
  readonly url: string;
  /** Admin listener (POST /reload). */
  readonly admin: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const LISTENING = /listening on (http:\/\/\S+?)[\s,]/;
const ADMIN = /admin (http:\/\/[^\s)]+)/;

/**
 * Starts `node <args>` (on the CPUs of GENSWAP_BENCH_SERVER_CPUS, when set) and resolves when it prints `listening on <url> ... admin <url>` on
 * stdout. Its output is kept (not forwarded: the bench's own stderr must stay clean) and shown
 * when it fails to start or dies.
 */
export function startServer(args: readonly string[], timeoutMs = 20_000): Promise<ServerProcess> {
  // Pinned to the CPUs `pnpm bench --server-cpus` names, if any (taskset execs: the pid is node's).
  const [command, argv] = onCpus(process.env[SERVER_CPUS_ENV], process.execPath, args);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  const stop = async (graceMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  return new Promise<ServerProcess>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop(0);
      reject(new Error(`${why}: node ${args.join(' ')}\n${output.slice(-4000)}`));
    };
    const timer = setTimeout(() => fail(`no "listening on" within ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer): void => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
      const url = LISTENING.exec(output)?.[1];
      const admin = ADMIN.exec(output)?.[1];
      if (url !== undefined && admin !== undefined) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining: a full pipe would block the server
        resolve({ pid: child.pid!, url, admin, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
    });
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before listening`));
  });
}
