import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ANCHOR_KINDS, type AnchorKind, type AnchorServer, missing, probe, startAnchor } from '../anchors/anchor-server.js';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, round } from '../stats.js';
import { freePort } from '../support/free-port.js';
import { dotted } from '../support/lists.js';
import { treeRss } from '../support/process-tree.js';

/**
 * Anchor (a): reloading a 1,000,000-entry deny list of /24 blocks. genswap serve (list file,
 * SIGHUP) beside nginx (`geo` block, reload by SIGHUP to the master) and HAProxy (ACL from a
 * file, master-worker reload by SIGUSR2), each started in a directory of its own
 * (anchors/anchor-server.ts). Each reload swaps the list's last entry for another; the time is
 * from the signal to the first response, on a new connection, that denies the new last entry
 * (probed every few milliseconds). Memory is the RSS of the server's whole process tree: its
 * peak while the reload runs and its steady value once the reload is over.
 */
const PROBE_EVERY_MS = 5;
/** After the new list serves, time for old workers to finish before the steady RSS is taken (--quick: less). */
let SETTLE_MS = 3000;

/** `n` distinct /24 blocks in a shuffled order; `variant` changes only the last one. */
function slash24List(n: number, variant: number): string[] {
  const out = new Array<string>(n);
  // i * 2654435761 mod 0xf00000 is a permutation (the multiplier is odd and not a multiple of 3 or 5).
  for (let i = 0; i < n - 1; i++) out[i] = `${dotted(0x01000000 + ((i * 2654435761) % 0xf00000) * 256)}/24`;
  out[n - 1] = `${dotted(0xf0000000 + variant * 256)}/24`; // 240.0.x.0/24: outside every other entry
  return out;
}
const lastAddress = (variant: number): string => dotted(0xf0000000 + variant * 256 + 7);

interface ReloadSample {
  readonly servesMs: number;
  readonly peakRss: number;
  readonly steadyRss: number;
}

