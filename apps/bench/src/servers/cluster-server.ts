/**
 * The node:cluster alternative to `genswap serve`, reloading the way PM2-style setups do: the
 * primary loads, validates and compiles the config once (the same loadConfig and gateway
 * definition genswap uses), encodes it with the gateway codec, and sends the bytes to every
 * process over IPC; each process decodes its own copy and serves the verdict inline
 * (cluster-worker.ts). A reload (POST /reload on the primary's admin listener) does the same
 * with the next generation number and answers once every process has acknowledged it; until
 * then, processes that have switched and processes that have not serve side by side.
 * Connections are spread by node:cluster's default (round-robin from the primary on Linux).
 *
 * usage: node cluster-server.js --config <file> [--processes N]
 * prints: `cluster server: listening on <url> (pid N, generation 1, N processes, admin <url>)`
 */
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@genswap/config';
import { codec, definition } from '@genswap/gateway/definition';
import type { ConfigMessage, ToPrimary } from './cluster-protocol.js';
import { type ReloadDone, startReloadAdmin } from './reload-admin.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const configFile = option('--config');
const processes = Number(option('--processes') ?? '2');
if (configFile === undefined || !Number.isInteger(processes) || processes < 1) {
  process.stderr.write('usage: cluster-server --config <file> [--processes N]\n');
  process.exit(2);
}

async function encodedConfig(): Promise<Uint8Array> {
  return codec.encode((await loadConfig(configFile!, definition)).value);
}

let generation = 1;
let stopping = false;
const waiters = new Map<string, () => void>();
const waitKey = (worker: Worker, gen: number): string => `${worker.id}:${gen}`;

/** Sends a config to one process; resolves when it answers with that generation. */
function sendConfig(worker: Worker, gen: number, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    waiters.set(waitKey(worker, gen), resolve);
    worker.send({ kind: 'config', generation: gen, bytes } satisfies ConfigMessage);
  });
}

cluster.setupPrimary({ exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)), serialization: 'advanced' });
let exited = 0;
cluster.on('exit', (worker, code, signal) => {
  if (stopping) {
    if (++exited === processes) process.exit(0);
    return;
  }
  process.stderr.write(`cluster server: process ${worker.process.pid} exited (${code ?? signal})\n`);
  process.exit(1);
});

const first = await encodedConfig();
let port = 0;
const workers: Worker[] = [];
await Promise.all(
  Array.from({ length: processes }, () => {
    const worker = cluster.fork();
    workers.push(worker);
    worker.on('message', (m: ToPrimary) => {
      if (m.kind === 'ready') void sendConfig(worker, generation, first);
      else if (m.kind === 'applied') {
        const key = waitKey(worker, m.generation);
        waiters.get(key)?.();
        waiters.delete(key);
      }
    });
    return new Promise<void>((resolve) =>
      worker.once('listening', (address) => {
        port = address.port;
        resolve();
      }),
    );
  }),
);

// One reload at a time, as genswap serializes its own.
let chain: Promise<unknown> = Promise.resolve();
function reload(): Promise<ReloadDone> {
  const run = chain.then(async () => {
    const t0 = performance.now();
    const bytes = await encodedConfig();
    const next = generation + 1;
    await Promise.all(workers.map((w) => sendConfig(w, next, bytes)));
    generation = next;
    return { generation: next, durationMs: performance.now() - t0 };
  });
  chain = run.catch(() => undefined);
  return run;
}

const admin = await startReloadAdmin(reload, () => generation);
process.once('SIGTERM', () => {
  stopping = true;
  admin.close();
  for (const worker of workers) worker.process.kill('SIGTERM');
});
process.stdout.write(`cluster server: listening on http://127.0.0.1:${port} (pid ${process.pid}, generation ${generation}, ${processes} processes, admin ${admin.url})\n`);
