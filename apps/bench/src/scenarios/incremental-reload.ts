import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, round } from '../stats.js';
import { listEntries, sizeLabel, writeListFile } from '../support/lists.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

/**
 * A one-rule change beside a big deny list: how long `genswap serve` takes to reload it (the
 * server's own durationMs from POST /reload: read, parse, validate, compile, encode, publish),
 * against the same config without the list. The list file is untouched between reloads, so the
 * loader's list cache answers it from its file identity (no read, no parse); a reload after the
 * list itself changed is measured beside them for scale.
 */
const CLI = fileURLToPath(new URL('../../../cli/dist/main.js', import.meta.url));
const GATEWAY_YAML = fileURLToPath(new URL('../../../gateway/config/gateway.yaml', import.meta.url));

function post(url: string): Promise<{ ok: boolean; durationMs: number }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/reload`, { method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => {
        const answer = JSON.parse(body) as { ok: boolean; durationMs: number };
        resolve({ ok: answer.ok, durationMs: answer.durationMs });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The bundled config with one more rule whose path changes with `edit`, and optionally the big list. */
function configText(edit: number, bigList: string | undefined): string {
  const base = readFileSync(GATEWAY_YAML, 'utf8').replace('    - lists/deny.txt', bigList === undefined ? '    - lists/deny.txt' : `    - lists/deny.txt\n    - ${bigList}`);
  return base.replace(/^rules:\n/m, `rules:\n  - name: edited-rule\n    match:\n      path: /edited-${edit}\n    action: deny\n`);
}

export const scenario: Scenario = {
  name: 'incremental-reload',
  title: 'a one-rule change beside a 1,000,000-entry deny list: reload time against the same config without the list',
  async run({ quick }) {
    const entries = quick ? 50_000 : 1_000_000;
    const runs = quick ? 5 : 15;
    const big = `${sizeLabel(entries)}-entry deny list`;
    const dir = mkdtempSync(path.join(tmpdir(), 'genswap-bench-incremental-'));
    const times: Record<string, number[]> = { without: [], with: [], changed: [] };
    try {
      const listsDir = path.join(dir, 'lists');
      mkdirSync(listsDir);
      writeListFile(listsDir, 'deny.txt', ['198.51.100.0/24']);
      writeListFile(dir, 'big.txt', listEntries(entries));
      for (const variant of ['without', 'with'] as const) {
        const file = path.join(dir, `${variant}.yaml`);
        const bigList = variant === 'with' ? 'big.txt' : undefined;
        writeFileSync(file, configText(0, bigList));
        const server: ServerProcess = await startServer([CLI, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--threads', '2', '--admin', '127.0.0.1:0', '--log-level', 'warn'], 60_000);
        try {
          // Warm-up, alike for both: the loader's code paths, and long enough (over a second
          // after the list was written) that the list cache may trust the file's identity.
          const warmUntil = performance.now() + (quick ? 300 : 1500);
          for (let k = 1; k <= 3 || performance.now() < warmUntil; k++) {
            writeFileSync(file, configText(k, bigList));
            await post(server.admin);
          }
          for (let k = 0; k < runs; k++) {
            writeFileSync(file, configText(1000 + k, bigList));
            const answer = await post(server.admin);
            if (!answer.ok) throw new Error(`reload of ${variant} failed`);
            times[variant]!.push(answer.durationMs);
          }
          if (variant === 'with') {
            for (let k = 0; k < (quick ? 1 : 3); k++) {
              appendFileSync(path.join(dir, 'big.txt'), `203.0.${k}.0/24\n`);
              const answer = await post(server.admin);
              if (!answer.ok) throw new Error('reload after the list changed failed');
              times.changed!.push(answer.durationMs);
            }
          }
        } finally {
          await server.stop();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const measurements: Record<string, Measurement> = {
      'one-rule change, config without the list: reload': measurement('ms', times.without!.map((t) => round(t, 2))),
      [`one-rule change beside the unchanged ${big}: reload`]: measurement('ms', times.with!.map((t) => round(t, 2))),
      [`the ${big} itself changed (one line appended): reload`]: measurement('ms', times.changed!.map((t) => round(t, 2))),
    };
    const ratio = round(median(times.with!) / median(times.without!), 3);
    const ratios = { [`one-rule change: with the ${big} / without`]: ratio };
    return {
      params: { entries, runs, threads: 2 },
      measurements,
      ratios,
      targets: [target(`one-rule change beside the ${big} / the same change without it`, ratio, '<=', 2)],
      notes: [
        'Each variant runs in its own `genswap serve` process (2 threads); every reload rewrites the config with one rule changed and asks POST /reload; the figure is the reload\'s own durationMs (from reading the config to the publish, encoding the whole generation included).',
        `The list file is not touched between those reloads: the loader's list cache finds its identity (device, inode, size, mtime, ctime) unchanged and its last hash more than a second after its last write, so it neither reads nor parses it. The last row appends one line to the list: the reload reads, hashes and compiles all ${entries.toLocaleString('en-US')} lines again.`,
      ],
      summary: [
        {
          measure: `a one-rule change beside a ${big}: reload time`,
          genswap: `${round(median(times.with!), 1)} ms`,
          alternative: 'the same change without the list',
          value: `${round(median(times.without!), 1)} ms`,
          ratio: `x${ratio} (target <= 2)`,
        },
      ],
    };
  },
};
