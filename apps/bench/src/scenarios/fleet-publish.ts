import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EtcdClient, publishFiles } from '@genswap/fleet';
import { EtcdServer, haveEtcd } from '@genswap/fleet/testing';
import { type Scenario, skippedRun } from '../harness.js';
import { measurement, round } from '../stats.js';
import { dotted, listEntries } from '../support/lists.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

/**
 * Fleet publish: the time from "the new config is in hand" until every one of N instances
 * serves it, for N = 1, 5, 10, with a small config and with a 1,000,000-entry deny list.
 *
 * genswap fleet: `fleet publish` to a local etcd (chunks + manifest swap), N `genswap serve
 * --source etcd://...` instances (the gateway) watching it, each with the default jitter (up to
 * 250 ms, on purpose). An instance counts as serving when its answers carry the new
 * x-genswap-fleet-revision. Also measured: etcd's CPU time and the bytes written per publish.
 * Alternative: what a user without fleet mode scripts: copy the files into each instance's
 * config directory and SIGHUP each one (`genswap serve --config`), all on this machine, so it
 * carries no network or jitter cost the fleet pays (a lower bound for a real deploy script).
 */

const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const agent = new Agent({ keepAlive: true, maxSockets: 2 });

function headerOf(url: string, name: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request(`${url}/`, { agent }, (res) => {
      res.resume().on('end', () => resolve(res.headers[name] as string | undefined));
    });
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** Polls every instance until `done(value of its header)`; resolves with each one's ms since `t0`. */
async function untilEach(urls: readonly string[], name: string, done: (v: string | undefined) => boolean, t0: number, timeoutMs: number): Promise<number[]> {
  return Promise.all(
    urls.map(async (url) => {
      for (;;) {
        if (done(await headerOf(url, name))) return performance.now() - t0;
        if (performance.now() - t0 > timeoutMs) throw new Error(`${url} did not switch within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
}

/** CPU ms a process has used (Linux /proc; 0 elsewhere). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** A gateway config naming lists/deny.txt: `entries` entries, plus one more per version `v` (a deny list grows at its end). */
function writeConfig(dir: string, entries: number, v: number): void {
  mkdirSync(path.join(dir, 'lists'), { recursive: true });
  const list = listEntries(entries);
  for (let k = 1; k <= v; k++) list.push(dotted(0x09000000 + k));
  writeFileSync(path.join(dir, 'lists', 'deny.txt'), `# ${entries} entries\n${list.join('\n')}\n`);
  writeFileSync(path.join(dir, 'gateway.yaml'), 'trustedProxies:\n  - { addresses: [127.0.0.1/32], sets: nginx }\nip:\n  denyFiles: [lists/deny.txt]\n');
}

const filesOf = (dir: string) => ['gateway.yaml', 'lists/deny.txt'].map((p) => ({ path: p, bytes: readFileSync(path.join(dir, p)) }));

async function startFleet(etcd: EtcdServer, prefix: string, n: number, work: string): Promise<ServerProcess[]> {
  const source = `etcd://${new URL(etcd.endpoint).host}/${prefix}`;
  const servers: ServerProcess[] = [];
  // One at a time: ten instances loading a million entries at once only measure start-up contention.
  for (let i = 0; i < n; i++) {
    const args = [CLI, 'serve', '--source', source, '--state-dir', path.join(work, `${prefix}-${i}`), '--instance-id', `bench-${i}`, '--listen', '127.0.0.1:0', '--threads', '1', '--admin', '127.0.0.1:0', '--log-level', 'warn'];
    servers.push(await startServer(args, 60_000));
  }
  return servers;
}

async function startFiles(n: number, work: string, entries: number): Promise<{ servers: ServerProcess[]; dirs: string[] }> {
  const servers: ServerProcess[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < n; i++) {
    const dir = path.join(work, `files-${entries}-${i}`);
    writeConfig(dir, entries, 0);
    dirs.push(dir);
    servers.push(await startServer([CLI, 'serve', '--config', path.join(dir, 'gateway.yaml'), '--listen', '127.0.0.1:0', '--threads', '1', '--admin', '127.0.0.1:0', '--log-level', 'warn'], 60_000));
  }
  return { servers, dirs };
}

export const scenario: Scenario = {
  name: 'fleet-publish',
  title: 'Fleet publish: etcd -> every instance serving, against copying files and SIGHUP',
  async run({ quick }) {
    if (!haveEtcd()) return skippedRun('fleet-publish', 'etcd is not installed (Debian: apt-get install etcd-server; .ci/run installs it)', quick);
    const sizes = quick ? [{ name: 'small', entries: 100 }, { name: '10k', entries: 10_000 }] : [{ name: 'small', entries: 100 }, { name: '1M', entries: 1_000_000 }];
    const fleets = quick ? [1] : [1, 5, 10];
    const reps = quick ? 2 : 5;
    const timeoutMs = 60_000;
    const work = mkdtempSync(path.join(tmpdir(), 'genswap-bench-fleet-'));
    const etcd = new EtcdServer();
    await etcd.start();
    const client = new EtcdClient(etcd.endpoint, { timeoutMs: 30_000 });
    const measurements: Record<string, ReturnType<typeof measurement>> = {};
    const ratios: Record<string, number> = {};
    const summary = [];
    try {
      for (const size of sizes) {
        for (const n of fleets) {
          const label = `N=${n} ${size.name}`;
          const prefix = `bench-${size.name}-${n}`;
          const cfg = path.join(work, `cfg-${prefix}`);
          writeConfig(cfg, size.entries, 0);
          let { manifest } = await publishFiles(client, { prefix, files: filesOf(cfg) });
          const fleet = await startFleet(etcd, prefix, n, work);
          const each: number[] = [];
          const all: number[] = [];
          const cpu: number[] = [];
          const bytes: number[] = [];
          try {
            await untilEach(fleet.map((s) => s.url), 'x-genswap-fleet-revision', (v) => v === String(manifest.revision), performance.now(), timeoutMs);
            for (let rep = 1; rep <= reps; rep++) {
              writeConfig(cfg, size.entries, rep);
              const files = filesOf(cfg);
              const cpu0 = cpuMs(etcd.pid!);
              const t0 = performance.now();
              const published = await publishFiles(client, { prefix, files });
              manifest = published.manifest;
              const times = await untilEach(fleet.map((s) => s.url), 'x-genswap-fleet-revision', (v) => v === String(manifest.revision), t0, timeoutMs);
              cpu.push(cpuMs(etcd.pid!) - cpu0);
              bytes.push(published.chunks.bytesWritten + 2 * JSON.stringify(manifest).length);
              each.push(...times);
              all.push(Math.max(...times));
            }
          } finally {
            await Promise.all(fleet.map((s) => s.stop()));
          }
          measurements[`fleet ${label}: each instance serving`] = measurement('ms', each.map((v) => round(v, 1)));
          measurements[`fleet ${label}: all serving`] = measurement('ms', all.map((v) => round(v, 1)));
          measurements[`fleet ${label}: etcd CPU per publish`] = measurement('ms', cpu);
          measurements[`fleet ${label}: bytes written per publish`] = measurement('B', bytes);

          const files = await startFiles(n, work, size.entries);
          const alt: number[] = [];
          try {
            for (let rep = 1; rep <= reps; rep++) {
              const before = await Promise.all(files.servers.map((s) => headerOf(s.url, 'x-genswap-generation')));
              writeConfig(cfg, size.entries, 100 + rep);
              const t0 = performance.now();
              files.dirs.forEach((dir, i) => {
                for (const p of ['lists/deny.txt', 'gateway.yaml']) {
                  copyFileSync(path.join(cfg, p), path.join(dir, `${p}.tmp`));
                  // Renamed into place, as careful deploy scripts do, so a reload never reads half a file.
                  renameSync(path.join(dir, `${p}.tmp`), path.join(dir, p));
                }
                process.kill(files.servers[i]!.pid, 'SIGHUP');
              });
              const times = await Promise.all(files.servers.map((s, i) => untilEach([s.url], 'x-genswap-generation', (v) => Number(v) > Number(before[i]), t0, timeoutMs).then(([t]) => t!)));
              alt.push(Math.max(...times));
            }
          } finally {
            await Promise.all(files.servers.map((s) => s.stop()));
          }
          measurements[`files+SIGHUP ${label}: all serving`] = measurement('ms', alt.map((v) => round(v, 1)));
          const ratio = round(measurements[`fleet ${label}: all serving`]!.median / measurements[`files+SIGHUP ${label}: all serving`]!.median, 2);
          ratios[`fleet/files ${label}`] = ratio;
          summary.push({
            measure: `publish -> all ${n} serving, ${size.name} config`,
            genswap: `${measurements[`fleet ${label}: all serving`]!.median} ms (etcd)`,
            alternative: 'copy files + SIGHUP each',
            value: `${measurements[`files+SIGHUP ${label}: all serving`]!.median} ms`,
            ratio: `${ratio}x the time`,
          });
        }
      }
    } finally {
      agent.destroy();
      await etcd.stop();
      rmSync(work, { recursive: true, force: true });
    }
    return {
      measurements,
      ratios,
      targets: [],
      params: { fleets, sizes: sizes.map((s) => `${s.name} (${s.entries} entries)`), reps, jitterMs: 250, threadsPerInstance: 1 },
      summary,
      notes: [
        'Every instance, etcd and the publisher run on this one machine: N instances share its cores, so "all serving" for N = 10 is mostly ten reloads of the same list queued for the same CPUs.',
        'The fleet figures include each instance\'s random jitter (up to 250 ms, the default) before it fetches: it spreads a fleet\'s fetches on purpose.',
        'Each publish appends an entry to the list, as deny lists grow: with content-addressed 1 MiB chunks etcd stores, and each instance fetches, only the last chunk; the others are reused from etcd and from the instance\'s last good copy. A new list costs its full size once; an insertion in the middle rewrites the chunks after it (fixed-offset chunks).',
        'The alternative copies files locally and signals; a real deploy script adds a network copy per host.',
      ],
    };
  },
};