async function reloadOnce(server: AnchorServer, entries: number, variant: number, timeoutMs: number): Promise<ReloadSample> {
  const address = lastAddress(variant);
  if ((await probe(server.url, address)) !== 200) throw new Error(`${server.kind}: ${address} is denied before its list was loaded`);
  server.write({ version: variant, denyList: slash24List(entries, variant) });
  let peakRss = treeRss(server.pid);
  const t0 = performance.now();
  server.reload();
  let servesMs = Number.NaN;
  let lastRssAt = 0;
  while (performance.now() - t0 < timeoutMs) {
    const status = await probe(server.url, address, 2000);
    const now = performance.now();
    if (status === 403) {
      servesMs = now - t0;
      break;
    }
    if (now - lastRssAt >= 20) {
      peakRss = Math.max(peakRss, treeRss(server.pid));
      lastRssAt = now;
    }
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  if (Number.isNaN(servesMs)) throw new Error(`${server.kind}: the new list did not serve within ${timeoutMs} ms`);
  // Old workers may still be exiting: keep sampling the peak while the tree settles.
  const settleUntil = performance.now() + SETTLE_MS;
  while (performance.now() < settleUntil) {
    peakRss = Math.max(peakRss, treeRss(server.pid));
    await new Promise((r) => setTimeout(r, 50));
  }
  return { servesMs, peakRss, steadyRss: treeRss(server.pid) };
}

export const scenario: Scenario = {
  name: 'anchor-big-list',
  title: 'reloading a 1,000,000-entry deny list: genswap vs nginx geo vs HAProxy (time until the new list serves, RSS of the process tree)',
  async run({ quick }) {
    const entries = quick ? 20_000 : 1_000_000;
    const rounds = quick ? 1 : 5;
    if (quick) SETTLE_MS = 300;
    const measurements: Record<string, Measurement> = {};
    const notes: string[] = [];
    const samples = new Map<AnchorKind, ReloadSample[]>();
    for (const kind of ANCHOR_KINDS) {
      const why = missing(kind);
      if (why !== undefined) {
        process.stdout.write(`${why}\n`);
        notes.push(why);
        continue;
      }
      const dir = mkdtempSync(path.join(tmpdir(), `genswap-anchor-${kind.toLowerCase()}-`));
      let server: AnchorServer | undefined;
      try {
        server = await startAnchor(kind, dir, await freePort(), { version: 0, denyList: slash24List(entries, 0) });
        await new Promise((r) => setTimeout(r, SETTLE_MS));
        // One reload not measured, alike for all: genswap's loader thread starts on its first
        // reload, and the first run of any reload path is colder than the ones users repeat.
        await reloadOnce(server, entries, rounds + 1, 120_000);
        const list: ReloadSample[] = [];
        for (let r = 1; r <= rounds; r++) list.push(await reloadOnce(server, entries, r, 120_000));
        samples.set(kind, list);
        measurements[`${kind}: reload until the new list serves`] = measurement('ms', list.map((s) => round(s.servesMs, 1)));
        measurements[`${kind}: RSS of the process tree, steady`] = measurement('bytes', list.map((s) => s.steadyRss));
        measurements[`${kind}: RSS of the process tree, reload peak`] = measurement('bytes', list.map((s) => s.peakRss));
      } finally {
        await server?.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const med = (kind: AnchorKind, f: (s: ReloadSample) => number): number => median((samples.get(kind) ?? []).map(f));
    const ratios: Record<string, number> = {};
    const targets = [];
    for (const other of ['nginx', 'HAProxy'] as const) {
      if (!samples.has('genswap') || !samples.has(other)) continue;
      ratios[`genswap / ${other}: reload until the new list serves`] = round(med('genswap', (s) => s.servesMs) / med(other, (s) => s.servesMs), 3);
      ratios[`genswap / ${other}: steady RSS`] = round(med('genswap', (s) => s.steadyRss) / med(other, (s) => s.steadyRss), 3);
      ratios[`genswap / ${other}: reload-peak RSS`] = round(med('genswap', (s) => s.peakRss) / med(other, (s) => s.peakRss), 3);
    }
    if (ratios['genswap / nginx: reload until the new list serves'] !== undefined) {
      targets.push(target('genswap / nginx: reload until the new list serves', ratios['genswap / nginx: reload until the new list serves']!, '<=', 0.1));
      targets.push(target('genswap / nginx: steady RSS', ratios['genswap / nginx: steady RSS']!, '<=', 0.1));
      targets.push(target('genswap / nginx: reload-peak RSS', ratios['genswap / nginx: reload-peak RSS']!, '<=', 0.1));
    }
    notes.push(
      `Each reload replaces the list's last entry (240.0.N.0/24) and probes 240.0.N.7 every ${PROBE_EVERY_MS} ms on a new connection until it is denied; before the signal, the same probe is checked to be allowed. nginx is reloaded by SIGHUP to its master, which is what \`nginx -s reload\` sends (that command would first parse the whole config once more in a process of its own). HAProxy runs in master-worker mode and is reloaded by SIGUSR2 to its master.`,
      `RSS is summed over the server's whole process tree from /proc (pages shared between nginx's forked workers count once per process, as ps and top count them). The peak is sampled every 20 ms from the signal until ${SETTLE_MS / 1000} s after the new list serves; the steady value is taken then.`,
    );
    const summary = (['nginx', 'HAProxy'] as const)
      .filter((k) => samples.has('genswap') && samples.has(k))
      .map((k) => ({
        measure: `reload a ${entries.toLocaleString('en-US')}-entry deny list until it serves; RSS`,
        genswap: `${med('genswap', (s) => s.servesMs).toFixed(0)} ms; ${(med('genswap', (s) => s.steadyRss) / 2 ** 20).toFixed(0)} MB`,
        alternative: k === 'nginx' ? 'nginx geo + reload' : 'HAProxy ACL file + reload',
        value: `${med(k, (s) => s.servesMs).toFixed(0)} ms; ${(med(k, (s) => s.steadyRss) / 2 ** 20).toFixed(0)} MB`,
        ratio: `${(1 / ratios[`genswap / ${k}: reload until the new list serves`]!).toFixed(1)}x faster; ${(1 / ratios[`genswap / ${k}: steady RSS`]!).toFixed(1)}x less memory`,
      }));
    return { params: { entries, rounds, threadsOrWorkers: 2, probeEveryMs: PROBE_EVERY_MS, settleMs: SETTLE_MS }, measurements, ratios, targets, notes, summary };
  },
};
