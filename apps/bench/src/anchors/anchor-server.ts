import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server-process.js';

/**
 * The servers the anchor scenarios compare, each started the way its users run it, with a
 * directory of its own and a free port on 127.0.0.1, and reloaded the way its users reload it:
 * - genswap: `node apps/cli/dist/main.js serve` (the built CLI, 2 threads), SIGHUP to its pid;
 * - nginx: master + 2 worker processes, the deny list in a `geo` block, SIGHUP to the master
 *   (what `nginx -s reload` sends; sent directly, since `nginx -s` parses the whole config
 *   once more in a process of its own before it signals, which would only add to nginx's time);
 * - HAProxy: master-worker mode (-W) with 2 threads, the deny list an ACL file (-f), SIGUSR2 to
 *   the master.
 * All three judge a request by the X-Real-IP header (genswap trusts it from 127.0.0.1), deny
 * with 403 and otherwise answer 200 carrying the config's version (x-genswap-rule: storm-vN for
 * genswap, x-version: vN for the others), so a load generator can tell generations apart.
 */
export type AnchorKind = 'genswap' | 'nginx' | 'HAProxy';
export const ANCHOR_KINDS: readonly AnchorKind[] = ['genswap', 'nginx', 'HAProxy'];

export interface AnchorConfig {
  /** Goes into every allowed answer. */
  readonly version: number;
  /** CIDR blocks of the deny list file (besides one inline entry), or none. */
  readonly denyList?: readonly string[];
}

export interface AnchorServer {
  readonly kind: AnchorKind;
  readonly url: string;
  /** The process whose tree is measured (genswap's process, nginx's and HAProxy's master). */
  readonly pid: number;
  /** Writes the config files for `config` (the server sees them at its next reload). */
  write(config: AnchorConfig): void;
  /** Sends the reload signal. */
  reload(): void;
  stop(): Promise<void>;
}

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const BINARIES: Readonly<Record<Exclude<AnchorKind, 'genswap'>, string>> = { nginx: '/usr/sbin/nginx', HAProxy: '/usr/sbin/haproxy' };
export const WRK = '/usr/bin/wrk';
const THREADS = 2;

/** Why `kind` cannot run here (a line for the report), or undefined. */
export function missing(kind: AnchorKind): string | undefined {
  if (kind === 'genswap') return existsSync(CLI) ? undefined : `genswap skipped: ${CLI} is missing (run pnpm build)`;
  const binary = BINARIES[kind];
  return existsSync(binary) ? undefined : `${kind} skipped: ${binary} is not installed (apt-get update && apt-get install -y nginx haproxy wrk)`;
}

function genswapYaml(c: AnchorConfig): string {
  return `# anchor config, version ${c.version}
trustedProxies:
  - addresses: [127.0.0.1/32]
    sets: nginx
ip:
  deny: [192.0.2.66]
  denyFiles: [${c.denyList !== undefined ? 'deny.txt' : ''}]
rules:
  - name: storm-v${c.version}
    action: allow
`;
}

function nginxConf(dir: string, port: number, c: AnchorConfig): string {
  const asRoot = process.getuid?.() === 0 ? 'user root;\n' : '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/temp/${t};`).join('\n');
  return `# anchor config, version ${c.version}
${asRoot}worker_processes ${THREADS};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  geo $http_x_real_ip $denied {
    default 0;
    192.0.2.66 1;
${c.denyList !== undefined ? `    include ${dir}/deny.geo;\n` : ''}  }
  server {
    listen 127.0.0.1:${port};
    location / {
      if ($denied) { return 403; }
      add_header x-version v${c.version} always;
      return 200 "v${c.version}\\n";
    }
  }
}
`;
}

function haproxyCfg(dir: string, port: number, c: AnchorConfig): string {
  return `# anchor config, version ${c.version}
global
  master-worker
  nbthread ${THREADS}
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend anchor
  bind 127.0.0.1:${port}
  http-request deny deny_status 403 if { req.hdr_ip(x-real-ip) 192.0.2.66 }
${c.denyList !== undefined ? `  http-request deny deny_status 403 if { req.hdr_ip(x-real-ip) -f ${dir}/deny.txt }\n` : ''}  http-request return status 200 content-type text/plain string v${c.version} hdr x-version v${c.version}
`;
}

/** Status of GET / with X-Real-IP `client`, on a fresh connection; 0 when the request failed. */
export function probe(url: string, client: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { 'x-real-ip': client }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end();
  });
}

async function waitServing(url: string, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    if ((await probe(url, '127.0.0.2', 1000)) === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not serving within ${timeoutMs} ms:\n${output()}`);
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      live.delete(child);
      resolve();
    });
    child.kill(signal);
  });
}

/** Starts `kind` in `dir` (created) with `config` and resolves once it answers. */
export async function startAnchor(kind: AnchorKind, dir: string, port: number, config: AnchorConfig, timeoutMs = 120_000): Promise<AnchorServer> {
  mkdirSync(path.join(dir, 'temp'), { recursive: true });
  const url = `http://127.0.0.1:${port}/`;
  const files = (c: AnchorConfig): void => {
    if (kind === 'genswap') {
      if (c.denyList !== undefined) writeFileSync(path.join(dir, 'deny.txt'), `${c.denyList.join('\n')}\n`);
      writeFileSync(path.join(dir, 'genswap.yaml'), genswapYaml(c));
    } else if (kind === 'nginx') {
      if (c.denyList !== undefined) writeFileSync(path.join(dir, 'deny.geo'), `${c.denyList.join(' 1;\n')} 1;\n`);
      writeFileSync(path.join(dir, 'nginx.conf'), nginxConf(dir, port, c));
    } else {
      if (c.denyList !== undefined) writeFileSync(path.join(dir, 'deny.txt'), `${c.denyList.join('\n')}\n`);
      writeFileSync(path.join(dir, 'haproxy.cfg'), haproxyCfg(dir, port, c));
    }
  };
  files(config);
  if (kind === 'genswap') {
    const server = await startServer([CLI, 'serve', '--config', path.join(dir, 'genswap.yaml'), '--listen', `127.0.0.1:${port}`, '--threads', String(THREADS), '--admin', '127.0.0.1:0', '--log-level', 'warn'], timeoutMs);
    return { kind, url, pid: server.pid, write: files, reload: () => process.kill(server.pid, 'SIGHUP'), stop: () => server.stop() };
  }
  const args = kind === 'nginx' ? ['-p', dir, '-c', path.join(dir, 'nginx.conf')] : ['-W', '-db', '-f', path.join(dir, 'haproxy.cfg')];
  const child = spawn(BINARIES[kind], args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 16 * 1024) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    await waitServing(url, child, timeoutMs, () => output);
  } catch (err) {
    await stopChild(child, 'SIGKILL');
    throw new Error(`${kind} did not start: ${(err as Error).message}`);
  }
  const reloadSignal: NodeJS.Signals = kind === 'nginx' ? 'SIGHUP' : 'SIGUSR2';
  return { kind, url, pid: child.pid!, write: files, reload: () => child.kill(reloadSignal), stop: () => stopChild(child, kind === 'nginx' ? 'SIGQUIT' : 'SIGUSR1') };
}
