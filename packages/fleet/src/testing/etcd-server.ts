// `@genswap/fleet/testing`: a throwaway single-member etcd for integration tests and benchmarks.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Whether an etcd binary is on PATH (Debian's etcd-server; .ci/run installs it). */
export function haveEtcd(): boolean {
  try {
    execFileSync('etcd', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A single-member etcd on 127.0.0.1, free ports and a temporary data directory, for tests and
 * benchmarks. kill() and start() again keep the same ports and data (an etcd restart), so
 * clients see the same cluster come back.
 */
export class EtcdServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'genswap-etcd-'));
  endpoint = '';
  private clientPort = 0;
  private peerPort = 0;
  private child: ChildProcess | undefined;
  private log = '';

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    if (this.clientPort === 0) {
      this.clientPort = await freePort();
      this.peerPort = await freePort();
      this.endpoint = `http://127.0.0.1:${this.clientPort}`;
    }
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const child = spawn(
      'etcd',
      [
        '--name', 'genswap-test',
        '--data-dir', join(this.dataDir, 'data'),
        '--listen-client-urls', this.endpoint,
        '--advertise-client-urls', this.endpoint,
        '--listen-peer-urls', peer,
        '--initial-advertise-peer-urls', peer,
        '--initial-cluster', `genswap-test=${peer}`,
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-4000)));
    this.child = child;
    const deadline = performance.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}) while starting: ${this.log}`);
      try {
        const res = await fetch(`${this.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(1000) });
        if (res.ok && ((await res.json()) as { leader?: string }).leader !== undefined) return;
      } catch {
        // not up yet
      }
      if (performance.now() > deadline) throw new Error(`etcd did not come up within 15 s: ${this.log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL, waiting for the exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
