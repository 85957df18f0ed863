import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListCache, loadConfig } from '@genswap/config';
import { definition } from '@genswap/gateway/definition';
import { type Scenario, target } from '../harness.js';
import { type Measurement, measurement, median, round } from '../stats.js';
import { listEntries, sizeLabel, writeListFile } from '../support/lists.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

/**
 * A one-rule change beside a big deny list: how long `genswap serve` takes to reload it (the
 * server's own durationMs from POST /reload: read, parse, validate, compile, encode, publish),
 * against the same config without the list. The list file is untouched between reloads, so the
 * loader's list cache answers it from its file identity (no read, no parse); a reload after the
 * list itself changed is measured beside them for scale, and so is the same change beside a big
 * list written inline in the YAML (section reuse).
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

/** Entries of the inline deny list (in the YAML itself) of the third variant. */
const INLINE_ENTRIES = 20_000;

/**
 * The bundled config with one more rule whose path changes with `edit`, and optionally the big
 * list file, or a deny list of `inline` entries written in the YAML itself.
 */
function configText(edit: number, bigList: string | undefined, inline: readonly string[] = []): string {
  let base = readFileSync(GATEWAY_YAML, 'utf8').replace('    - lists/deny.txt', bigList === undefined ? '    - lists/deny.txt' : `    - lists/deny.txt\n    - ${bigList}`);
  if (inline.length > 0) base = base.replace(/^ {2}deny:\n/m, `  deny:\n${inline.map((e) => `    - ${e}\n`).join('')}`);
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
    const inline = listEntries(quick ? 2_000 : INLINE_ENTRIES);
    const times: Record<string, number[]> = { without: [], with: [], changed: [], inline: [] };
    try {
      const listsDir = path.join(dir, 'lists');
      mkdirSync(listsDir);
      writeListFile(listsDir, 'deny.txt', ['198.51.100.0/24']);
      writeListFile(dir, 'big.txt', listEntries(entries));
      for (const variant of ['without', 'with', 'inline'] as const) {
        const file = path.join(dir, `${variant}.yaml`);
        const bigList = variant === 'with' ? 'big.txt' : undefined;
        const text = (edit: number): string => configText(edit, bigList, variant === 'inline' ? inline : []);
        writeFileSync(file, text(0));
        const server: ServerProcess = await startServer([CLI, 'serve', '--config', file, '--listen', '127.0.0.1:0', '--threads', '2', '--admin', '127.0.0.1:0', '--log-level', 'warn'], 60_000);
        try {
          // Warm-up, alike for both: the loader's code paths, and long enough (over a second
          // after the list was written) that the list cache may trust the file's identity.
          const warmUntil = performance.now() + (quick ? 300 : 1500);
          for (let k = 1; k <= 3 || performance.now() < warmUntil; k++) {
            writeFileSync(file, text(k));
            await post(server.admin);
          }
          for (let k = 0; k < runs; k++) {
            writeFileSync(file, text(1000 + k));
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
      // The same one-rule change beside the inline list, loaded in this process with and without
      // section reuse: what reuse saves of validate + compile (the YAML parse is the same).
      const file = path.join(dir, 'inline.yaml');
      for (const [key, def] of [['reused', definition], ['whole', { ...definition, reuseUnchangedSections: false }]] as const) {
        const listCache = new ListCache();
        for (let k = 0; k < runs + 3; k++) {
          writeFileSync(file, configText(2000 + k, undefined, inline));
          const { timings } = await loadConfig(file, def, { listCache });
          if (k >= 3) (times[key] ??= []).push(timings.validateMs + timings.compileMs);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const measurements: Record<string, Measurement> = {
      'one-rule change, config without the list: reload': measurement('ms', times.without!.map((t) => round(t, 2))),
      [`one-rule change beside the unchanged ${big}: reload`]: measurement('ms', times.with!.map((t) => round(t, 2))),
      [`the ${big} itself changed (one line appended): reload`]: measurement('ms', times.changed!.map((t) => round(t, 2))),
      [`one-rule change beside an unchanged ${inline.length.toLocaleString('en-US')}-entry inline deny list: reload`]: measurement('ms', times.inline!.map((t) => round(t, 2))),
    };
    measurements[`the same, loaded in the bench process: validate + compile with section reuse`] = measurement('ms', times.reused!.map((t) => round(t, 2)));
    measurements[`the same, loaded in the bench process: validate + compile without section reuse`] = measurement('ms', times.whole!.map((t) => round(t, 2)));
    const ratio = round(median(times.with!) / median(times.without!), 3);
    const ratios = {
      [`one-rule change: with the ${big} / without`]: ratio,
      [`one-rule change: with the ${inline.length.toLocaleString('en-US')}-entry inline list / without`]: round(median(times.inline!) / median(times.without!), 3),
      ['inline list: validate + compile with section reuse / without']: round(median(times.reused!) / median(times.whole!), 3),
    };
    return {
      params: { entries, runs, threads: 2 },
      measurements,
      ratios,
      targets: [target(`one-rule change beside the ${big} / the same change without it`, ratio, '<=', 2)],
      notes: [
        'Each variant runs in its own `genswap serve` process (2 threads); every reload rewrites the config with one rule changed and asks POST /reload; the figure is the reload\'s own durationMs (from reading the config to the publish, encoding the whole generation included).',
        `The third variant writes ${inline.length.toLocaleString('en-US')} deny entries in the YAML itself (ip.deny) and changes the same rule: the YAML is parsed whole every time, but the unchanged ip section keeps its validated value and its compiled ranges (reuseUnchangedSections), so zod and the range builder see only the changed rules. Not a target; it shows what section reuse leaves of a big inline list. The last two rows load that config in the bench process with the gateway's definition as it is and with reuseUnchangedSections off, validate + compile from LoadedConfig.timings.`,
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
